// A bare Kafka-protocol socket for byte-level tests: send any bytes, read whole response frames,
// see when the broker closes the connection. Every wait is bounded.
import { connect, type Socket } from "node:net";
import { FrameReader } from "../../../runtime/kafka/protocol/frame.ts";
import { encodeRequest, decodeResponse, framed } from "../../../runtime/kafka/protocol/message.ts";
import { isFlexible } from "../../../runtime/kafka/apis/index.ts";

export class RawKafkaClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #frames = new FrameReader(256 * 1024 * 1024);
  #queue: Uint8Array[] = [];
  #waiters: Array<(f: Uint8Array | null) => void> = [];
  #isClosed = false;
  #correlationId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      for (const e of this.#frames.push(chunk)) {
        if (e.kind !== "frame") throw new Error("bad frame size from broker");
        const w = this.#waiters.shift();
        if (w) w(e.payload);
        else this.#queue.push(e.payload);
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

  /** Encodes a request with ledge's codec and returns the raw request bytes (for byte tests). */
  encode(apiKey: number, apiVersion: number, body: unknown, correlationId = this.#correlationId++): Uint8Array {
    return encodeRequest({ apiKey, apiVersion, correlationId, clientId: "raw-test" }, body).toBytes();
  }

  /** `T = any`: tests read the decoded body's fields directly. */
  async request<T = any>(apiKey: number, apiVersion: number, body: unknown): Promise<{ correlationId: number; body: T }> {
    const correlationId = this.#correlationId++;
    for (const c of framed(encodeRequest({ apiKey, apiVersion, correlationId, clientId: "raw-test" }, body))) this.socket.write(c);
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
    return isFlexible(apiKey, version);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
