// A client's session: its subscriptions, its cursor in each log partition its subscriptions can
// match (deliveries come from the log, log-delivery.ts), the messages in flight to it (bounded
// by the client's receive maximum), a small queue for what does not come from its cursors
// (retained messages on SUBSCRIBE; bounded), and the QoS 2 packet ids it
// sent us that await PUBREL. It outlives connections when the session is persistent.
import type { Packet, QoS } from "mqtt-packet";
import type { BatchColumns } from "../../runtime/core/index.ts";
import { LogInflight } from "./log-inflight.ts";
import { remainingExpiryS, type BrokerMessage } from "./message.ts";
import type { ShareCursor } from "./share-groups.ts";
import type { SubscriptionOptions } from "./subscription-trie.ts";

export interface StoredSubscription {
  /** As the client sent it, $share prefix included (the map key). */
  filter: string;
  options: SubscriptionOptions;
}

export interface Outgoing {
  message: BrokerMessage;
  qos: QoS;
  retain: boolean;
  /** Every matching subscription's identifier: one copy carries them all [MQTT-3.3.4-3]. */
  subscriptionId?: number | number[];
  packetId: number;
  /** QoS 2: "publish" until PUBREC, then "pubrel" until PUBCOMP. */
  stage: "publish" | "pubrel";
  /** The session's send sequence number when it was sent (resends keep the order). */
  sent?: number;
  /** Store key when this message is persisted for an offline session. */
  storeKey?: string;
  /** Read from the log: its partition's cursor and its offset (the cursor stays below it
   * until the client acknowledges it). */
  cursor?: PartitionCursor;
  offset?: number;
  /** Read by a share group (share-groups.ts): the group's cursor it came from (`offset` is
   * its offset); the group's cursor stays below it until the member acknowledges it. */
  share?: ShareCursor;
}

/** A decoded batch being delivered (as columns: no object per record), at record `index`. */
export interface PendingBatch {
  cols: BatchColumns;
  index: number;
  nextOffset: number;
}

/** A session's place in one log partition its subscriptions can match. */
export interface PartitionCursor {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  /** While the session is not live: the next offset to read. A live session is where the
   * tail is (log-tail.ts). */
  next: number;
  /** Persistent sessions: sends stay below this offset, stored before they happen, so after a
   * crash every resend below it carries DUP. */
  reserved: number;
  /** A reservation up to this offset is being stored. */
  reserving: number;
  /** After a restart: offsets below this may have been sent before (DUP on resend). */
  dupBelow: number;
  /** The decoded batch the session stopped in (its window filled), kept so it is not decoded
   * again for each PUBACK; dropped when the session goes offline. */
  pending: PendingBatch | undefined;
  /** Offsets whose QoS 2 delivery the client held at a restart (PUBREC, awaiting PUBCOMP):
   * reading on must not send them again. Usually undefined. */
  received?: Set<number>;
}

/** What a session and its deliveries need of the client connected to it (handlers/context.ts's
 * ClientContext). */
export interface SessionConnection {
  readonly protocolVersion: 3 | 4 | 5;
  /** What the client accepts from us (MQTT 5 CONNECT properties). */
  readonly clientReceiveMax: number;
  readonly clientPacketBytesMax: number;
  readonly clientTopicAliasMax: number;
  /** The topic aliases we assigned on this connection. */
  readonly topicAliasesOut: Map<string, number>;
  /** Room to write more deliveries (mqtt.limits.writeBufferBytesMax). */
  readonly writable: boolean;
  send(packet: Packet): void;
  sendBytes(bytes: Buffer): void;
  /** Writes a PUBLISH without properties (packet-writer.ts encodePlainPublish) into the
   * connection's outgoing buffer: no buffer of its own per delivery. */
  sendPlainPublish(topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number): void;
  /** The same, with topic and payload read from `bytes` (a decoded batch's records). */
  sendPublishFromBytes(bytes: Uint8Array, topicAt: number, topicLength: number, payloadAt: number, payloadLength: number, qos: QoS, retain: boolean, dup: boolean, packetId: number): void;
  disconnect(reason: number, reasonString?: string): void;
}

export interface SessionHooks {
  /** Drops are counted by the broker (queue full, expired, too big for the client). */
  dropped(session: Session, why: "queue-full" | "expired" | "too-large" | "offline-qos0"): void;
  /** The window has room: read on from the session's cursors (log-delivery.ts) and from the
   * cursors of its share groups (share-groups.ts). */
  catchUp(session: Session): void;
  /** A delivery from the session's own cursor at `offset` is done (acknowledged): the cursor may pass it. */
  acknowledged(session: Session, cursor: PartitionCursor, offset: number): void;
  /** The same for a share group's delivery: the group's cursor may pass it. */
  shareAcknowledged(item: Outgoing): void;
  /** A QoS 1/2 message for a persistent session: store it until the client has it. */
  persist(session: Session, item: Outgoing): void;
  /** The client has the message (PUBACK, PUBREC) or it was dropped: forget the stored copy. */
  release(item: Outgoing): void;
  sendPublish(connection: SessionConnection, item: Outgoing, dup: boolean): boolean;
  /** A plain record (record-mapping.ts readRecord) as a PUBLISH; false when the client cannot take it. */
  sendRecord(connection: SessionConnection, batch: BatchColumns, index: number, qos: QoS, retain: boolean, dup: boolean, packetId: number): boolean;
}

/** Packet ids are given out in turn from 1 up to a bound that follows twice the most in flight
 * lately, at least this: the in-flight arrays (log-inflight.ts) stay as small as the window. */
const packetIdWrapMin = 128;
const packetIdMax = 65_535;

export class Session {
  readonly clientId: string;
  expiryS: number;
  readonly queue: Outgoing[] = [];
  // The collections are made on first use: an idle client (or one that only publishes at
  // QoS 0/1) never needs them, and three Maps and a Set are ~0.7 KB per connection.
  #subscriptions: Map<string, StoredSubscription> | undefined;
  #inflight: Map<number, Outgoing> | undefined;
  #incomingQos2: Set<number> | undefined;
  #incomingQos2Pending: Map<number, Promise<number>> | undefined;
  #logInflight: LogInflight | undefined;
  /** Sends so far (QoS 1/2): the order resends keep [MQTT-4.6.0-1]. */
  #sentCount = 0;
  connection: SessionConnection | undefined;
  /** Caught up with the log tail: its plain subscriptions are in the broker's trie and each
   * new record reaches it from the tail; else it reads from its cursors. */
  live = false;
  /** Per log partition key (log-tail.ts cursorKey). */
  readonly cursors = new Map<string, PartitionCursor>();
  expiryTimer: NodeJS.Timeout | undefined;
  #nextPacketId = 1;
  #packetIdWrap = packetIdWrapMin;
  #peakInflight = 0;
  readonly #queuedCountMax: number;
  readonly #hooks: SessionHooks;

  constructor(clientId: string, expiryS: number, queuedCountMax: number, hooks: SessionHooks) {
    this.clientId = clientId;
    this.expiryS = expiryS;
    this.#queuedCountMax = queuedCountMax;
    this.#hooks = hooks;
  }

  get subscriptions(): Map<string, StoredSubscription> {
    return (this.#subscriptions ??= new Map());
  }

  get inflight(): Map<number, Outgoing> {
    return (this.#inflight ??= new Map());
  }

  get incomingQos2(): Set<number> {
    return (this.#incomingQos2 ??= new Set());
  }

  /** QoS 2 ids whose PUBLISH is still being stored: a resend waits for the same outcome. */
  get incomingQos2Pending(): Map<number, Promise<number>> {
    return (this.#incomingQos2Pending ??= new Map());
  }

  /** Subscriptions, without making the map. */
  get subscriptionCount(): number {
    return this.#subscriptions?.size ?? 0;
  }

  /** Messages in flight to the client, without making the map. */
  get inflightCount(): number {
    return (this.#inflight?.size ?? 0) + (this.#logInflight?.count ?? 0);
  }

  /** Plain QoS 1 deliveries from the session's own cursors in flight (undefined while none was sent). */
  get logInflight(): LogInflight | undefined {
    return this.#logInflight;
  }

  /** Whether QoS 2 id `id` awaits PUBREL, without making the set. */
  hasIncomingQos2(id: number): boolean {
    return this.#incomingQos2?.has(id) ?? false;
  }

  get persistent(): boolean {
    return this.expiryS > 0;
  }

  /** Its key in the stores (cursor-store.ts). */
  get storeKey(): string {
    return this.clientId;
  }

  /** A message matched one of this session's subscriptions. */
  deliver(message: BrokerMessage, qos: QoS, retain: boolean, subscriptionId?: number | number[]): void {
    const item: Outgoing = { message, qos, retain, subscriptionId, packetId: 0, stage: "publish" };
    if (qos === 0) {
      const c = this.connection;
      if (!c || !c.writable) return this.#hooks.dropped(this, "offline-qos0"); // not from the log: retained
      this.#hooks.sendPublish(c, item, false);
      return;
    }
    if (this.queue.length + this.inflightCount >= this.#queuedCountMax) return this.#hooks.dropped(this, "queue-full");
    this.queue.push(item);
    if (this.persistent) this.#hooks.persist(this, item);
    this.pump();
  }

  /** Moves queued messages into flight while the client's window and socket have room, then
   * reads on from the log. */
  pump(): void {
    const c = this.connection;
    if (!c) return;
    if (this.queue.length > 0) this.#pumpQueue(c);
    this.#hooks.catchUp(this);
  }

  /** Room in the client's window for one more QoS 1/2 message. */
  get hasRoom(): boolean {
    const c = this.connection;
    return c !== undefined && this.inflightCount < c.clientReceiveMax && c.writable && this.queue.length === 0;
  }

  /** Sends a QoS 1/2 message read from the log (the caller checked hasRoom); false when it
   * could not be sent (expired, too large for the client): it is done all the same. */
  sendFromLog(item: Outgoing, dup: boolean): boolean {
    item.packetId = this.#allocatePacketId();
    item.sent = this.#sentCount++;
    this.inflight.set(item.packetId, item);
    if (this.#hooks.sendPublish(this.connection!, item, dup)) return true;
    this.inflight.delete(item.packetId);
    return false;
  }

  /** Sends record `index` of `batch`, a plain record (record-mapping.ts readRecord) at `offset`
   * of `cursor`'s partition, at QoS 1 (the caller checked hasRoom); false when the client cannot
   * take it (too large): it is done all the same. No object is made for it (log-inflight.ts). */
  sendRecordFromLog(cursor: PartitionCursor, offset: number, batch: BatchColumns, index: number, retain: boolean, dup: boolean): boolean {
    const id = this.#allocatePacketId();
    if (!this.#hooks.sendRecord(this.connection!, batch, index, 1, retain, dup, id)) return false;
    (this.#logInflight ??= new LogInflight()).add(id, cursor, offset, batch, index, retain, this.#sentCount++);
    return true;
  }

  /** A QoS 2 delivery restored after a restart: the client has it and awaits PUBREL. */
  restoreReceived(item: Outgoing): void {
    this.inflight.set(item.packetId, item);
  }

  #pumpQueue(c: SessionConnection): void {
    const nowMs = Date.now();
    while (this.queue.length > 0 && this.inflightCount < c.clientReceiveMax && c.writable) {
      const item = this.queue.shift()!;
      if (remainingExpiryS(item.message, nowMs) === -1) {
        this.#hooks.dropped(this, "expired");
        this.#hooks.release(item);
        continue;
      }
      item.packetId = this.#allocatePacketId();
      item.sent = this.#sentCount++;
      this.inflight.set(item.packetId, item);
      if (!this.#hooks.sendPublish(c, item, false)) {
        this.inflight.delete(item.packetId);
        this.#hooks.release(item);
      }
    }
  }

  #allocatePacketId(): number {
    const inflight = this.inflightCount;
    if (inflight > this.#peakInflight) this.#peakInflight = inflight;
    for (let tries = 0; tries < packetIdMax; tries++) {
      let id = this.#nextPacketId;
      if (id > this.#packetIdWrap) {
        // From 1 again, below twice the most in flight since the last time (room to skip ids
        // still in flight; never fewer ids than are in flight).
        this.#packetIdWrap = Math.min(packetIdMax, Math.max(packetIdWrapMin, 2 * (this.#peakInflight + 1)));
        this.#peakInflight = inflight;
        // Arrays grown for a burst go with it once nothing is in flight.
        if (this.#logInflight?.count === 0 && this.#logInflight.slots > 2 * this.#packetIdWrap) this.#logInflight = undefined;
        id = 1;
      }
      this.#nextPacketId = id + 1;
      if (!this.#inflight?.has(id) && !this.#logInflight?.has(id)) return id;
    }
    throw new Error("no free packet id: the inflight window is larger than 65535 (a ledge bug)");
  }

  /** PUBACK or PUBCOMP (or a PUBREC with an error): the flow is done. False for an unknown id. */
  completed(packetId: number, stage: "publish" | "pubrel"): boolean {
    const log = this.#logInflight;
    if (log !== undefined && stage === "publish" && log.has(packetId)) {
      const cursor = log.cursorOf(packetId);
      const offset = log.offsetOf(packetId);
      log.remove(packetId);
      this.#hooks.acknowledged(this, cursor, offset);
      this.pump();
      return true;
    }
    const item = this.#inflight?.get(packetId);
    if (!item || item.stage !== stage) return false;
    this.inflight.delete(packetId);
    this.#hooks.release(item);
    if (item.share) this.#hooks.shareAcknowledged(item);
    else if (item.cursor) this.#hooks.acknowledged(this, item.cursor, item.offset!);
    this.pump();
    return true;
  }

  /** PUBREC: QoS 2 moves to the PUBREL stage; the client holds the message now, so its stored
   * copy goes (after a restart only the packet id's PUBREL would be missing). Returns the item
   * (undefined for an unknown id). */
  received(packetId: number): Outgoing | undefined {
    const item = this.#inflight?.get(packetId);
    if (!item || item.qos !== 2 || item.stage !== "publish") return item?.stage === "pubrel" ? item : undefined;
    item.stage = "pubrel";
    this.#hooks.release(item);
    return item;
  }

  /** A (re)connected client: resend what is in flight [MQTT-4.4.0-1], then continue the queue. */
  attach(connection: SessionConnection): void {
    this.connection = connection;
    clearTimeout(this.expiryTimer);
    // In the order they were first sent [MQTT-4.6.0-1]: the two kinds in flight interleave.
    const resend: Array<{ sent: number; item?: Outgoing; id: number }> = [];
    for (const item of this.#inflight?.values() ?? []) resend.push({ sent: item.sent ?? -1, item, id: item.packetId });
    this.#logInflight?.forEach((id, sent) => resend.push({ sent, id }));
    resend.sort((a, b) => a.sent - b.sent);
    const log = this.#logInflight;
    for (const { item, id } of resend) {
      if (item === undefined) this.#hooks.sendRecord(connection, log!.batchOf(id), log!.indexOf(id), 1, log!.retainOf(id), true, id);
      else if (item.stage === "pubrel") connection.send({ cmd: "pubrel", messageId: item.packetId });
      else this.#hooks.sendPublish(connection, item, true);
    }
    this.pump();
  }

  detach(): void {
    this.connection = undefined;
  }

}
