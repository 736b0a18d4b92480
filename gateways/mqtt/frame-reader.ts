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
  readonly #packetBytesMax: number;

  constructor(packetBytesMax: number) {
    this.#packetBytesMax = packetBytesMax;
  }

  get bufferedBytes(): number {
    return this.#pending.length - this.#at;
  }

  push(chunk: Buffer): void {
    const rest = this.#pending.length - this.#at;
    this.#pending = rest === 0 ? chunk : Buffer.concat([this.#pending.subarray(this.#at), chunk], rest + chunk.length);
    this.#at = 0;
  }

  /** The next whole packet (a view), undefined when more bytes are needed, or an error. */
  next(): Buffer | FrameError | undefined {
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
    const frame = buf.subarray(at, at + total);
    this.#at = at + total;
    if (this.#at === buf.length) {
      this.#pending = empty; // an idle connection holds no socket chunk
      this.#at = 0;
    }
    if (frame[0] >> 4 === 3) {
      const problem = publishTopicProblem(frame, i + 1);
      if (problem) return { error: "malformed", message: problem };
    }
    return frame;
  }
}

function publishTopicProblem(frame: Buffer, at: number): string | undefined {
  if (frame.length < at + 2) return "the PUBLISH is too short to hold a topic";
  const length = frame.readUInt16BE(at);
  const end = at + 2 + length;
  if (end > frame.length) return "the PUBLISH topic length runs past the end of the packet";
  for (let k = at + 2; k < end; k++) {
    if (frame[k] >= 0x80) {
      try {
        strictUtf8.decode(frame.subarray(at + 2, end));
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
