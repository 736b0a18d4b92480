// One client connection over any Duplex (TCP, TLS, WebSocket stream). Owns the stream: reads by
// pulling (the next packet is parsed only after the previous packet's handler is done), frames
// packets under the size limit, writes packets, and keeps the keep-alive and connect timers.
import type { Duplex } from "node:stream";
import type { Packet } from "mqtt-packet";
import type { Identity } from "./auth.ts";
import type { Broker } from "./broker.ts";
import { parseFrame, type ParserSettings } from "./frame-parser.ts";
import { connectProtocolLevel, FrameReader } from "./frame-reader.ts";
import { parsePlainPublish, type TopicMemo } from "./publish-fast-path.ts";
import { dispatch } from "./handlers/index.ts";
import { encodePacket } from "./packet-writer.ts";
import { handlePlainPublish } from "./handlers/publish.ts";
import { Reason } from "./reason-codes.ts";
import type { PubackGroup } from "./puback-groups.ts";
import type { Session } from "./session.ts";
import type { Will } from "./wills.ts";

export interface ConnectionOptions {
  /** The verified TLS client certificate, when the transport has one. */
  tlsPeerCertificate?: { subject?: { CN?: string | string[] } } | null;
  /** For operators' log lines: "tcp 10.0.0.5:51234", "ws 10.0.0.7". */
  remote?: string;
}

/** Below this many bytes per turn, queued packets are joined into one buffer before writing. */
const outboxConcatBytesMax = 64 * 1024;

export type ConnectionState = "awaiting-connect" | "connecting" | "connected" | "closed";

export class MqttConnection implements TopicMemo {
  readonly stream: Duplex;
  readonly broker: Broker;
  readonly options: ConnectionOptions;
  state: ConnectionState = "awaiting-connect";
  protocolVersion: 3 | 4 | 5 = 4;
  clientId = "";
  identity: Identity | undefined;
  session: Session | undefined;
  /** What the client accepts from us (MQTT 5 CONNECT properties). */
  clientReceiveMax = 65_535;
  clientPacketBytesMax = 268_435_455;
  clientTopicAliasMax = 0;
  /** MQTT 5 Request Problem Information: false = no reason strings outside CONNACK/DISCONNECT. */
  problemInformation = true;
  #topicAliasesIn: Map<number, string> | undefined;
  #topicAliasesOut: Map<string, number> | undefined;
  /** QoS 1/2 PUBLISHes received whose PUBACK/PUBREC is not yet sent (our receive maximum). */
  inboundInflight = 0;
  /** QoS 1 PUBACKs still able to take more ids (puback-groups.ts); the chain's last link. */
  openPubackGroup: PubackGroup | undefined;
  #ackChain: Promise<void> = Promise.resolve();
  will: Will | undefined;
  /** Set by a clean DISCONNECT (0x00): no will is published [MQTT-3.14.4-3]. */
  willCleared = false;
  /** The last PUBLISH topic that passed the name and ACL checks (both depend on it alone:
   * the identity is fixed at CONNECT). */
  lastAllowedTopic: string | undefined;
  /** The topic of the last plain PUBLISH, as bytes and text: the next one reuses the string. */
  lastTopicBytes: Buffer | undefined;
  lastTopicText = "";
  rateTokens = 0;
  rateRefilledAtMs = 0;

  readonly #reader: FrameReader;
  /** What the shared frame parser needs to know of this connection (set by its CONNECT). */
  #parserSettings: ParserSettings = {};
  #busy = false;
  #outbox: Buffer[] = [];
  #outboxBytes = 0;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(stream: Duplex, broker: Broker, options: ConnectionOptions) {
    this.stream = stream;
    this.broker = broker;
    this.options = options;
    this.#reader = new FrameReader(broker.config.limits.packetBytesMax);
    this.rateTokens = broker.config.limits.publishCountPerSecondMax;
    this.rateRefilledAtMs = Date.now();
    stream.on("readable", () => void this.#pump());
    stream.on("error", () => this.destroy());
    stream.on("close", () => this.#closed());
    stream.on("end", () => this.destroy());
    stream.on("drain", () => this.session?.pump());
    // [MQTT-3.1.4-1]-adjacent: a socket that never sends CONNECT is not kept forever.
    this.#connectTimer = setTimeout(() => {
      if (this.state === "awaiting-connect") this.destroy("no CONNECT within mqtt.limits.connectTimeoutMs");
    }, broker.config.limits.connectTimeoutMs);
  }

  /** PUBACK/PUBREC/PUBCOMP go out in PUBLISH order [MQTT-4.6.0-2]: each waits for the one before. */
  get ackChain(): Promise<void> {
    return this.#ackChain;
  }

  /** A new last link: the open PUBACK group may no longer grow, or acks would pass that link. */
  set ackChain(link: Promise<void>) {
    this.#ackChain = link;
    this.openPubackGroup = undefined;
  }

  /** MQTT 5 topic aliases, made on first use: most clients never use them, and two empty Maps
   * are ~340 B per connection. */
  get topicAliasesIn(): Map<number, string> {
    return (this.#topicAliasesIn ??= new Map());
  }

  get topicAliasesOut(): Map<string, number> {
    return (this.#topicAliasesOut ??= new Map());
  }

  /** Re-read after an await: the peer may have gone meanwhile. */
  get closed(): boolean {
    return this.state === "closed";
  }

  get remote(): string {
    return this.options.remote ?? "unknown peer";
  }

  /** A name for log lines: the client id once known, else the peer. */
  get who(): string {
    return this.clientId ? `client '${this.clientId}' (${this.remote})` : this.remote;
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.state !== "closed") {
        const found = this.#reader.nextSpan();
        if (found === undefined) {
          const chunk = this.stream.read() as Buffer | null;
          if (chunk === null) break;
          this.#reader.push(chunk);
          continue;
        }
        if (found !== true) {
          this.protocolFailure(found.error === "too-large" ? Reason.packetTooLarge : Reason.malformedPacket, found.message);
          break;
        }
        const span = this.#reader.span;
        let pending: Promise<void> | void;
        if (span.buffer[span.start] >> 4 === 3 && this.state === "connected") {
          const plain = parsePlainPublish(span, this.protocolVersion, this);
          if (plain && "error" in plain) {
            this.protocolFailure(Reason.malformedPacket, plain.message);
            break;
          }
          if (plain) {
            this.#touch();
            pending = handlePlainPublish(this, plain);
            if (pending) await pending;
            continue;
          }
        }
        const frame = span.start === 0 && span.end === span.buffer.length ? span.buffer : span.buffer.subarray(span.start, span.end);
        if (this.state === "awaiting-connect" && frame[0] >> 4 === 1 && !this.#knownLevel(frame)) break;
        const packet = this.#parse(frame);
        if (!packet) break;
        this.#touch();
        pending = dispatch(this, packet);
        if (pending) await pending;
      }
    } catch (err) {
      this.broker.logger.error(`mqtt handler failed for ${this.who}: ${(err as Error).stack ?? String(err)}; the connection is closed (a ledge bug: please report it)`);
      this.disconnect(Reason.implementationSpecificError, "internal error");
    } finally {
      this.#busy = false;
    }
  }

  /** [MQTT-3.1.2-2]: an unsupported protocol level gets CONNACK 0x01 (3.1.1 form), then close. */
  #knownLevel(frame: Buffer): boolean {
    const level = connectProtocolLevel(frame);
    if (level === undefined) return true; // too short: the parser reports it as malformed
    const base = level & 0x7f; // 0x80 = the bridge bit Mosquitto bridges set
    if (base === 3 || base === 4 || base === 5) return true;
    this.broker.metrics.connectionsRefused.inc();
    this.broker.logger.warn(`refused CONNECT from ${this.who}: protocol level ${level} is not 3, 4 or 5`);
    this.send({ cmd: "connack", sessionPresent: false, returnCode: 1 }); // 3.1.1's form: the level is unknown
    this.disconnect(Reason.unsupportedProtocolVersion);
    return false;
  }

  #parse(frame: Buffer): Packet | undefined {
    const result = parseFrame(frame, this.#parserSettings);
    if ("error" in result) {
      this.protocolFailure(Reason.malformedPacket, result.error);
      return undefined;
    }
    this.#parserSettings = result.settings;
    return result.packet;
  }

  /** A malformed or forbidden packet: counted, logged, and the connection closed. */
  protocolFailure(reason: number, message: string): void {
    this.broker.metrics.protocolErrors.inc();
    this.broker.logger.warn(`closing ${this.who}: ${message} (reason 0x${reason.toString(16)}); fix the client, other clients are unaffected`);
    this.disconnect(reason, message);
  }

  startKeepAlive(seconds: number): void {
    clearTimeout(this.#connectTimer); // connected: an idle client holds no timer it no longer needs
    this.#connectTimer = undefined;
    if (seconds === 0) return; // [MQTT-3.1.2-22]: 0 turns the mechanism off
    this.#keepAliveTimer = setTimeout(() => {
      this.broker.metrics.keepAliveTimeouts.inc();
      this.disconnect(Reason.keepAliveTimeout, `nothing received for 1.5 × ${seconds} s`); // [MQTT-3.1.2-24]
    }, seconds * 1500);
  }

  #touch(): void {
    this.#keepAliveTimer?.refresh();
  }

  /** Writes a packet; several writes in one turn go out in one syscall. */
  send(packet: Packet): void {
    this.sendBytes(encodePacket(packet, this));
  }

  /** Writes an already encoded packet (the ack fast path). */
  sendBytes(bytes: Buffer): void {
    if (this.state === "closed" || this.stream.destroyed) return;
    this.#outbox.push(bytes);
    this.#outboxBytes += bytes.length;
    if (this.#outbox.length === 1) process.nextTick(this.#flushOutbox);
  }

  /** One write per turn: acks for a whole batch leave as one buffer, not dozens of tiny ones. */
  readonly #flushOutbox = (): void => {
    const parts = this.#outbox;
    const bytes = this.#outboxBytes;
    this.#outbox = [];
    this.#outboxBytes = 0;
    if (this.stream.destroyed || parts.length === 0) return;
    if (parts.length === 1) this.stream.write(parts[0]);
    else if (bytes <= outboxConcatBytesMax) this.stream.write(Buffer.concat(parts, bytes));
    else {
      this.stream.cork();
      for (const part of parts) this.stream.write(part);
      this.stream.uncork();
    }
  };

  /** Room to write more deliveries without growing the socket buffer past the bound. */
  get writable(): boolean {
    return this.state === "connected" && this.stream.writableLength + this.#outboxBytes < this.broker.config.limits.writeBufferBytesMax;
  }

  /** MQTT 5: DISCONNECT with a reason code and string, then close; 3.1.1: just close. */
  disconnect(reason: number, reasonString?: string): void {
    if (this.state === "closed") return;
    if (this.protocolVersion === 5 && this.state === "connected") {
      this.send({ cmd: "disconnect", reasonCode: reason, properties: reasonString ? { reasonString } : undefined });
    }
    this.#endSoon();
  }

  /** Ends the stream after pending writes, and destroys it if the peer does not close. */
  #endSoon(): void {
    if (this.state !== "closed") this.#closedState();
    this.#flushOutbox(); // the last packets (CONNACK, DISCONNECT) go before the FIN
    this.stream.end();
    setTimeout(() => this.stream.destroy(), 1000).unref();
  }

  destroy(why?: string): void {
    if (why) this.broker.logger.warn(`closing ${this.who}: ${why}`);
    this.stream.destroy();
    this.#closed();
  }

  #closedState(): void {
    const was = this.state;
    this.state = "closed";
    clearTimeout(this.#keepAliveTimer);
    clearTimeout(this.#connectTimer);
    this.broker.connectionClosed(this, was === "connected" || was === "connecting");
  }

  #closed(): void {
    if (this.state !== "closed") this.#closedState();
  }
}
