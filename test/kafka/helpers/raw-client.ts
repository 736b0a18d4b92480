// A bare Kafka-protocol socket for byte-level tests: send any bytes, read whole response frames,
// see when the broker closes the connection. Every wait is bounded. Requests are built and
// answers read with the reference codec (../reference/codec.ts, from Kafka's own message
// definitions), never with ledge's, so a codec mistake cannot hide on both ends.
import { connect, type Socket } from "node:net";
import { encodeRequest, decodeResponse, isFlexibleVersion } from "../reference/codec.ts";

/** Splits a byte stream into int32-size-prefixed frame payloads. */
class Frames {
  #buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Uint8Array[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Uint8Array[] = [];
    while (this.#buf.length >= 4) {
      const size = this.#buf.readInt32BE(0);
      if (size < 0) throw new Error(`negative frame size ${size} from broker`);
      if (this.#buf.length < 4 + size) break;
      out.push(Uint8Array.prototype.slice.call(this.#buf, 4, 4 + size));
      this.#buf = this.#buf.subarray(4 + size);
    }
    return out;
  }
}

export class RawKafkaClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #frames = new Frames();
  #queue: Uint8Array[] = [];
  #waiters: Array<(f: Uint8Array | null) => void> = [];
  #isClosed = false;
  #correlationId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      for (const payload of this.#frames.push(chunk)) {
        const w = this.#waiters.shift();
        if (w) w(payload);
        else this.#queue.push(payload);
      }
    });
    this.closed = new Promise((resolve) => socket.once("close", () => {
      this.#isClosed = true;
      for (const w of this.#waiters.splice(0)) w(null);
      resolve();
    }));
    socket.on("error", () => {});
  }

  static open(port: number): Promise<RawKafkaClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new RawKafkaClient(s)));
      s.once("error", reject);
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a payload with its int32 size prefix. */
  sendPayload(payload: Uint8Array): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
  }

  /** The next response frame payload, or null if the broker closed the connection first. */
  next(timeoutMs = 5000): Promise<Uint8Array | null> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#isClosed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  /** Encodes a request with the reference codec and returns its bytes (for byte tests). */
  encode(apiKey: number, apiVersion: number, body: unknown, correlationId = this.#correlationId++): Uint8Array {
    return encodeRequest({ apiKey, apiVersion, correlationId, clientId: "raw-test" }, body);
  }

  /** `T = any`: tests read the decoded body's fields directly. */
  async request<T = any>(apiKey: number, apiVersion: number, body: unknown): Promise<{ correlationId: number; body: T }> {
    const correlationId = this.#correlationId++;
    this.sendPayload(encodeRequest({ apiKey, apiVersion, correlationId, clientId: "raw-test" }, body));
    const payload = await this.next();
    if (!payload) throw new Error(`connection closed instead of answering api ${apiKey} v${apiVersion}`);
    const decoded = decodeResponse<T>(apiKey, apiVersion, payload);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded;
  }

  /** Resolves true if the broker closes the connection within the time. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
    const res = await Promise.race([this.closed.then(() => true), t]);
    clearTimeout(timer);
    return res;
  }

  flexible(apiKey: number, version: number): boolean {
    return isFlexibleVersion(apiKey, version);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
