// What a packet handler may read and change, named (aedes's `(client, packet, done)`): one
// client's MQTT state (ClientContext), the few things it may ask of its connection (ClientLink:
// bytes out, the end, the keep-alive timer) and the broker services it may call
// (BrokerServices). Handlers import this, never broker.ts or connection.ts: the connection keeps
// its socket, framing, outbox and timers to itself, and the broker its maps and stores.
import type { Packet, QoS } from "mqtt-packet";
import type { Logger } from "../../../runtime/logger.ts";
import type { Identity, MqttAuthConfig } from "../auth.ts";
import type { MqttLimits } from "../config.ts";
import type { ParserSettings } from "../frame-parser.ts";
import type { IngestOutcome } from "../ingest.ts";
import type { BrokerMessage } from "../message.ts";
import type { MqttMetrics } from "../metrics.ts";
import { encodePacket, plainPublishBytes, publishBytes, writePlainPublish, writePublishFromBytes, type PacketReceiver } from "../packet-writer.ts";
import type { PubackClient, PubackGroup } from "../puback-groups.ts";
import type { TopicMemo } from "../publish-fast-path.ts";
import type { Outgoing, Session, SessionConnection } from "../session.ts";
import type { SubscriptionOptions } from "../subscription-trie.ts";
import type { Will, WillOwner } from "../wills.ts";

export type ConnectionState = "awaiting-connect" | "connecting" | "connected" | "closed";

/** What the connection (connection.ts) does for its client. */
export interface ClientLink {
  /** Queues encoded packets; the writes of one turn leave in one syscall. */
  write(bytes: Buffer): void;
  /** Queues `bytes` bytes the caller writes into `outbox` at the returned position (before it
   * queues anything else): packets encoded in place, one after another. */
  room(bytes: number): number;
  /** The buffer `room` gave a position in. */
  readonly outbox: Buffer;
  /** Bytes written and not yet handed to the OS (queued plus the stream's buffer). */
  readonly bufferedBytes: number;
  /** Sends what is queued, ends the stream, and destroys it if the peer does not close. */
  end(): void;
  /** Destroys the stream now. */
  destroy(): void;
  /** CONNECT accepted: the connect timer stops, keep-alive (0 = off) starts. */
  startKeepAlive(seconds: number): void;
}

/** What handlers may ask of the broker (broker.ts implements it). */
export interface BrokerServices {
  readonly limits: MqttLimits;
  readonly auth: MqttAuthConfig;
  readonly metrics: MqttMetrics;
  /** Throttled: a flood of one kind of line cannot drown the others. */
  readonly logger: Logger;
  /** True once close() began: publishes are refused from then on. */
  readonly closing: boolean;
  readonly overConnectionLimit: boolean;
  /** The log's disk failed (fail-stop): ledge is about to exit and refuses CONNECTs. */
  readonly storageFailure: Error | null;

  readonly sessionCount: number;
  session(clientId: string): Session | undefined;
  newSession(clientId: string, expiryS: number): Session;
  /** Ends a session for good: subscriptions, queue and stored state go. */
  discardSession(session: Session): Promise<void>;
  /** Stores a persistent session (subscriptions, QoS 2 ids) as it is now. */
  saveSession(session: Session): Promise<void>;
  /** Stores, now, that the client holds QoS 2 delivery `item` (PUBREC): with its persistent
   * session's cursors, or its persistent share group's. */
  storeCursors(session: Session, item?: Outgoing): Promise<void>;
  addSubscription(session: Session, filter: string, options: SubscriptionOptions): boolean;
  removeSubscription(session: Session, filter: string): boolean;
  retainedMatching(filter: string, nowMs: number): BrokerMessage[];

  /** Routes, checks and appends a message (retained too when flagged); refused while closing. */
  publish(message: BrokerMessage): IngestOutcome;
  /** publish() of a plain PUBLISH straight from the frame's bytes (the hot path). */
  publishPlain(topic: string, source: Buffer, start: number, end: number, qos: 0 | 1 | 2, clientId: string): IngestOutcome;
  /** Undefined while ingest has room; else resolves once it has (reading waits for it). */
  whenRoom(): Promise<void> | undefined;

  /** Stores the client's will (before its CONNACK). */
  storeWill(client: WillOwner): Promise<void>;
  /** A new connection for `clientId`: its previous connection's pending will is dropped. */
  cancelWill(clientId: string): void;
  /** Keeps a fire-and-forget store write so shutdown can wait for it. */
  track(write: Promise<unknown>): void;
  /** The client's connection ended; `wasConnected` when it had sent CONNECT. */
  connectionClosed(client: ClientContext, wasConnected: boolean): void;
}

export interface ClientOptions {
  /** The verified TLS client certificate, when the transport has one. */
  tlsPeerCertificate?: { subject?: { CN?: string | string[] } } | null;
  /** For operators' log lines: "tcp 10.0.0.5:51234", "ws 10.0.0.7". */
  remote?: string;
  /** The peer's IP address (who may connect anonymously: auth.ts). */
  remoteIp?: string;
}

/** One client as its handlers see it. The fields are the handlers' to read and change. */
export class ClientContext implements PacketReceiver, TopicMemo, SessionConnection, WillOwner, PubackClient {
  readonly broker: BrokerServices;
  /** The broker's, at hand: read on every PUBLISH. */
  readonly limits: MqttLimits;
  readonly metrics: MqttMetrics;
  readonly logger: Logger;
  readonly options: ClientOptions;
  readonly #link: ClientLink;
  state: ConnectionState = "awaiting-connect";

  // Set by CONNECT.
  protocolVersion: 3 | 4 | 5 = 4;
  /** What mqtt-packet's parser needs to know of this client (set by its CONNECT). */
  parserSettings: ParserSettings = {};
  clientId = "";
  identity: Identity | undefined;
  session: Session | undefined;
  /** What the client accepts from us (MQTT 5 CONNECT properties). */
  clientReceiveMax = 65_535;
  clientPacketBytesMax = 268_435_455;
  clientTopicAliasMax = 0;
  /** MQTT 5 Request Problem Information: false = no reason strings outside CONNACK/DISCONNECT. */
  problemInformation = true;
  will: Will | undefined;
  /** Set by a clean DISCONNECT (0x00): no will is published [MQTT-3.14.4-3]. */
  willCleared = false;
  #topicAliasesIn: Map<number, string> | undefined;
  #topicAliasesOut: Map<string, number> | undefined;

  // PUBLISHes from the client.
  /** QoS 1/2 PUBLISHes received whose PUBACK/PUBREC is not yet sent (our receive maximum). */
  inboundInflight = 0;
  /** QoS 1 PUBACKs still able to take more ids (puback-groups.ts); the chain's last link. */
  openPubackGroup: PubackGroup | undefined;
  #ackChain: Promise<void> = Promise.resolve();
  /** The last PUBLISH topic that passed the name and ACL checks (both depend on it alone:
   * the identity is fixed at CONNECT). */
  lastAllowedTopic: string | undefined;
  /** The topic of the last plain PUBLISH, as bytes and text: the next one reuses the string. */
  lastTopicBytes: Buffer | undefined;
  lastTopicText = "";
  /** Token bucket: mqtt.limits.publishCountPerSecondMax. */
  rateTokens: number;
  rateRefilledAtMs: number;

  constructor(link: ClientLink, broker: BrokerServices, options: ClientOptions) {
    this.#link = link;
    this.broker = broker;
    this.limits = broker.limits;
    this.metrics = broker.metrics;
    this.logger = broker.logger;
    this.options = options;
    this.rateTokens = broker.limits.publishCountPerSecondMax;
    this.rateRefilledAtMs = Date.now();
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

  /** Room to write more deliveries without growing the socket buffer past the bound. */
  get writable(): boolean {
    return this.state === "connected" && this.#link.bufferedBytes < this.limits.writeBufferBytesMax;
  }

  /** Writes a packet (packet-writer.ts); several writes in one turn go out in one syscall. */
  send(packet: Packet): void {
    this.sendBytes(encodePacket(packet, this));
  }

  /** Writes an already encoded packet (the hot paths). */
  sendBytes(bytes: Buffer): void {
    if (this.state !== "closed") this.#link.write(bytes);
  }

  sendPlainPublish(topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number): void {
    if (this.state === "closed") return;
    const v5 = this.protocolVersion === 5;
    const at = this.#link.room(plainPublishBytes(topic, payload, qos, v5));
    writePlainPublish(this.#link.outbox, at, topic, payload, qos, retain, dup, packetId, v5);
  }

  sendPublishFromBytes(bytes: Uint8Array, topicAt: number, topicLength: number, payloadAt: number, payloadLength: number, qos: QoS, retain: boolean, dup: boolean, packetId: number): void {
    if (this.state === "closed") return;
    const v5 = this.protocolVersion === 5;
    const at = this.#link.room(publishBytes(topicLength, payloadLength, qos, v5));
    writePublishFromBytes(this.#link.outbox, at, bytes, topicAt, topicLength, payloadAt, payloadLength, qos, retain, dup, packetId, v5);
  }

  /** CONNECT accepted (CONNACK sent): other packets may follow. */
  connected(keepAliveSeconds: number): void {
    this.state = "connected";
    this.#link.startKeepAlive(keepAliveSeconds);
  }

  /** A malformed or forbidden packet: counted, logged, and the connection closed. */
  protocolFailure(reason: number, message: string): void {
    this.metrics.protocolErrors.inc();
    this.logger.warn(`closing ${this.who}: ${message} (reason 0x${reason.toString(16)}); fix the client, other clients are unaffected`);
    this.disconnect(reason, message);
  }

  /** MQTT 5: DISCONNECT with a reason code and string, then close; 3.1.1: just close. */
  disconnect(reason: number, reasonString?: string): void {
    if (this.state === "closed") return;
    if (this.protocolVersion === 5 && this.state === "connected") {
      this.send({ cmd: "disconnect", reasonCode: reason, properties: reasonString ? { reasonString } : undefined });
    }
    this.#markClosed();
    this.#link.end(); // the last packets (CONNACK, DISCONNECT) go before the FIN
  }

  /** Closes at once, without a DISCONNECT (the client's own DISCONNECT, a broken stream). */
  close(why?: string): void {
    if (why) this.logger.warn(`closing ${this.who}: ${why}`);
    this.#link.destroy();
    this.linkClosed();
  }

  /** The stream ended (connection.ts): the broker learns it once. */
  linkClosed(): void {
    if (this.state !== "closed") this.#markClosed();
  }

  #markClosed(): void {
    const was = this.state;
    this.state = "closed";
    this.broker.connectionClosed(this, was === "connected" || was === "connecting");
  }
}
