// MQTT topic filters and topic levels over a record key's bytes (the MQTT topic, as MQTT ingest
// stores it), for the fused pipeline kernel: the rules of runtime/pipelines/topic-levels.ts,
// which the host's column path uses.
const SLASH: u32 = 0x2f;
const PLUS: u32 = 0x2b;
const HASH: u32 = 0x23;
const DOLLAR: u32 = 0x24;

// @ts-ignore: decorator
@inline
function levelEndAt(p: usize, end: usize): usize {
  while (p < end && <u32>load<u8>(p) != SLASH) p++;
  return p;
}

/** Whether the topic [topic, + topicLength) matches the filter [filter, + filterLength). */
export function topicMatchesFilter(topic: usize, topicLength: usize, filter: usize, filterLength: usize): bool {
  const topicEnd = topic + topicLength;
  const filterEnd = filter + filterLength;
  // A $-topic is matched only by a filter that names its first level [MQTT-4.7.2-1].
  const first = levelEndAt(filter, filterEnd) - filter;
  if (topicLength > 0 && <u32>load<u8>(topic) == DOLLAR && first == 1 && (<u32>load<u8>(filter) == PLUS || <u32>load<u8>(filter) == HASH)) return false;
  let t = topic;
  let f = filter;
  while (true) {
    const fStop = levelEndAt(f, filterEnd);
    const length = fStop - f;
    if (length == 1 && <u32>load<u8>(f) == HASH) return true;
    if (t > topicEnd) return false;
    const tStop = levelEndAt(t, topicEnd);
    if (!(length == 1 && <u32>load<u8>(f) == PLUS)) {
      if (tStop - t != length) return false;
      for (let i: usize = 0; i < length; i++) if (load<u8>(t + i) != load<u8>(f + i)) return false;
    }
    t = tStop + 1;
    if (fStop >= filterEnd) break;
    f = fStop + 1;
  }
  return t == topicEnd + 1;
}

/** Where topicLevel found the level: [levelStart, levelEnd). */
export let levelStart: usize = 0;
export let levelEnd: usize = 0;

/** Finds level `index` (0-based) of the topic [topic, + topicLength); false when it has fewer levels. */
export function topicLevel(topic: usize, topicLength: usize, index: i32): bool {
  const end = topic + topicLength;
  let at = topic;
  for (let l = 0; l < index; l++) {
    at = levelEndAt(at, end);
    if (at == end) return false;
    at++;
  }
  levelStart = at;
  levelEnd = levelEndAt(at, end);
  return true;
}
