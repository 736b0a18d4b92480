// One client connection: frames in, responses out, strictly in request order.
// Requests are dispatched as they arrive (pipelining: a producer's next batch starts its
// append while the previous one waits for its commit), and responses are written in order.
// Reading pauses while `inflightCountMax` requests are open or the socket is backed up, so a
// fast sender cannot grow our memory. Before SASL completes, requests run one at a time.
import type { Socket } from "node:net";
import { FrameReader } from "../../runtime/kafka/protocol/frame.ts";
import { framed } from "../../runtime/kafka/protocol/request-response.ts";
import type { ConnectionState, GatewayParts } from "./context.ts";
import { dispatch, type Outcome } from "./handlers/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { Counter, Gauge } from "../../runtime/metrics/index.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { saslStep, SaslFailure } from "./sasl/authenticator.ts";

export interface ConnectionOptions {
  maxRequestBytes: number;
  inflightCountMax: number;
  connectionIdleMsMax: number;
  handshakeMsMax: number;
  requestReadMsMax: number;
}

const produceApiKey = 0;
const isProduce = (payload: Uint8Array) => payload.length >= 2 && ((payload[0] << 8) | payload[1]) === produceApiKey;

export class KafkaConnection {
  readonly state: ConnectionState;
  readonly #socket: Socket;
  readonly #parts: GatewayParts;
  readonly #logger: Logger;
  readonly #frames: FrameReader;
  readonly #inflightCountMax: number;
  readonly #abort = new AbortController();
  #tail: Promise<void> = Promise.resolve();
  #inflightCount = 0;
  readonly #inflightGauge: Gauge;
  readonly #badRequests: Counter;
  #writeBlocked = false;
  #corked = false;
  #closed = false;
  /** Until the first request (with SASL: until authenticated): then the connection may stay. */
  #handshakeTimer: NodeJS.Timeout | undefined;
  /** Armed while a frame is partly read: it must complete in time (a trickling sender). */
  #frameTimer: NodeJS.Timeout | undefined;
  readonly #requestReadMsMax: number;

  constructor(socket: Socket, id: number, parts: GatewayParts, options: ConnectionOptions) {
    this.#socket = socket;
    this.#parts = parts;
    this.#logger = parts.logger;
    const pool = parts.frameBuffers;
    this.#frames = new FrameReader(options.maxRequestBytes, pool ? (n) => pool.take(n) : undefined);
    this.#inflightCountMax = options.inflightCountMax;
    this.#inflightGauge = parts.metrics.gauge("ledge_kafka_requests_inflight", "Kafka requests read and not yet answered, all connections");
    this.#badRequests = parts.metrics.counter("ledge_kafka_connections_closed_bad_input_total", "Kafka connections closed for a malformed, unknown or unauthorised request");
    this.state = {
      id, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      authenticated: parts.listener.sasl === undefined, saslMechanism: null, saslExchange: null,
      rawSaslTokens: false, principal: null,
    };
    socket.setNoDelay(true);
    this.#requestReadMsMax = options.requestReadMsMax;
    this.#handshakeTimer = setTimeout(() => {
      const what = parts.listener.sasl === undefined ? "send a complete request" : "complete SASL authentication";
      this.close(`did not ${what} within ${options.handshakeMsMax} ms of connecting (listeners.kafka.handshakeMsMax)`);
    }, options.handshakeMsMax);
    // No bytes either way for this long: a dead or forgotten client (long polls are shorter).
    socket.setTimeout(options.connectionIdleMsMax, () => {
      if (this.#inflightCount === 0) this.close(`idle for ${options.connectionIdleMsMax} ms (listeners.kafka.connectionIdleMsMax)`);
    });
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", () => this.#shutdown());
    socket.on("close", () => this.#shutdown());
    socket.on("drain", () => {
      this.#writeBlocked = false;
      this.#takeFrames();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#logger.warn(`closing Kafka connection from ${this.state.remoteAddress}: ${reason}`);
    this.#socket.destroy();
    this.#shutdown();
  }

  #shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#frameTimer);
    this.#abort.abort();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#frames.append(chunk);
    this.#takeFrames();
  }

  /** Starts requests from buffered frames while fewer than inflightCountMax are open. */
  #takeFrames(): void {
    while (!this.#closed && !this.#writeBlocked && this.#inflightCount < this.#inflightCountMax) {
      const event = this.#frames.next();
      if (event === null) {
        this.#armFrameTimer(this.#frames.bufferedBytes > 0);
        break;
      }
      if (event.kind === "bad-size") {
        this.#badRequests.inc();
        this.close(`request size ${event.size} is negative or above listeners.kafka.maxRequestBytes (${this.#frames.maxFrameBytes}); ` +
          "the client is not speaking the Kafka protocol or must send smaller requests");
        return;
      }
      this.#armFrameTimer(false);
      if (this.#handshakeTimer && this.state.authenticated) this.#handshakeDone();
      this.#enqueue(event.payload);
    }
    this.#updateFlow();
  }

  #handshakeDone(): void {
    clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = undefined;
  }

  /** Runs the read deadline while a frame is partly read; stops it once none is. */
  #armFrameTimer(partial: boolean): void {
    if (!partial) {
      clearTimeout(this.#frameTimer);
      this.#frameTimer = undefined;
      return;
    }
    this.#frameTimer ??= setTimeout(() => {
      this.#badRequests.inc();
      this.close(`a request did not arrive whole within ${this.#requestReadMsMax} ms of its first byte (listeners.kafka.requestReadMsMax; ${this.#frames.bufferedBytes} bytes of it were read)`);
    }, this.#requestReadMsMax);
  }

  #enqueue(payload: Uint8Array): void {
    this.#inflightCount++;
    this.#inflightGauge.set(this.#inflightGauge.value + 1);
    this.#parts.requestCounts?.read();
    // Before authentication a request may change what the next one is allowed to do.
    const serial = !this.state.authenticated;
    const recyclable = !serial && !this.state.rawSaslTokens && isProduce(payload);
    const previous = this.#tail;
    const outcome = serial
      ? previous.then(() => this.#run(payload))
      : this.#run(payload);
    this.#tail = previous.then(() => outcome).then((o) => {
      this.#finishSafely(o);
      // A Produce handler is done with its frame once it has an outcome: the log committed it.
      if (recyclable) this.#parts.frameBuffers?.give(payload);
    });
  }

  async #run(payload: Uint8Array): Promise<Outcome> {
    if (this.#closed) return { kind: "silent" };
    if (this.state.rawSaslTokens && !this.state.authenticated) return this.#rawSaslToken(payload);
    try {
      return await dispatch(payload, this.state, this.#parts, this.#abort.signal);
    } catch (err) {
      // A handler threw something it did not map to a Kafka error code: a ledge bug.
      this.#logger.error(`Kafka request from ${this.state.remoteAddress} failed unexpectedly (a ledge bug; please report it): ${(err as Error).stack ?? err}`);
      return { kind: "close", reason: "internal error while handling a request" };
    }
  }

  /** After SaslHandshake v0 a frame is a bare SASL token, answered by a bare token. */
  async #rawSaslToken(token: Uint8Array): Promise<Outcome> {
    try {
      const step = await saslStep(this.#parts.sasl!, this.state, token);
      if (step.done) {
        this.state.authenticated = true;
        this.#logger.info(`Kafka client ${this.state.remoteAddress} authenticated as ${this.state.principal} with ${this.state.saslMechanism}`);
      }
      return { kind: "respond", apiKey: -1, response: new Writer().raw(step.response) };
    } catch (err) {
      if (!(err instanceof SaslFailure)) throw err;
      return { kind: "close", reason: `SASL ${this.state.saslMechanism} authentication failed: ${err.message}; check the client's user and password` };
    }
  }

  /** The response chain must never reject, or later responses would never be sent. */
  #finishSafely(outcome: Outcome): void {
    try {
      this.#finish(outcome);
    } catch (err) {
      this.#logger.error(`writing a Kafka response to ${this.state.remoteAddress} failed (a ledge bug; please report it): ${(err as Error).stack ?? err}`);
      this.close("internal error while answering a request");
    }
  }

  #finish(outcome: Outcome): void {
    this.#inflightCount--;
    this.#inflightGauge.set(this.#inflightGauge.value - 1);
    if (this.#closed) {
      if (outcome.kind === "respond") outcome.release?.();
      return;
    }
    if (outcome.kind === "close") {
      this.#badRequests.inc();
      return this.close(outcome.reason);
    }
    if (this.#handshakeTimer && this.state.authenticated) this.#handshakeDone();
    if (outcome.kind === "respond") {
      this.#write(framed(outcome.response), outcome.release);
      if (outcome.thenClose) {
        this.#logger.warn(`closing Kafka connection from ${this.state.remoteAddress} after answering: ${outcome.thenClose}`);
        this.#socket.end();
        this.#shutdown();
        return;
      }
    }
    this.#takeFrames();
  }

  /** Responses finished in the same tick leave in one vectored write: a group commit answers
   * several pipelined Produce requests at once, and one writev costs about what one small
   * response's does (each is a syscall into the peer's TCP receive path on loopback). */
  #write(chunks: Uint8Array[], written?: () => void): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    let ok = true;
    // The socket calls back once the last chunk left (or failed to): only then may a pooled
    // buffer behind the chunks be reused.
    for (let i = 0; i < chunks.length; i++) ok = this.#socket.write(chunks[i], i === chunks.length - 1 ? written : undefined);
    if (!ok) this.#writeBlocked = true;
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  #updateFlow(): void {
    if (this.#closed) return;
    if (this.#writeBlocked || this.#inflightCount >= this.#inflightCountMax) this.#socket.pause();
    else this.#socket.resume();
  }
}
