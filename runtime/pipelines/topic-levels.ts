// MQTT topic filters and levels over the record key's bytes (the MQTT topic, as MQTT ingest
// stores it), without a string per record.

const SLASH = 0x2f;
const utf8 = new TextEncoder();

/** A compiled MQTT filter: its levels as bytes; "+" and "#" are wildcards. */
export interface TopicFilter {
  levels: Uint8Array[];
}

export function compileTopicFilter(filter: string): TopicFilter {
  return { levels: filter.split("/").map((l) => utf8.encode(l)) };
}

function isWildcard(level: Uint8Array, c: number): boolean {
  return level.length === 1 && level[0] === c;
}

/** Whether the topic `bytes[from, from + length)` matches the filter (MQTT rules; $-topics need an explicit first level). */
export function topicMatches(filter: TopicFilter, bytes: Uint8Array, from: number, length: number): boolean {
  const end = from + length;
  let at = from;
  const levels = filter.levels;
  if (length > 0 && bytes[from] === 0x24 && (isWildcard(levels[0], 0x2b) || isWildcard(levels[0], 0x23))) return false;
  for (let l = 0; l < levels.length; l++) {
    const level = levels[l];
    if (isWildcard(level, 0x23)) return true;
    if (at > end) return false;
    let stop = at;
    while (stop < end && bytes[stop] !== SLASH) stop++;
    if (!isWildcard(level, 0x2b)) {
      if (stop - at !== level.length) return false;
      for (let i = 0; i < level.length; i++) if (bytes[at + i] !== level[i]) return false;
    }
    at = stop + 1;
  }
  return at === end + 1;
}

/**
 * Where level `index` (0-based) of the topic `bytes[from, from + length)` lies: [start, end) in
 * `out`; false when the topic has fewer levels.
 */
export function topicLevel(bytes: Uint8Array, from: number, length: number, index: number, out: Int32Array): boolean {
  const end = from + length;
  let at = from;
  for (let l = 0; l < index; l++) {
    while (at < end && bytes[at] !== SLASH) at++;
    if (at === end) return false;
    at++;
  }
  let stop = at;
  while (stop < end && bytes[stop] !== SLASH) stop++;
  out[0] = at;
  out[1] = stop;
  return true;
}
