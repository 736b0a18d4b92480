// The append path: a batch comes in (validated once, or on runtime/core's proof, see
// stored-batch.ts), waits in the commit queue, and is placed inside a transaction: idempotent
// producer check, storage cap, offsets assigned in the batch itself, the sparse time index.
//
// Kafka transactions: a transactional batch opens (or extends) its producer's transaction on the
// partition, and a COMMIT/ABORT marker (a control batch only the log writes, appendMarker)
// closes it, in the same LMDB transaction as the data (partition-txns.ts holds that state).
import { ControlType, encodeBatch, readBatchHeader, readControlType, type BatchHeader, type EncodedBatch } from "../core/index.ts";
import type { AppendGroup, GroupCommit, PendingAppend, Placed } from "./commit-queue.ts";
import type { LogContext } from "./context.ts";
import { LogError } from "./errors.ts";
import type { Maintenance } from "./maintenance.ts";
import { metaKeys, type Partition } from "./partition.ts";
import { controlRecord, openTxnOf } from "./partition-txns.ts";
import { checkSequence, lastSequence, withBatch, type ProducerEntry } from "./producer-state.ts";
import type { StorageCap } from "./storage-cap.ts";
import { assignOffsets, encodedBatchHeader, validateForeignBatch } from "./stored-batch.ts";
import { keysRequired } from "./topic-config.ts";
import type { Txn } from "./txn.ts";
import type { AppendResult, TxnMarker } from "./types.ts";

/** Bytes between sparse time-index entries of a partition. */
const TIME_INDEX_INTERVAL_BYTES = 64 * 1024;

export class AppendPath {
  readonly #ctx: LogContext;
  readonly #commit: GroupCommit;
  readonly #cap: StorageCap;
  readonly #maintenance: Maintenance;

  constructor(ctx: LogContext, commit: GroupCommit, cap: StorageCap, maintenance: Maintenance) {
    this.#ctx = ctx;
    this.#commit = commit;
    this.#cap = cap;
    this.#maintenance = maintenance;
  }

  /** A foreign batch (a Kafka producer's): validated once, then queued. */
  async append(topic: string, partition: number, batch: Uint8Array): Promise<AppendResult> {
    this.#ctx.checkOpen();
    const p = this.#ctx.partition(topic, partition);
    this.#checkSize(p, batch);
    return this.#enqueue(p, batch, validateForeignBatch(batch, `${topic}/${partition}`, keysRequired(p.topic.settings)));
  }

  /** A batch runtime/core encoded: its header is read, nothing walked again. */
  async appendEncoded(topic: string, partition: number, batch: EncodedBatch): Promise<AppendResult> {
    this.#ctx.checkOpen();
    const p = this.#ctx.partition(topic, partition);
    this.#checkSize(p, batch);
    return this.#enqueue(p, batch, encodedBatchHeader(batch, `${topic}/${partition}`, keysRequired(p.topic.settings)));
  }

  /**
   * Writes a transaction's COMMIT or ABORT marker (Kafka's control batch) for `producerId` into
   * one partition; resolves once durable. The transaction coordinator calls it for every
   * partition a transaction touched, in one event turn, so the markers share a commit.
   */
  appendMarker(topic: string, partition: number, marker: TxnMarker): Promise<AppendResult> {
    this.#ctx.checkOpen();
    const p = this.#ctx.partition(topic, partition);
    const { key, value } = controlRecord(marker.commit ? ControlType.commit : ControlType.abort, marker.coordinatorEpoch);
    const batch = encodeBatch([{ key, value, timestampMs: Date.now() }], {
      producerId: marker.producerId, producerEpoch: marker.producerEpoch, transactional: true, control: true,
    });
    return this.#enqueue(p, batch, readBatchHeader(batch));
  }

  /**
   * Appends runtime/core-encoded batches (none is fine) and writes the meta value `meta` in ONE
   * LMDB transaction: after a crash either all of them are stored or none. Resolves once durable.
   * The batches must be plain (no producer id, not transactional, not control).
   */
  async appendGroup(batches: Array<{ topic: string; partition: number; batch: EncodedBatch }>, meta: { key: string; value: unknown }): Promise<void> {
    this.#ctx.checkOpen();
    const parts = batches.map(({ topic, partition, batch }) => {
      const p = this.#ctx.partition(topic, partition);
      this.#checkSize(p, batch);
      const header = encodedBatchHeader(batch, `${topic}/${partition}`, keysRequired(p.topic.settings));
      if (header.producerId >= 0 || header.transactional || header.control) throw new RangeError(`a grouped append to ${topic}/${partition} must be a plain batch (no producer id, not transactional) (a ledge bug)`);
      return { partition: p, bytes: batch as Uint8Array, header };
    });
    if (parts.length === 0) {
      await this.#ctx.durable(this.#ctx.tables.meta.put(meta.key, meta.value), `writing ${meta.key}`);
      return;
    }
    const group: AppendGroup = { more: parts.slice(1), meta, byteLength: parts.reduce((n, x) => n + x.bytes.byteLength, 0) };
    await new Promise<AppendResult>((resolve, reject) => {
      this.#commit.enqueue({ ...parts[0], resolve, reject, group }).catch(reject);
    });
  }

  /** Places every batch of a group and its meta value, or throws before staging any of them. */
  #placeGroup(txn: Txn, item: PendingAppend, group: AppendGroup): Placed {
    const parts = [item, ...group.more];
    for (const x of parts) {
      if (x.partition.topic.deleted) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${x.partition.topic.name}' was deleted before a grouped append committed`);
    }
    this.#cap.reserve(txn, group.byteLength, `${parts.length} batches of a grouped append`);
    let first = -1;
    for (const x of parts) {
      const p = x.partition;
      const baseOffset = p.nextOffset;
      if (first < 0) first = baseOffset;
      assignOffsets(x.bytes, baseOffset);
      txn.putBatch(p, baseOffset, x.bytes);
      p.nextOffset = baseOffset + x.header.lastOffsetDelta + 1;
      this.#index(txn, p, baseOffset, x.header.maxTimestampMs, x.bytes.byteLength);
      this.#ctx.counters.appends.inc();
      this.#countRecordsIn(p, x.header.recordCount);
      this.#ctx.counters.bytesIn.inc(x.bytes.byteLength);
      this.#maintenance.noteAppended(x.bytes.byteLength);
    }
    txn.putMeta(group.meta.key, group.meta.value);
    return { baseOffset: first, duplicate: false };
  }

  #countRecordsIn(p: Partition, records: number): void {
    const counter = this.#ctx.counters.recordsIn;
    counter.inc(records);
    (p.recordsIn ??= counter.with({ topic: p.topic.name, partition: String(p.index) })).inc(records);
  }

  #checkSize(p: Partition, batch: Uint8Array): void {
    const maxBytes = p.topic.settings.maxMessageBytes;
    if (batch.byteLength > maxBytes) {
      throw new LogError("LEDGE_ERR_MESSAGE_TOO_LARGE", `record batch of ${batch.byteLength} bytes for ${p.topic.name}/${p.index} is over max.message.bytes ${maxBytes}`);
    }
  }

  #enqueue(p: Partition, bytes: Uint8Array, header: BatchHeader): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.#commit.enqueue({ partition: p, bytes, header, resolve, reject }).catch(reject);
    });
  }

  /** The commit queue's step for each append, inside the transaction. */
  place(txn: Txn, item: PendingAppend): Placed {
    if (item.group) return this.#placeGroup(txn, item, item.group);
    const p = item.partition;
    const h = item.header;
    const where = `${p.topic.name}/${p.index}`;
    if (p.topic.deleted) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${p.topic.name}' was deleted before the append committed`);
    if (h.control) return this.#placeMarker(txn, p, h, item.bytes);
    let producer: ProducerEntry | undefined;
    let lastSeq = -1;
    if (h.producerId >= 0) {
      producer = this.#producer(p, h.producerId);
      lastSeq = lastSequence(h.baseSequence, h.lastOffsetDelta);
      const verdict = checkSequence(producer, h.producerEpoch, h.baseSequence, lastSeq, `producer ${h.producerId} on ${where}`);
      if (verdict.duplicateOf >= 0) {
        this.#ctx.counters.duplicates.inc();
        return { baseOffset: verdict.duplicateOf, duplicate: true };
      }
    }
    const bytes = item.bytes.byteLength;
    this.#cap.reserve(txn, bytes, where);
    const baseOffset = p.nextOffset;
    assignOffsets(item.bytes, baseOffset);
    txn.putBatch(p, baseOffset, item.bytes);
    p.nextOffset = baseOffset + h.lastOffsetDelta + 1;
    if (h.producerId >= 0) txn.setProducer(p, h.producerId, withBatch(producer, h.producerEpoch, { firstSeq: h.baseSequence, lastSeq, baseOffset }));
    if (h.transactional && !openTxnOf(p.open, h.producerId)) {
      txn.touch(p);
      p.open = [...p.open, { producerId: h.producerId, firstOffset: baseOffset, closedAt: -1 }];
    }
    this.#index(txn, p, baseOffset, h.maxTimestampMs, bytes);
    const counters = this.#ctx.counters;
    counters.appends.inc();
    this.#countRecordsIn(p, h.recordCount);
    counters.bytesIn.inc(bytes);
    this.#maintenance.noteAppended(bytes);
    return { baseOffset, duplicate: false };
  }

  /** A marker closes its producer's open transaction here; an abort is remembered for readers. */
  #placeMarker(txn: Txn, p: Partition, h: BatchHeader, bytes: Uint8Array): Placed {
    this.#cap.reserve(txn, bytes.byteLength, `${p.topic.name}/${p.index}`);
    const offset = p.nextOffset;
    assignOffsets(bytes, offset);
    txn.putBatch(p, offset, bytes);
    p.nextOffset = offset + 1;
    // A marker at a newer epoch (an abort on timeout or re-initialisation) fences the producer's
    // older epoch here too: its late batches get INVALID_PRODUCER_EPOCH from the sequence check.
    const producer = this.#producer(p, h.producerId);
    if (!producer || h.producerEpoch > producer.epoch) txn.setProducer(p, h.producerId, { epoch: h.producerEpoch, batches: [] });
    const open = openTxnOf(p.open, h.producerId);
    if (open) {
      p.open = p.open.map((t) => (t === open ? { ...t, closedAt: offset } : t));
      if (readControlType(bytes) === ControlType.abort) txn.putAborted(p, { producerId: h.producerId, firstOffset: open.firstOffset, lastOffset: offset });
    }
    this.#index(txn, p, offset, h.maxTimestampMs, bytes.byteLength);
    this.#ctx.counters.appends.inc();
    return { baseOffset: offset, duplicate: false };
  }

  #index(txn: Txn, p: Partition, baseOffset: number, maxTimestampMs: number, bytes: number): void {
    p.indexedMaxTimestampMs = Math.max(p.indexedMaxTimestampMs, maxTimestampMs);
    p.indexBytesPending += bytes;
    if (p.indexBytesPending >= TIME_INDEX_INTERVAL_BYTES) {
      txn.putTimeEntry(p, p.indexedMaxTimestampMs, baseOffset);
      p.indexBytesPending = 0;
    }
  }

  #producer(p: Partition, producerId: number): ProducerEntry | undefined {
    let entry = p.producers.get(producerId);
    if (!entry) {
      entry = this.#ctx.tables.meta.get(metaKeys.producer(p.topic.id, p.index, producerId)) as ProducerEntry | undefined;
      if (entry) p.producers.set(producerId, entry);
    }
    return entry;
  }
}
