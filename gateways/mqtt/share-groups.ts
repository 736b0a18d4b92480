// Shared subscriptions ($share/{group}/{filter}, MQTT 5 §4.8.2; 3.1.1 clients may use them too,
// as Mosquitto allows): the members of a share group take turns over ONE cursor per log
// partition its filter can match. The group reads the log from its cursors (as a session that
// is behind does, log-delivery.ts) and gives each matching record to one member: round robin
// over the members online whose Receive Maximum and socket have room (QoS 0: whose socket has
// room). Its cursor stays below every message not yet done: a QoS 1 message in flight to a
// member that goes away is sent to another member with DUP set. While the group has a
// persistent member its cursors are stored (gathered writes, cursor-store.ts): what is
// published while every member is offline waits in the log for the first to return, and after
// a crash the group resumes at its first unacknowledged offset (at least once; every resend
// below its stored reservation carries DUP). Retention keeps what it still needs (log-delivery.ts
// protect(), holder "mqtt-sessions").
import type { QoS } from "mqtt-packet";
import { decodeBatchColumns, readBaseOffset, readNextOffset, ReadCommittedFilter } from "../../runtime/core/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { MqttRoute } from "./config.ts";
import { CursorStore, type CursorOwner, type StoredCursors } from "./cursor-store.ts";
import type { MqttLog } from "./log-port.ts";
import { catchUpRecordsPerTurn, messageOf, newLogRecord, readBytesMax, readFrom, walkBatch, withinReservation } from "./log-delivery.ts";
import { cursorKey, type LogTail } from "./log-tail.ts";
import type { BrokerMessage } from "./message.ts";
import type { MqttMetrics } from "./metrics.ts";
import { logTopicsFor } from "./routes.ts";
import type { Outgoing, PartitionCursor, Session, SessionConnection } from "./session.ts";
import type { SubscriptionOptions } from "./subscription-trie.ts";
import { topicMatches } from "./topics.ts";

export interface ShareGroupsDeps {
  log: MqttLog;
  tail: LogTail;
  routes: MqttRoute[];
  /** Routed log topics and their partition counts (ingest's, kept current). */
  logTopics: Map<string, number>;
  metrics: MqttMetrics;
  logger: Logger;
  sendPublish(c: SessionConnection, item: Outgoing, dup: boolean): boolean;
  track(write: Promise<unknown>): void;
}

interface Member {
  readonly session: Session;
  options: SubscriptionOptions;
}

/** One share group's place in one log partition. */
export interface ShareCursor {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly group: ShareGroup;
  /** The next offset to read. */
  next: number;
  /** Offsets read and not yet done (in flight to a member, or waiting for one), with their
   * message: the lowest is where the stored cursor stays. */
  readonly open: Map<number, BrokerMessage>;
  /** Offsets whose member went away before acknowledging them: sent to another member first. */
  redeliver: number[];
  /** Persistent groups: sends stay below this offset, stored before they happen. */
  reserved: number;
  reserving: number;
  /** After a restart: offsets below this may have been sent before (DUP). */
  dupBelow: number;
  /** The decoded batch the group stopped in (no member had room). */
  pending: PartitionCursor["pending"];
  /** After a restart: offsets whose QoS 2 delivery a member held (PUBREC, awaiting PUBCOMP):
   * reading on must not send them again. Usually undefined. */
  held?: Set<number>;
}

export class ShareGroup implements CursorOwner {
  /** `{group}/{filter}`: the subscription without `$share/` (a share name has no `/`). */
  readonly storeKey: string;
  readonly filter: string;
  /** Log topics its filter can match. */
  readonly topics: Set<string>;
  /** By client id, online or not, in joining order (the round robin's order). */
  readonly members = new Map<string, Member>();
  readonly cursors = new Map<string, ShareCursor>();
  /** The round robin: the index of the member that had the last message. */
  turn = -1;
  /** Start-up: stored QoS 2 deliveries per member, given back as each member is restored. */
  restoring: Map<string, Array<[number, ShareCursor, number]>> | undefined;

  constructor(storeKey: string, filter: string, topics: Set<string>) {
    this.storeKey = storeKey;
    this.filter = filter;
    this.topics = topics;
  }

  /** Stored while any member's session is persistent. */
  get persistent(): boolean {
    for (const m of this.members.values()) if (m.session.persistent) return true;
    return false;
  }
}

export class ShareGroups {
  readonly store: CursorStore<ShareGroup>;
  readonly #d: ShareGroupsDeps;
  readonly #groups = new Map<string, ShareGroup>();
  readonly #bySession = new Map<Session, Set<ShareGroup>>();
  readonly #scheduled = new Set<ShareGroup>();
  readonly #readBuffer = new Uint8Array(readBytesMax);
  /** The record a group is at (reused: walkBatch reads each into it). */
  readonly #record = newLogRecord();
  /** Start-up: groups take their stored cursors; later a new group starts at the tail. */
  #loading = true;
  #closing = false;

  constructor(deps: ShareGroupsDeps, store: ConstructorParameters<typeof CursorStore<ShareGroup>>[0]) {
    this.#d = deps;
    this.store = new CursorStore(store, (g) => this.#snapshot(g), (groups, written) => this.#stored(groups, written), deps.track);
  }

  get size(): number {
    return this.#groups.size;
  }

  /** `session` subscribed to `$share/{name}/{filter}` (or was restored at start-up). */
  join(session: Session, name: string, filter: string, options: SubscriptionOptions): void {
    const key = `${name}/${filter}`;
    let group = this.#groups.get(key);
    if (!group) {
      group = new ShareGroup(key, filter, new Set(logTopicsFor(this.#d.routes, filter)));
      this.#groups.set(key, group);
      this.#openCursors(group);
    }
    const wasPersistent = group.persistent;
    group.members.set(session.clientId, { session, options });
    let groups = this.#bySession.get(session);
    if (!groups) this.#bySession.set(session, (groups = new Set()));
    groups.add(group);
    for (const [packetId, cursor, offset] of group.restoring?.get(session.clientId) ?? []) {
      const message: BrokerMessage = { topic: "", payload: Buffer.alloc(0), qos: 2, retain: false };
      cursor.open.set(offset, message);
      session.restoreReceived({ message, qos: 2, retain: false, packetId, stage: "pubrel", share: cursor, offset });
    }
    if (!wasPersistent && group.persistent && !this.#loading) this.store.storeNow(group).catch(() => undefined); // failures are logged by track
    this.#schedule(group);
  }

  /** `session` unsubscribed (or its session ended). Deliveries in flight to it complete with it
   * [MQTT-3.10.4-3]; a group without members ends, and its stored cursors go. */
  leave(session: Session, name: string, filter: string): void {
    const group = this.#groups.get(`${name}/${filter}`);
    if (!group || !group.members.delete(session.clientId)) return;
    const groups = this.#bySession.get(session);
    groups?.delete(group);
    if (groups?.size === 0) this.#bySession.delete(session);
    if (group.members.size > 0) return this.#schedule(group);
    this.#groups.delete(group.storeKey);
    this.#scheduled.delete(group);
    this.#d.track(this.store.remove(group.storeKey));
  }

  /** The member's connection ended: its QoS 1 deliveries go to other members (MQTT 5 §4.8.2
   * allows it as soon as the connection is lost); QoS 2 ones stay with it and complete when it
   * returns [MQTT-4.8.2-4]. */
  offline(session: Session): void {
    this.#takeBack(session, false);
  }

  /** The member's session ended: QoS 1 deliveries go to other members; QoS 2 ones are not sent
   * to anyone else [MQTT-4.8.2-5] (those without a PUBREC yet count in ledge_mqtt_dropped_total). */
  ended(session: Session): void {
    this.#takeBack(session, true);
  }

  #takeBack(session: Session, ended: boolean): void {
    if (!this.#bySession.has(session) || session.inflightCount === 0) return;
    const touched = new Set<ShareGroup>();
    for (const [packetId, item] of session.inflight) {
      const cursor = item.share;
      if (!cursor || (item.qos === 2 && !ended)) continue;
      session.inflight.delete(packetId);
      const group = cursor.group;
      if (this.#groups.get(group.storeKey) !== group) continue;
      touched.add(group);
      if (item.qos === 1) cursor.redeliver.push(item.offset!);
      else if (cursor.open.delete(item.offset!) && item.stage === "publish") this.#d.metrics.dropped.inc(); // after PUBREC the member had it
    }
    for (const group of touched) {
      for (const cursor of group.cursors.values()) cursor.redeliver.sort((a, b) => a - b);
      this.store.changed(group);
      this.#schedule(group);
    }
  }

  /** A member acknowledged a delivery (PUBACK, PUBCOMP): the group's cursor may pass it. */
  acknowledged(item: Outgoing): void {
    const cursor = item.share!;
    const group = cursor.group;
    if (this.#groups.get(group.storeKey) !== group) return; // the group ended meanwhile
    cursor.open.delete(item.offset!);
    if (cursor.held?.delete(item.offset!) && cursor.held.size === 0) cursor.held = undefined;
    this.store.changed(group);
  }

  /** PUBREC of a share group's QoS 2 delivery: resolves once a persistent group has stored
   * that the member holds it (the PUBREL waits for it: after a crash the member gets PUBREL
   * again, and no member the PUBLISH). */
  storeHeld(item: Outgoing): Promise<void> {
    const group = item.share!.group;
    if (this.#groups.get(group.storeKey) !== group || !group.persistent) return Promise.resolve();
    return this.store.storeNow(group);
  }

  /**
   * New routes (config reload): new groups take them, and each group follows the log topics its
   * filter can now match: a topic added starts where the tail is (messages from now on); a topic
   * no longer matched is dropped once nothing of it is in flight (a cursor with deliveries open
   * stays until they are done, and reads on).
   */
  setRoutes(routes: MqttRoute[]): void {
    this.#d.routes = routes;
    for (const group of this.#groups.values()) {
      const topics = new Set(logTopicsFor(routes, group.filter));
      for (const topic of group.topics) if (!topics.has(topic)) group.topics.delete(topic);
      for (const topic of topics) group.topics.add(topic);
      for (const [key, cursor] of group.cursors) {
        if (!group.topics.has(cursor.topic) && cursor.open.size === 0 && cursor.redeliver.length === 0) group.cursors.delete(key);
      }
      this.#openCursors(group);
      this.store.changed(group);
      this.#schedule(group);
    }
  }

  /** The member has room (an ack, a drained socket, a reconnect): its groups read on. */
  room(session: Session): void {
    const groups = this.#bySession.get(session);
    if (groups) for (const group of groups) this.#schedule(group);
  }

  /** The tail moved on in partition `key`: groups reading it read on; a group whose filter's
   * log topic gained the partition reads it from its start. */
  advanced(key: string): void {
    for (const group of this.#groups.values()) {
      if (!group.cursors.has(key)) {
        const [topic, partition] = key.split("\u0000");
        if (!group.topics.has(topic)) continue;
        this.#cursor(group, topic, Number(partition), this.#d.log.partitionState(topic, Number(partition)).logStartOffset);
      }
      this.#schedule(group);
    }
  }

  /** Start-up is done: stored groups that no persistent session belongs to any more go. */
  loaded(): void {
    this.#loading = false;
    // Held deliveries of members that did not come back stay skipped: their sessions ended, so
    // no other member gets them [MQTT-4.8.2-5].
    for (const group of this.#groups.values()) group.restoring = undefined;
    for (const key of this.store.keys()) {
      if (!this.#groups.get(key)?.persistent) this.#d.track(this.store.remove(key));
    }
  }

  /** Per persistent group, its stored form now (the protected offsets, log-delivery.ts). */
  *held(): Iterable<StoredCursors> {
    for (const group of this.#groups.values()) if (group.persistent) yield this.#snapshot(group);
  }

  /** Shutdown (after every client is disconnected): the exact positions are stored. */
  close(): void {
    this.#closing = true;
    for (const group of this.#groups.values()) this.store.changed(group);
    this.store.close();
  }

  #openCursors(group: ShareGroup): void {
    const stored = this.#loading ? this.store.get(group.storeKey) : undefined;
    for (const [topic, partition, acked, reserved] of stored?.c ?? []) this.#cursor(group, topic, partition, acked).dupBelow = reserved;
    for (const [clientId, packetId, topic, partition, offset] of stored?.held ?? []) {
      const cursor = group.cursors.get(cursorKey(topic, partition));
      if (!cursor) continue;
      (cursor.held ??= new Set()).add(offset);
      group.restoring ??= new Map();
      const list = group.restoring.get(clientId) ?? [];
      list.push([packetId, cursor, offset]);
      group.restoring.set(clientId, list);
    }
    for (const topic of group.topics) {
      const partitions = this.#d.logTopics.get(topic) ?? 0;
      for (let p = 0; p < partitions; p++) {
        if (group.cursors.has(cursorKey(topic, p))) continue;
        this.#cursor(group, topic, p, this.#d.tail.position(cursorKey(topic, p)) ?? this.#d.log.partitionState(topic, p).lastStableOffset);
      }
    }
  }

  #cursor(group: ShareGroup, topic: string, partition: number, next: number): ShareCursor {
    const cursor: ShareCursor = { key: cursorKey(topic, partition), topic, partition, group, next, open: new Map(), redeliver: [], reserved: next, reserving: next, dupBelow: 0, pending: undefined };
    group.cursors.set(cursor.key, cursor);
    return cursor;
  }

  #schedule(group: ShareGroup, delayMs = -1): void {
    if (this.#closing || this.#scheduled.has(group)) return;
    this.#scheduled.add(group);
    const run = () => {
      this.#scheduled.delete(group);
      this.#pump(group);
    };
    if (delayMs < 0) setImmediate(run);
    else setTimeout(run, delayMs);
  }

  /** Redeliveries first, then reads on from each cursor while some member has room. */
  #pump(group: ShareGroup): void {
    if (this.#closing || this.#groups.get(group.storeKey) !== group || !this.#anyOnline(group)) return;
    let budget = catchUpRecordsPerTurn;
    for (const cursor of group.cursors.values()) {
      if (!this.#redeliver(group, cursor)) return; // no member has room: an ack, a drain or a member resumes it
      const end = this.#d.tail.position(cursor.key);
      if (end === undefined || cursor.next >= end) continue;
      const before = cursor.next;
      const handled = this.#read(group, cursor, end, budget);
      if (cursor.next !== before) this.store.changed(group);
      if (handled < 0) return;
      budget -= handled;
      if (budget <= 0) return this.#schedule(group); // more next turn: others get theirs
      // The log's reader has not caught up with the tail's commits yet: again shortly.
      if (cursor.next < end) return this.#schedule(group, 1);
    }
  }

  /** A group with no member online costs nothing per message: it waits where it is. */
  #anyOnline(group: ShareGroup): boolean {
    for (const m of group.members.values()) if (m.session.connection) return true;
    return false;
  }

  #redeliver(group: ShareGroup, cursor: ShareCursor): boolean {
    while (cursor.redeliver.length > 0) {
      const offset = cursor.redeliver[0];
      const message = cursor.open.get(offset);
      if (message && !this.#dispatch(group, cursor, message, offset, true)) return false;
      cursor.redeliver.shift();
    }
    return true;
  }

  /** Reads `cursor`'s partition from cursor.next below `end`; the records handled, or -1 when
   * no member has room for the next (cursor.pending keeps the batch). */
  #read(group: ShareGroup, cursor: ShareCursor, end: number, budget: number): number {
    let handled = 0;
    while (cursor.next < end && handled < budget) {
      const pending = cursor.pending;
      cursor.pending = undefined;
      if (pending && cursor.next < pending.nextOffset) {
        const r = this.#deliverRecords(group, cursor, pending, end);
        if (r < 0) return -1;
        handled += r;
        continue;
      }
      const { logStartOffset } = this.#d.log.partitionState(cursor.topic, cursor.partition);
      if (cursor.next < logStartOffset) {
        this.#lost(group, cursor, logStartOffset);
        continue;
      }
      const read = readFrom(this.#d.log, cursor, readBytesMax, this.#readBuffer);
      if (read === "again") continue;
      if (read === "gone" || read.batches.length === 0) return handled;
      const filter = new ReadCommittedFilter(read.abortedTransactions);
      for (const batch of read.batches) {
        const nextOffset = readNextOffset(batch);
        if (nextOffset <= cursor.next) continue;
        if (readBaseOffset(batch) >= end) {
          cursor.next = end; // nothing below `end` is left; the rest the tail has not reached yet
          return handled;
        }
        if (!filter.visible(batch)) {
          cursor.next = Math.min(nextOffset, end);
          continue;
        }
        const r = this.#deliverRecords(group, cursor, { cols: decodeBatchColumns(batch), index: 0, nextOffset }, end);
        if (r < 0) return -1;
        handled += r;
        if (handled >= budget) break;
      }
    }
    return handled;
  }

  /** Gives the batch's records from cursor.next below `end` that match the group's filter to
   * its members; the records passed over, or -1 when no member has room for the next (the
   * batch is kept in cursor.pending, at it). */
  #deliverRecords(group: ShareGroup, cursor: ShareCursor, batch: NonNullable<ShareCursor["pending"]>, end: number): number {
    const handled = walkBatch(cursor, batch, end, cursor.held, this.#record, (r, offset) =>
      !topicMatches(group.filter, r.topic) || this.#dispatch(group, cursor, messageOf(r), offset, offset < cursor.dupBelow));
    if (handled < 0) {
      cursor.pending = batch;
      return -1;
    }
    cursor.next = Math.min(batch.nextOffset, end);
    return handled;
  }

  /** Sends the message at `offset` to the next member with room; false when none has (or a
   * persistent group's reservation is not stored yet). */
  #dispatch(group: ShareGroup, cursor: ShareCursor, message: BrokerMessage, offset: number, dup: boolean): boolean {
    if (message.qos > 0 && group.persistent && !this.#reserved(group, cursor, offset)) return false;
    const member = this.#pick(group, message.qos);
    if (!member) return false;
    const { session, options } = member;
    const qos = Math.min(message.qos, options.qos) as QoS;
    // [MQTT-3.3.1-12]/[MQTT-3.3.1-13]: forwarded messages keep retain only with Retain As Published.
    const item: Outgoing = { message, qos, retain: options.retainAsPublished && message.retain, subscriptionId: options.subscriptionId, packetId: 0, stage: "publish" };
    if (qos === 0) {
      this.#d.sendPublish(session.connection!, item, false);
      cursor.open.delete(offset); // done once sent
      return true;
    }
    item.share = cursor;
    item.offset = offset;
    cursor.open.set(offset, message);
    if (!session.sendFromLog(item, dup)) cursor.open.delete(offset); // expired or too large: done
    return true;
  }

  /** Round robin from the member after the last one, over members with room for `qos`. */
  #pick(group: ShareGroup, qos: QoS): Member | undefined {
    let i = 0;
    let first: Member | undefined;
    let firstAt = -1;
    for (const member of group.members.values()) {
      const at = i++;
      if (!this.#hasRoom(member, qos)) continue;
      if (at > group.turn) {
        group.turn = at;
        return member;
      }
      if (!first) {
        first = member;
        firstAt = at;
      }
    }
    if (first) group.turn = firstAt;
    return first;
  }

  #hasRoom(member: Member, messageQos: QoS): boolean {
    const c = member.session.connection;
    if (!c) return false;
    return Math.min(messageQos, member.options.qos) === 0 ? c.writable : member.session.hasRoom;
  }

  /** A persistent group sends below its stored reservation only (DUP after a crash). */
  #reserved(group: ShareGroup, cursor: ShareCursor, offset: number): boolean {
    return withinReservation(cursor, offset, () => this.store.storeNow(group).catch(() => undefined));
  }

  #lost(group: ShareGroup, cursor: ShareCursor, to: number): void {
    const count = to - cursor.next;
    const what = `${count} records (offsets ${cursor.next}..${to - 1}) of log topic ${cursor.topic} partition ${cursor.partition}`;
    cursor.next = to;
    this.store.changed(group);
    this.#d.metrics.sessionMessagesLost.inc(count);
    this.#d.logger.warn(`MQTT share group '$share/${group.storeKey}' lost ${what}: deleted from the log before a member received them (storage.maxBytes with overflow drop-oldest, or the topic's retention); raise storage.maxBytes or retention, or keep a member connected`);
  }

  /** The stored form: per partition the first offset not done and the reservation, and the
   * QoS 2 deliveries members hold. */
  #snapshot(group: ShareGroup): StoredCursors {
    const c: StoredCursors["c"] = [];
    for (const cursor of group.cursors.values()) {
      let acked = cursor.next;
      for (const offset of cursor.open.keys()) if (offset < acked) acked = offset; // bounded by the members' windows
      // At shutdown the exact position: a clean restart marks DUP only what was sent.
      c.push([cursor.topic, cursor.partition, acked, this.#closing ? cursor.next : Math.max(cursor.reserved, cursor.reserving)]);
    }
    const held: NonNullable<StoredCursors["held"]> = [];
    for (const { session } of group.members.values()) {
      if (session.inflightCount === 0) continue;
      for (const item of session.inflight.values()) {
        if (item.share?.group === group && item.stage === "pubrel") held.push([session.clientId, item.packetId, item.share.topic, item.share.partition, item.offset!]);
      }
    }
    return held.length > 0 ? { c, held } : { c };
  }

  /** Snapshots are durable: their reservations take effect, and waiting groups go on. */
  #stored(groups: ShareGroup[], written: StoredCursors[]): void {
    for (let i = 0; i < groups.length; i++) {
      let grew = false;
      for (const [topic, partition, , reserved] of written[i].c) {
        const cursor = groups[i].cursors.get(cursorKey(topic, partition));
        if (cursor && reserved > cursor.reserved) {
          cursor.reserved = reserved;
          grew = true;
        }
      }
      if (grew) this.#schedule(groups[i]);
    }
  }
}
