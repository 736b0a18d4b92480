// One client connection over any Duplex (TCP, TLS, WebSocket stream): the transport under a
// ClientContext. Owns the stream: reads by pulling (the next packet is dispatched only after
// the previous packet's handler is done), frames packets under the size limit, writes what the
// handlers send (one write per turn), and runs the connect and keep-alive timers. What a
// packet means is the handlers' business (handlers/index.ts dispatches every packet).
import type { Duplex } from "node:stream";
import { FrameReader } from "./frame-reader.ts";
import { ClientContext, type BrokerServices, type ClientLink, type ClientOptions } from "./handlers/context.ts";
import { dispatch } from "./handlers/index.ts";
import { Reason } from "./reason-codes.ts";

/** Queued packets are joined into buffers of about this many bytes before writing: a turn of
 * deliveries is thousands of small PUBLISHes, and each write costs the stream a request (and
 * writev an iovec) of its own. */
const outboxConcatBytesMax = 64 * 1024;

/** Packets encoded in place (room) go into buffers of the outbox's own: the first of a turn
 * this big, each next one twice the last up to outboxConcatBytesMax (a turn of one delivery
 * holds little; a turn of thousands, few buffers). */
const outboxBufferBytesMin = 4096;
const noBytes = Buffer.alloc(0);

/** How long an ended stream may wait for the peer's close before it is destroyed. */
const endGraceMs = 1000;

export class MqttConnection implements ClientLink {
  /** The client as handlers see it. */
  readonly client: ClientContext;
  readonly #stream: Duplex;
  readonly #reader: FrameReader;
  #busy = false;
  #outbox: Buffer[] = [];
  #outboxBytes = 0;
  /** The buffer packets are encoded into (room): bytes from #outboxStart to #outboxEnd are
   * queued but not yet in #outbox. Dropped at each flush. */
  #buffer = noBytes;
  #outboxStart = 0;
  #outboxEnd = 0;
  #flushScheduled = false;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(stream: Duplex, broker: BrokerServices, options: ClientOptions) {
    this.#stream = stream;
    this.client = new ClientContext(this, broker, options);
    this.#reader = new FrameReader(broker.limits.packetBytesMax);
    stream.on("readable", () => void this.#pump());
    stream.on("error", () => this.client.close());
    stream.on("close", () => this.#closed());
    stream.on("end", () => this.client.close());
    stream.on("drain", this.#roomFreed);
    // [MQTT-3.1.4-1]-adjacent: a socket that never sends CONNECT is not kept forever.
    this.#connectTimer = setTimeout(() => {
      if (this.client.state === "awaiting-connect") this.client.close("no CONNECT within mqtt.limits.connectTimeoutMs");
    }, broker.limits.connectTimeoutMs);
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const client = this.client;
    try {
      while (!client.closed) {
        const found = this.#reader.nextSpan();
        if (found === undefined) {
          const chunk = this.#stream.read() as Buffer | null;
          if (chunk === null) break;
          this.#reader.push(chunk);
          continue;
        }
        if (found !== true) {
          client.protocolFailure(found.error === "too-large" ? Reason.packetTooLarge : Reason.malformedPacket, found.message);
          break;
        }
        this.#keepAliveTimer?.refresh();
        const pending = dispatch(client, this.#reader.span);
        if (pending) await pending;
      }
    } catch (err) {
      client.logger.error(`mqtt handler failed for ${client.who}: ${(err as Error).stack ?? String(err)}; the connection is closed (a ledge bug: please report it)`);
      client.disconnect(Reason.implementationSpecificError, "internal error");
    } finally {
      this.#busy = false;
    }
  }

  startKeepAlive(seconds: number): void {
    clearTimeout(this.#connectTimer); // connected: an idle client holds no timer it no longer needs
    this.#connectTimer = undefined;
    if (seconds === 0) return; // [MQTT-3.1.2-22]: 0 turns the mechanism off
    this.#keepAliveTimer = setTimeout(() => {
      this.client.metrics.keepAliveTimeouts.inc();
      this.client.disconnect(Reason.keepAliveTimeout, `nothing received for 1.5 × ${seconds} s`); // [MQTT-3.1.2-24]
    }, seconds * 1500);
  }

  write(bytes: Buffer): void {
    if (this.#stream.destroyed) return;
    this.#seal();
    this.#outbox.push(bytes);
    this.#outboxBytes += bytes.length;
    this.#scheduleFlush();
  }

  room(bytes: number): number {
    if (this.#outboxEnd + bytes > this.#buffer.length) {
      const next = Math.min(outboxConcatBytesMax, Math.max(outboxBufferBytesMin, 2 * this.#buffer.length));
      // A turn of thousands of deliveries streams out in buffers of this size while the rest are
      // encoded, instead of waiting for the turn's end (up to writeBufferBytesMax) before the
      // client gets its first byte.
      if (this.#outboxBytes >= outboxConcatBytesMax) this.#writeOutbox();
      this.#seal();
      const size = Math.max(bytes, next);
      this.#buffer = Buffer.allocUnsafe(size);
      this.#outboxStart = this.#outboxEnd = 0;
    }
    const at = this.#outboxEnd;
    this.#outboxEnd += bytes;
    this.#outboxBytes += bytes;
    this.#scheduleFlush();
    return at;
  }

  get outbox(): Buffer {
    return this.#buffer;
  }

  /** What was encoded in place joins the outbox (in order with what is written next). */
  #seal(): void {
    if (this.#outboxEnd === this.#outboxStart) return;
    this.#outbox.push(this.#buffer.subarray(this.#outboxStart, this.#outboxEnd));
    this.#outboxStart = this.#outboxEnd;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(this.#flushOutbox);
  }

  get bufferedBytes(): number {
    return this.#stream.writableLength + this.#outboxBytes;
  }

  /** One write per turn: acks for a whole batch leave as one buffer, not dozens of tiny ones. */
  readonly #flushOutbox = (): void => {
    this.#flushScheduled = false;
    if (!this.#writeOutbox()) return;
    // The outbox alone may have held deliveries back (writeBufferBytesMax); when the stream
    // took it all below its high-water mark, no 'drain' follows to resume them.
    if (!this.#stream.writableNeedDrain) this.#roomFreed();
  };

  /** Hands everything queued to the stream; false when the stream is gone or nothing was queued. */
  #writeOutbox(): boolean {
    this.#seal();
    this.#buffer = noBytes;
    this.#outboxStart = this.#outboxEnd = 0;
    const parts = this.#outbox;
    this.#outbox = [];
    this.#outboxBytes = 0;
    const stream = this.#stream;
    if (stream.destroyed || parts.length === 0) return false;
    if (parts.length === 1) {
      stream.write(parts[0]);
      return true;
    }
    // Buffers packets were encoded into (room) go out as they are, in one writev; runs of small
    // parts (acks, packets written whole) are joined first, so each costs no iovec of its own.
    stream.cork();
    let from = 0;
    let runBytes = 0;
    for (let i = 0; i <= parts.length; i++) {
      const part = parts[i] as Buffer | undefined;
      if (part !== undefined && part.length < outboxBufferBytesMin && runBytes + part.length <= outboxConcatBytesMax) {
        runBytes += part.length;
        continue;
      }
      if (i - from === 1) stream.write(parts[from]);
      else if (i > from) stream.write(Buffer.concat(parts.slice(from, i), runBytes));
      if (part === undefined) break;
      const large = part.length >= outboxBufferBytesMin;
      if (large) stream.write(part);
      from = large ? i + 1 : i;
      runBytes = large ? 0 : part.length;
    }
    stream.uncork();
    return true;
  }

  /** Room to write again: the session's queued deliveries go on. */
  readonly #roomFreed = (): void => this.client.session?.pump();

  end(): void {
    this.#stopTimers();
    this.#flushOutbox();
    this.#stream.end();
    setTimeout(() => this.#stream.destroy(), endGraceMs).unref();
  }

  destroy(): void {
    this.#stopTimers();
    this.#stream.destroy();
  }

  #stopTimers(): void {
    clearTimeout(this.#keepAliveTimer);
    clearTimeout(this.#connectTimer);
  }

  #closed(): void {
    this.#stopTimers();
    this.client.linkClosed();
  }
}
