// Delivery straight from the log. Every session holds a cursor per log partition its
// subscriptions can match (session.ts PartitionCursor). A session that is caught up is "live":
// its plain subscriptions are in the broker's trie and the log tail (log-tail.ts) hands it each
// new record as it is committed. A session that cannot take the next record (its client's
// Receive Maximum is used up, its socket is backed up, or it is offline) leaves the trie and
// keeps its place; once it has room it reads the log from its cursors in bulk, filters by its
// subscriptions, and joins the tail again when every cursor has reached the tail's position.
// Nothing is copied per session and nothing is dropped while the log holds the data: a slow or
// offline subscriber costs no work per message, only the log's retention of what it has not
// acknowledged (protected offsets, holder "mqtt-sessions").
//
// Persistent sessions store their cursors (cursor-store.ts): the first unacknowledged offset
// per partition, and a reservation that sends stay below, stored before they happen. After a
// crash a session resumes at its first unacknowledged offset and every message below the
// reservation is sent with DUP set; QoS 2 deliveries the client had (PUBREC) get PUBREL again,
// never a second PUBLISH.
import type { QoS } from "mqtt-packet";
import { decodeBatchColumns, readBaseOffset, readMaxTimestampMs, readNextOffset, readRecordCount, ReadCommittedFilter, type BatchColumns } from "../../runtime/core/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { ReadResult } from "../../runtime/log/types.ts";
import type { MqttLimits, MqttRoute } from "./config.ts";
import { CursorStore, type StoredCursors } from "./cursor-store.ts";
import type { MqttLog } from "./log-port.ts";
import { cursorKey, type LogTail } from "./log-tail.ts";
import type { BrokerMessage } from "./message.ts";
import type { MqttMetrics } from "./metrics.ts";
import { Reason } from "./reason-codes.ts";
import { newRecordView, readRecord, toMessage, type RecordView } from "./record-mapping.ts";
import { logTopicsFor } from "./routes.ts";
import { sendsPlain } from "./send-publish.ts";
import type { Outgoing, PartitionCursor, PendingBatch, Session, SessionConnection } from "./session.ts";
import { topicMatches } from "./topics.ts";

/** Bytes one catch-up read copies out of the log: at most this, and about what the client's
 * window has room for (at least the minimum), so a client with a small Receive Maximum does not
 * have 256 KiB copied for each few messages it takes. */
export const readBytesMax = 256 * 1024;
const readBytesMin = 16 * 1024;
const readBytesPerRoom = 512;
/** Records one session handles per turn while catching up; it goes on in the next turn. */
export const catchUpRecordsPerTurn = 8192;
/** Offsets a persistent session reserves ahead (one store write per this many offsets). After a
 * crash every resent message below the reservation carries DUP, so a wide one costs nothing. */
export const reserveAheadOffsets = 65_536;

/**
 * Whether the record at `offset` may be sent now: below the stored reservation. Once `offset` is
 * past the reservation's midpoint it asks (`store`) for the next, a whole reserveAheadOffsets
 * further on, so the write has half a reservation of sends to finish in. (Reserving from `offset`
 * instead moved it half a reservation per write: a catch-up stalled on every store write.)
 */
export function withinReservation(cursor: { reserved: number; reserving: number }, offset: number, store: () => void): boolean {
  if (offset + reserveAheadOffsets / 2 >= cursor.reserved && cursor.reserving <= cursor.reserved) {
    cursor.reserving = Math.max(offset, cursor.reserved) + reserveAheadOffsets;
    store();
  }
  return offset < cursor.reserved;
}
/** How often the protected offsets (retention) follow the sessions' cursors. */
const protectIntervalMs = 1000;
export const protectionHolder = "mqtt-sessions";

export interface LogDeliveryDeps {
  log: MqttLog;
  tail: LogTail;
  routes: MqttRoute[];
  /** Routed log topics and their partition counts (ingest's, kept current). */
  logTopics: Map<string, number>;
  limits: MqttLimits;
  metrics: MqttMetrics;
  logger: Logger;
  /** Every session (for the protected offsets). */
  sessions: () => Iterable<Session>;
  /** Other cursors retention must keep data for: persistent share groups' (share-groups.ts). */
  held: () => Iterable<StoredCursors>;
  /** The session caught up: its plain subscriptions go into the trie. */
  join(session: Session): void;
  /** The session falls behind or goes offline: its plain subscriptions leave the trie. */
  leave(session: Session): void;
  sendPublish(c: SessionConnection, item: Outgoing, dup: boolean): boolean;
  /** A plain record as a PUBLISH (send-publish.ts sendRecord). */
  sendRecord(c: SessionConnection, batch: BatchColumns, index: number, qos: QoS, retain: boolean, dup: boolean, packetId: number): boolean;
  track(write: Promise<unknown>): void;
}

/** A record being delivered: what readRecord read of it, where it is, and its message object
 * once a delivery needs one (messageOf): a plain delivery needs none. */
export interface LogRecord extends RecordView {
  batch: BatchColumns;
  index: number;
  message: BrokerMessage | undefined;
}

export function newLogRecord(): LogRecord {
  return { ...newRecordView(), batch: undefined as unknown as BatchColumns, index: 0, message: undefined };
}

/** Reads record `index` of `batch` into `r` (reused); false when it has no usable topic. */
export function readLogRecord(batch: BatchColumns, index: number, r: LogRecord): boolean {
  r.batch = batch;
  r.index = index;
  r.message = undefined;
  return readRecord(batch, index, r);
}

/** The record's message object, made on first use and shared by every delivery of it. */
export function messageOf(r: LogRecord): BrokerMessage {
  return (r.message ??= toMessage(r, r.batch, r.index));
}

/** The best matching plain subscription of one session for one message. */
export interface Match {
  qos: QoS;
  retainAsPublished: boolean;
  subscriptionId: number | number[] | undefined;
}

/** Reads committed batches from `cursor.next`: the read; "again" when the records were deleted
 * meanwhile (the caller looks at the log's start again, where the loss is counted); "gone" when
 * the topic was deleted (the tail follows its new partitions). */
export function readFrom(log: MqttLog, cursor: { topic: string; partition: number; next: number }, maxBytes: number, into: Uint8Array): ReadResult | "again" | "gone" {
  try {
    return log.readCommitted(cursor.topic, cursor.partition, cursor.next, maxBytes, into);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "LEDGE_ERR_OFFSET_OUT_OF_RANGE") return "again";
    if (code === "LEDGE_ERR_UNKNOWN_TOPIC") return "gone";
    throw err;
  }
}

/**
 * Walks a decoded batch from cursor.next to below `end`, moving cursor.next past each record:
 * `deliver` gets each one not in `skip` (the client already holds it), read into `r`, and returns
 * false when it cannot take it now (batch.index stays on that record). Returns the records passed
 * over, or -1 when `deliver` refused one. Sessions and share groups read the log through it.
 */
export function walkBatch(cursor: { next: number }, batch: PendingBatch, end: number, skip: Set<number> | undefined, r: LogRecord, deliver: (r: LogRecord, offset: number) => boolean): number {
  let handled = 0;
  const cols = batch.cols;
  const base = cols.header.baseOffset;
  for (; batch.index < cols.count; batch.index++) {
    const offset = base + cols.offsetDelta[batch.index];
    if (offset < cursor.next) continue;
    if (offset >= end) break;
    const usable = skip?.has(offset) !== true && readLogRecord(cols, batch.index, r);
    if (usable && !deliver(r, offset)) return -1;
    cursor.next = offset + 1;
    handled++;
  }
  return handled;
}

export class LogDelivery {
  readonly store: CursorStore<Session>;
  readonly #d: LogDeliveryDeps;
  readonly #readBuffer = new Uint8Array(readBytesMax);
  /** The record a catch-up is at (reused: walkBatch reads each into it). */
  readonly #record = newLogRecord();
  readonly #scheduled = new WeakSet<Session>();
  readonly #protected = new Map<string, number>();
  readonly #protectTimer: NodeJS.Timeout;
  #closing = false;

  constructor(deps: LogDeliveryDeps, store: ConstructorParameters<typeof CursorStore<Session>>[0]) {
    this.#d = deps;
    this.store = new CursorStore(store, (s) => this.#snapshot(s), (sessions, written) => this.#stored(sessions, written), deps.track);
    this.#protectTimer = setInterval(() => this.protect(), protectIntervalMs).unref();
  }

  /** New routes (config reload): every session's cursors follow the log topics its
   * subscriptions can now match (new ones start where the tail is: messages from now on). */
  setRoutes(routes: MqttRoute[]): void {
    this.#d.routes = routes;
    for (const session of this.#d.sessions()) this.ensureCursors(session);
  }

  /** Makes the cursors the session's plain subscriptions need (a new one starts where the
   * tail is: messages from now on) and drops those no subscription needs any more. */
  ensureCursors(session: Session): void {
    const needed = new Set<string>();
    let made = false;
    for (const { filter } of session.subscriptions.values()) {
      if (filter.startsWith("$share/")) continue;
      for (const topic of logTopicsFor(this.#d.routes, filter)) {
        const partitions = this.#d.logTopics.get(topic) ?? 0;
        for (let p = 0; p < partitions; p++) {
          const key = cursorKey(topic, p);
          needed.add(key);
          if (!session.cursors.has(key)) {
            this.#cursor(session, topic, p, this.#d.tail.position(key) ?? this.#d.log.partitionState(topic, p).lastStableOffset);
            made = true;
          }
        }
      }
    }
    const inflight = new Set<PartitionCursor>();
    for (const item of session.inflight.values()) if (item.cursor) inflight.add(item.cursor);
    const log = session.logInflight;
    log?.forEach((id) => inflight.add(log.cursorOf(id)));
    for (const [key, cursor] of session.cursors) if (!needed.has(key) && !inflight.has(cursor)) session.cursors.delete(key);
    if (made && session.persistent && !this.#closing) {
      for (const cursor of session.cursors.values()) if (cursor.reserving <= cursor.reserved) cursor.reserving = this.#position(session, cursor) + reserveAheadOffsets;
      this.store.storeNow(session).catch(() => undefined); // failures are logged by track
    }
  }

  #cursor(session: Session, topic: string, partition: number, next: number): PartitionCursor {
    const cursor: PartitionCursor = { key: cursorKey(topic, partition), topic, partition, next, reserved: next, reserving: next, dupBelow: 0, pending: undefined };
    session.cursors.set(cursor.key, cursor);
    return cursor;
  }

  /** Where the session is in `cursor`'s partition: sent (or skipped) up to here. */
  #position(session: Session, cursor: PartitionCursor): number {
    return session.live ? (this.#d.tail.position(cursor.key) ?? cursor.next) : cursor.next;
  }

  /** The tail offers a live session the record at `offset` of partition `key`. */
  offer(session: Session, r: LogRecord, match: Match, key: string, offset: number): void {
    const c = session.connection;
    if (!c) return this.fallBehind(session); // not expected: a live session has a connection
    let cursor = session.cursors.get(key);
    if (!cursor) {
      const [topic, partition] = key.split("\u0000");
      cursor = this.#cursor(session, topic, Number(partition), offset); // a partition added since
    }
    const qos = Math.min(r.qos, match.qos) as QoS;
    if (!this.#hasRoom(session, c, cursor, qos, offset)) return this.fallBehind(session, key, offset);
    this.#send(session, c, cursor, r, qos, match, offset);
    if (qos > 0) this.store.changed(session);
  }

  /** Room to send the record at `offset` now; a persistent session also needs it reserved. */
  #hasRoom(session: Session, c: SessionConnection, cursor: PartitionCursor, qos: QoS, offset: number): boolean {
    if (qos === 0) return c.writable;
    if (!session.hasRoom) return false;
    if (!session.persistent) return true;
    return withinReservation(cursor, offset, () => this.store.storeNow(session).catch(() => undefined));
  }

  #send(session: Session, c: SessionConnection, cursor: PartitionCursor, r: LogRecord, qos: QoS, match: Match, offset: number): void {
    // [MQTT-3.3.1-12]/[MQTT-3.3.1-13]: forwarded messages keep retain only with Retain As Published.
    const retain = match.retainAsPublished && r.retain;
    if (r.plain && qos < 2 && sendsPlain(c, match.subscriptionId)) {
      // The common delivery: its bytes straight from the batch, in flight with no object.
      if (qos === 0) this.#d.sendRecord(c, r.batch, r.index, 0, retain, false, 0);
      else session.sendRecordFromLog(cursor, offset, r.batch, r.index, retain, offset < cursor.dupBelow);
      return;
    }
    const item: Outgoing = { message: messageOf(r), qos, retain, subscriptionId: match.subscriptionId, packetId: 0, stage: "publish" };
    if (qos === 0) {
      this.#d.sendPublish(c, item, false);
      return;
    }
    item.cursor = cursor;
    item.offset = offset;
    session.sendFromLog(item, offset < cursor.dupBelow);
  }

  /** The session leaves the tail: its cursors keep its place (`key` at `offset`, the record it
   * could not take; the others where the tail is). */
  fallBehind(session: Session, key?: string, offset?: number): void {
    if (!session.live) return;
    for (const cursor of session.cursors.values()) cursor.next = cursor.key === key ? offset! : (this.#d.tail.position(cursor.key) ?? cursor.next);
    session.live = false;
    this.#d.leave(session);
    this.store.changed(session);
  }

  /** The session went offline: it falls behind, and keeps no decoded batch. */
  offline(session: Session): void {
    this.fallBehind(session);
    for (const cursor of session.cursors.values()) cursor.pending = undefined;
    this.store.changed(session);
  }

  /** A delivery from `cursor`'s partition at `offset` was acknowledged (PUBACK, PUBCOMP). */
  acknowledged(session: Session, cursor: PartitionCursor, offset: number): void {
    const received = cursor.received;
    if (received?.delete(offset) && received.size === 0) cursor.received = undefined;
    this.store.changed(session);
  }

  /** The session has room again (PUBACKs, a drained socket, a stored reservation): it reads on
   * once per turn, after every acknowledgement of the turn is in. */
  catchUp(session: Session): void {
    if (session.live || !session.connection || this.#scheduled.has(session)) return;
    this.#scheduled.add(session);
    setImmediate(() => {
      this.#scheduled.delete(session);
      this.#catchUp(session);
    });
  }

  /** Reads on from the session's cursors while its client has room; joins the tail once every
   * cursor has reached it. */
  #catchUp(session: Session): void {
    const c = session.connection;
    if (!c || session.live || this.#closing) return;
    let budget = catchUpRecordsPerTurn;
    for (;;) {
      let behind = false;
      let moved = false;
      for (const cursor of session.cursors.values()) {
        const end = this.#d.tail.position(cursor.key);
        if (end === undefined || cursor.next >= end) continue;
        behind = true;
        const before = cursor.next;
        const handled = this.#readCursor(session, c, cursor, end, budget);
        if (handled < 0 || session.connection !== c) return; // blocked: an ack, a drain or a reservation resumes it
        budget -= handled;
        if (cursor.next !== before) moved = true;
      }
      if (!behind) {
        session.live = true;
        for (const cursor of session.cursors.values()) cursor.pending = undefined;
        this.#d.join(session);
        return;
      }
      if (budget <= 0) return this.catchUp(session); // more next turn: others get theirs
      if (!moved) {
        // No progress: again once the log's reader has caught up with its commits.
        this.#scheduled.add(session);
        setTimeout(() => {
          this.#scheduled.delete(session);
          this.#catchUp(session);
        }, 1);
        return;
      }
    }
  }

  /** Delivers records of `cursor`'s partition from cursor.next up to `end`; returns how many
   * it handled, or -1 when the client has no room (or went away). */
  #readCursor(session: Session, c: SessionConnection, cursor: PartitionCursor, end: number, budget: number): number {
    let handled = 0;
    while (cursor.next < end && handled < budget) {
      const pending = cursor.pending;
      if (pending && cursor.next < pending.nextOffset) {
        const r = this.#deliverRecords(session, c, cursor, pending, end);
        if (r < 0) return -1;
        handled += r;
        cursor.next = Math.min(pending.nextOffset, end);
        cursor.pending = undefined;
        continue;
      }
      cursor.pending = undefined;
      const { logStartOffset, highWatermark } = this.#d.log.partitionState(cursor.topic, cursor.partition);
      if (cursor.next < logStartOffset) {
        this.#lost(session, cursor, logStartOffset, "deleted from the log before this session received them (storage.maxBytes with overflow drop-oldest, or the topic's retention)", true);
        if (session.connection !== c) return -1;
        continue;
      }
      const lagBytesMax = this.#d.limits.sessionLagBytesMax;
      if (lagBytesMax > 0) {
        // Estimated from the partition's average record size: no per-offset byte index exists.
        const bytesPerRecord = this.#d.log.storedBytes(cursor.topic, cursor.partition) / Math.max(1, highWatermark - logStartOffset);
        const keep = Math.floor(lagBytesMax / Math.max(1, bytesPerRecord));
        if (highWatermark - cursor.next > keep && highWatermark - keep < end) {
          this.#lost(session, cursor, highWatermark - keep, `further behind the log's end than mqtt.limits.sessionLagBytesMax (${lagBytesMax} bytes, estimated)`, false);
          continue;
        }
      }
      const room = c.clientReceiveMax - session.inflightCount;
      const read = readFrom(this.#d.log, cursor, Math.min(readBytesMax, Math.max(readBytesMin, room * readBytesPerRoom)), this.#readBuffer);
      if (read === "again") continue;
      if (read === "gone" || read.batches.length === 0) return handled;
      const filter = new ReadCommittedFilter(read.abortedTransactions);
      const oldestMs = this.#d.limits.sessionLagMsMax > 0 ? Date.now() - this.#d.limits.sessionLagMsMax : -1;
      for (const batch of read.batches) {
        const nextOffset = readNextOffset(batch);
        if (nextOffset <= cursor.next) continue;
        if (readBaseOffset(batch) >= end) return handled; // the tail has not offered it yet
        if (oldestMs >= 0 && readMaxTimestampMs(batch) < oldestMs && filter.visible(batch)) {
          this.#lostBatch(session, cursor, readRecordCount(batch), nextOffset);
          continue;
        }
        if (!filter.visible(batch)) {
          cursor.next = Math.min(nextOffset, end);
          continue;
        }
        const pending: PendingBatch = { cols: decodeBatchColumns(batch), index: 0, nextOffset };
        const r = this.#deliverRecords(session, c, cursor, pending, end);
        if (r < 0) {
          cursor.pending = pending;
          return -1;
        }
        handled += r;
        cursor.next = Math.min(nextOffset, end);
        if (handled >= budget) break;
      }
    }
    return handled;
  }

  /** Sends the batch's records from cursor.next below `end` that match the session's
   * subscriptions; the number of records passed over, or -1 when the client has no room for
   * the next (batch.index stays on it). */
  #deliverRecords(session: Session, c: SessionConnection, cursor: PartitionCursor, batch: PendingBatch, end: number): number {
    return walkBatch(cursor, batch, end, cursor.received, this.#record, (r, offset) => {
      const match = this.#match(session, r.topic, r.origin);
      if (!match) return true;
      const qos = Math.min(r.qos, match.qos) as QoS;
      if (!this.#hasRoom(session, c, cursor, qos, offset)) return false;
      this.#send(session, c, cursor, r, qos, match, offset);
      return true;
    });
  }

  /** The session's best plain subscription for a message on `topic` published by `origin`
   * (shared ones are fanned out by the trie), with every matching subscription identifier
   * [MQTT-3.3.4-3]. */
  #match(session: Session, topic: string, origin: string | undefined): Match | undefined {
    let best: Match | undefined;
    for (const { filter, options } of session.subscriptions.values()) {
      if (filter.startsWith("$share/") || !topicMatches(filter, topic)) continue;
      if (options.noLocal && origin === session.clientId) continue; // [MQTT-3.8.3-3]
      if (!best) {
        best = { qos: options.qos, retainAsPublished: options.retainAsPublished, subscriptionId: options.subscriptionId };
        continue;
      }
      if (options.qos > best.qos) {
        best.qos = options.qos;
        best.retainAsPublished = options.retainAsPublished;
      }
      const id = options.subscriptionId;
      if (id === undefined) continue;
      const ids = best.subscriptionId === undefined ? [] : Array.isArray(best.subscriptionId) ? best.subscriptionId : [best.subscriptionId];
      if (!ids.includes(id)) ids.push(id);
      best.subscriptionId = ids.length === 1 ? ids[0] : ids;
    }
    return best;
  }

  /** Records of `cursor` below `to` are gone before the session got them: counted, logged,
   * and (MQTT 5, `tell`) the client is told in a DISCONNECT. The cursor moves on to `to`. */
  #lost(session: Session, cursor: PartitionCursor, to: number, why: string, tell: boolean): void {
    const count = to - cursor.next;
    const from = cursor.next;
    cursor.next = to;
    cursor.pending = undefined;
    this.store.changed(session);
    this.#d.metrics.sessionMessagesLost.inc(count);
    const what = `${count} records (offsets ${from}..${to - 1}) of log topic ${cursor.topic} partition ${cursor.partition}`;
    this.#d.logger.warn(`MQTT session '${session.clientId}' lost ${what}: ${why}; raise ${tell ? "storage.maxBytes or retention" : "the limit"}, or keep the subscriber closer to the log's end`);
    const c = session.connection;
    if (tell && c && c.protocolVersion === 5) c.disconnect(Reason.quotaExceeded, `messages lost: ${what} were ${why.split(" (")[0]}; the session goes on after them`);
  }

  #lostBatch(session: Session, cursor: PartitionCursor, records: number, nextOffset: number): void {
    const from = cursor.next;
    cursor.next = nextOffset;
    cursor.pending = undefined;
    this.store.changed(session);
    this.#d.metrics.sessionMessagesLost.inc(records);
    this.#d.logger.warn(`MQTT session '${session.clientId}' skipped ${records} records (offsets ${from}..${nextOffset - 1}) of log topic ${cursor.topic} partition ${cursor.partition}: older than mqtt.limits.sessionLagMsMax (${this.#d.limits.sessionLagMsMax} ms); raise it to keep them`);
  }

  /** The stored form of a persistent session's cursors now. */
  #snapshot(session: Session): StoredCursors {
    const lowest = new Map<PartitionCursor, number>();
    const q2: NonNullable<StoredCursors["q2"]> = [];
    for (const item of session.inflight.values()) {
      const cursor = item.cursor;
      if (!cursor) continue;
      const low = lowest.get(cursor);
      if (low === undefined || item.offset! < low) lowest.set(cursor, item.offset!);
      if (item.stage === "pubrel") q2.push([item.packetId, cursor.topic, cursor.partition, item.offset!]);
    }
    session.logInflight?.lowestOffsets(lowest);
    const c: StoredCursors["c"] = [];
    for (const cursor of session.cursors.values()) {
      const position = this.#position(session, cursor);
      // At shutdown the exact position: a clean restart resends only the unacknowledged with DUP.
      const reserved = this.#closing ? position : Math.max(cursor.reserved, cursor.reserving);
      c.push([cursor.topic, cursor.partition, lowest.get(cursor) ?? position, reserved]);
    }
    return q2.length > 0 ? { c, q2 } : { c };
  }

  /** Snapshots are durable: reservations in them take effect, and sessions waiting on one go on. */
  #stored(sessions: Session[], written: StoredCursors[]): void {
    this.#d.metrics.sessionCursorWrites.inc();
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i];
      let grew = false;
      for (const [topic, partition, , reserved] of written[i].c) {
        const cursor = session.cursors.get(cursorKey(topic, partition));
        if (cursor && reserved > cursor.reserved) {
          cursor.reserved = reserved;
          grew = true;
        }
      }
      if (grew && !session.live) session.pump();
    }
  }

  /** A persistent session loaded at start-up: its cursors where the client had acknowledged,
   * and the QoS 2 deliveries it holds (PUBREL is sent again on reconnect). */
  restore(session: Session, stored: StoredCursors | undefined): void {
    if (stored) {
      for (const [topic, partition, acked, reserved] of stored.c) {
        const cursor = this.#cursor(session, topic, partition, acked);
        cursor.dupBelow = reserved;
      }
      for (const [packetId, topic, partition, offset] of stored.q2 ?? []) {
        const cursor = session.cursors.get(cursorKey(topic, partition));
        if (!cursor) continue;
        const message: BrokerMessage = { topic: "", payload: Buffer.alloc(0), qos: 2, retain: false };
        session.restoreReceived({ message, qos: 2, retain: false, packetId, stage: "pubrel", cursor, offset });
        (cursor.received ??= new Set()).add(offset);
      }
    }
    this.ensureCursors(session);
  }

  /** Retention keeps what persistent sessions and share groups have not acknowledged: per
   * partition the lowest first unacknowledged offset over them (holder "mqtt-sessions"). */
  protect(): void {
    if (this.#closing) return;
    const lowest = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const snapshot of this.#held()) {
      for (const [topic, partition, acked] of snapshot.c) {
        const key = cursorKey(topic, partition);
        const prev = lowest.get(key);
        if (!prev || acked < prev.offset) lowest.set(key, { topic, partition, offset: acked });
      }
    }
    for (const [key, was] of this.#protected) {
      if (lowest.has(key)) continue;
      this.#protected.delete(key);
      const [topic, partition] = key.split("\u0000");
      this.#setProtected(topic, Number(partition), -1);
      void was;
    }
    for (const [key, { topic, partition, offset }] of lowest) {
      if (this.#protected.get(key) === offset) continue;
      this.#protected.set(key, offset);
      this.#setProtected(topic, partition, offset);
    }
  }

  *#held(): Iterable<StoredCursors> {
    for (const session of this.#d.sessions()) if (session.persistent && session.cursors.size > 0) yield this.#snapshot(session);
    yield* this.#d.held();
  }

  #setProtected(topic: string, partition: number, offset: number): void {
    this.#d.track(this.#d.log.setProtectedOffset(topic, partition, offset, protectionHolder).catch((err: Error) => {
      if ((err as { code?: string }).code === "LEDGE_ERR_UNKNOWN_TOPIC") return;
      throw err;
    }));
  }

  /** Shutdown (after every client is disconnected): the exact positions are stored. */
  close(): void {
    clearInterval(this.#protectTimer);
    this.#closing = true;
    for (const session of this.#d.sessions()) this.store.changed(session);
    this.store.close();
  }
}
