// Splits a byte stream into whole MQTT control packets before mqtt-packet parses them, so the
// size limit is enforced from the fixed header (a 256 MB remaining length is refused before a
// byte of it is buffered) and PUBLISH topic bytes are checked as UTF-8 (mqtt-packet would
// silently replace bad sequences).

export interface FrameError {
  error: "malformed" | "too-large";
  message: string;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const empty = Buffer.alloc(0);

export class FrameReader {
  /** Unread bytes are #pending[#at..]: an offset, not a new view per packet (hot path). */
  #pending: Buffer = empty;
  #at = 0;
  /** A packet cut by a chunk boundary, gathered in a buffer of its own size: only that packet
   * is copied, not the whole next socket chunk (a flood would copy every 64 KiB read twice). */
  #partial: Buffer | undefined;
  #partialBytes = 0;
  readonly #packetBytesMax: number;

  constructor(packetBytesMax: number) {
    this.#packetBytesMax = packetBytesMax;
  }

  get bufferedBytes(): number {
    return this.#pending.length - this.#at + this.#partialBytes;
  }

  push(chunk: Buffer): void {
    const partial = this.#partial;
    if (partial && this.#partialBytes < partial.length) return this.#fill(chunk); // nothing else is pending then
    const rest = this.#pending.length - this.#at;
    if (rest === 0) {
      this.#pending = chunk;
      this.#at = 0;
      return;
    }
    const leftover = this.#pending.subarray(this.#at);
    const total = partial ? undefined : packetBytes(leftover, chunk);
    if (total === undefined || total > this.#packetBytesMax || total <= rest) {
      // A header still cut short, one next() refuses, or packets not yet taken (pushes without
      // next() between): join the bytes and let next() decide.
      this.#pending = Buffer.concat([leftover, chunk], rest + chunk.length);
      this.#at = 0;
      return;
    }
    this.#partial = Buffer.allocUnsafe(total);
    leftover.copy(this.#partial);
    this.#partialBytes = rest;
    this.#pending = empty;
    this.#at = 0;
    this.#fill(chunk);
  }

  /** Copies what the partial packet still lacks; the rest of the chunk stays pending, uncopied. */
  #fill(chunk: Buffer): void {
    const partial = this.#partial!;
    const n = Math.min(chunk.length, partial.length - this.#partialBytes);
    chunk.copy(partial, this.#partialBytes, 0, n);
    this.#partialBytes += n;
    if (n < chunk.length) {
      this.#pending = chunk;
      this.#at = n;
    }
  }

  /** Where nextSpan() found the last packet: `buffer[start..end)`, valid until the next call. */
  readonly span: FrameSpan = { buffer: empty, start: 0, end: 0 };

  /** The next whole packet (a view), undefined when more bytes are needed, or an error. */
  next(): Buffer | FrameError | undefined {
    const found = this.nextSpan();
    if (found !== true) return found;
    const { buffer, start, end } = this.span;
    return start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end);
  }

  /** next() without a view per packet (the PUBLISH hot path): true when `span` holds one. */
  nextSpan(): true | FrameError | undefined {
    const partial = this.#partial;
    if (partial) {
      if (this.#partialBytes < partial.length) return undefined;
      this.#partial = undefined;
      this.#partialBytes = 0;
      return this.#found(partial, 0, partial.length, headerBytes(partial, 0));
    }
    const buf = this.#pending;
    const at = this.#at;
    if (buf.length - at < 2) return undefined;
    let remaining = 0;
    let multiplier = 1;
    let i = 1;
    for (;; i++) {
      if (i > 4) return { error: "malformed", message: "the remaining length field is longer than 4 bytes" }; // [MQTT-1.5.5-1]
      if (at + i >= buf.length) return undefined;
      const byte = buf[at + i];
      remaining += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    const total = i + 1 + remaining;
    if (total > this.#packetBytesMax) {
      return { error: "too-large", message: `a ${total}-byte packet is over the limit of ${this.#packetBytesMax} bytes (mqtt.limits.packetBytesMax)` };
    }
    if (buf.length - at < total) return undefined;
    this.#at = at + total;
    if (this.#at === buf.length) {
      this.#pending = empty; // an idle connection holds no socket chunk
      this.#at = 0;
    }
    return this.#found(buf, at, at + total, i + 1);
  }

  #found(buffer: Buffer, start: number, end: number, headerLength: number): true | FrameError {
    if (buffer[start] >> 4 === 3) {
      const problem = publishTopicProblem(buffer, start + headerLength, end);
      if (problem) return { error: "malformed", message: problem };
    }
    const span = this.span;
    span.buffer = buffer;
    span.start = start;
    span.end = end;
    return true;
  }
}

/** A packet inside a buffer the reader holds. */
export interface FrameSpan {
  buffer: Buffer;
  start: number;
  end: number;
}

/** Bytes of the fixed header (type byte + remaining length) of the frame at `start`. */
function headerBytes(frame: Buffer, start: number): number {
  let i = 1;
  while (frame[start + i] & 0x80) i++;
  return i + 1;
}

/** Total bytes of the packet that starts at `head[0]` and continues in `tail`, read from its
 * fixed header across both; undefined while the header is incomplete or malformed. */
function packetBytes(head: Buffer, tail: Buffer): number | undefined {
  const byteAt = (k: number) => (k < head.length ? head[k] : tail[k - head.length]);
  const available = head.length + tail.length;
  let remaining = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4 && i < available; i++) {
    const byte = byteAt(i);
    remaining += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return i + 1 + remaining;
  }
  return undefined;
}

/** `at` is where the topic length starts, `end` where the packet ends. */
function publishTopicProblem(frame: Buffer, at: number, end: number): string | undefined {
  if (end < at + 2) return "the PUBLISH is too short to hold a topic";
  const length = frame.readUInt16BE(at);
  const topicEnd = at + 2 + length;
  if (topicEnd > end) return "the PUBLISH topic length runs past the end of the packet";
  for (let k = at + 2; k < topicEnd; k++) {
    if (frame[k] >= 0x80) {
      try {
        strictUtf8.decode(frame.subarray(at + 2, topicEnd));
      } catch {
        return "the PUBLISH topic is not valid UTF-8"; // [MQTT-1.5.4-1]
      }
      break;
    }
  }
  return undefined;
}

/** The protocol level byte of a CONNECT frame, or undefined when the frame is too short. */
export function connectProtocolLevel(frame: Buffer): number | undefined {
  let at = 1;
  while (at < frame.length && frame[at] & 0x80) at++;
  at++; // past the last remaining-length byte
  if (frame.length < at + 2) return undefined;
  const nameBytes = frame.readUInt16BE(at);
  const levelAt = at + 2 + nameBytes;
  return levelAt < frame.length ? frame[levelAt] : undefined;
}
