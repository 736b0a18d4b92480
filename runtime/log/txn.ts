// One LMDB write transaction of the log: the appends of a commit window plus the deletions
// retention or the storage cap decided, and the partition/producer state they change. Every
// operation is issued in one synchronous run, which lmdb-js commits as one transaction
// (eventTurnBatching); if the commit fails, rollback() restores the in-memory state.
// Transactions may be issued while earlier ones still commit: see issue() and commit-queue.ts.
import assert from "node:assert/strict";
import { batchKey, timeKey, timeKeyParts } from "./keys.ts";
import { metaKeys, persisted, type Partition, type PersistedPartition } from "./partition.ts";
import type { ProducerEntry } from "./producer-state.ts";
import { abortedKey, type AbortedTxn, type OpenTxn } from "./partition-txns.ts";
import { COMMIT_SEQ_KEY, type LogTables } from "./lmdb-env.ts";
import type { RecentBatches, StagedBatch } from "./recent-batches.ts";

/** Total stored batch bytes across partitions, checked against storage.maxBytes. */
export interface StorageAccount {
  totalBytes: number;
}

const EMPTY = Buffer.alloc(0);

export class Txn {
  readonly #tables: LogTables;
  readonly #account: StorageAccount;
  readonly #before = new Map<Partition, PersistedPartition & { open: OpenTxn[]; aborted: AbortedTxn[] }>();
  readonly #metaPuts: Array<{ key: string; value: unknown }> = [];
  readonly #metaRemoves: string[] = [];
  readonly #producersBefore: Array<{ p: Partition; producerId: number; entry: ProducerEntry | undefined }> = [];
  readonly #removes: Array<{ table: "batches" | "times"; key: Buffer }> = [];
  readonly #puts: Array<{ table: "batches" | "times"; key: Buffer; value: Buffer }> = [];
  readonly #producerPuts = new Map<string, ProducerEntry>();
  readonly #accountBefore: number;
  readonly #recent: RecentBatches;
  readonly #recentPuts: StagedBatch[] = [];
  /** The lowest base offset removed from each partition. */
  readonly #removedFrom = new Map<Partition, number>();

  constructor(tables: LogTables, account: StorageAccount, recent: RecentBatches) {
    this.#tables = tables;
    this.#account = account;
    this.#accountBefore = account.totalBytes;
    this.#recent = recent;
  }

  get isEmpty(): boolean {
    return this.#before.size === 0 && this.#producerPuts.size === 0 && this.#metaPuts.length === 0;
  }

  touch(p: Partition): void {
    // open and aborted are replaced, never mutated in place, so keeping the arrays is a snapshot.
    if (!this.#before.has(p)) this.#before.set(p, { ...persisted(p), open: p.open, aborted: p.aborted });
  }

  /** Records that a transaction on `p` aborted: read_committed readers filter its data. */
  putAborted(p: Partition, entry: AbortedTxn): void {
    this.touch(p);
    p.aborted = [...p.aborted, entry];
    this.#metaPuts.push({ key: abortedKey(p.topic.id, p.index, entry.lastOffset), value: [entry.producerId, entry.firstOffset] });
  }

  /** Forgets aborted transactions whose marker is below the log start (retention removed them). */
  pruneAborted(p: Partition): void {
    let n = 0;
    while (n < p.aborted.length && p.aborted[n].lastOffset < p.logStartOffset) n++;
    if (n === 0) return;
    this.touch(p);
    for (const a of p.aborted.slice(0, n)) this.#metaRemoves.push(abortedKey(p.topic.id, p.index, a.lastOffset));
    p.aborted = p.aborted.slice(n);
  }

  /** A meta value written in this transaction (a pipeline checkpoint beside its output batches). */
  putMeta(key: string, value: unknown): void {
    this.#metaPuts.push({ key, value });
  }

  putBatch(p: Partition, baseOffset: number, bytes: Uint8Array): void {
    this.touch(p);
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#puts.push({ table: "batches", key: batchKey(p.topic.id, p.index, baseOffset), value });
    this.#recentPuts.push(this.#recent.stage(p, baseOffset, bytes));
    p.bytes += bytes.byteLength;
    this.#account.totalBytes += bytes.byteLength;
  }

  /** Removes a stored batch; the caller moves logStartOffset. */
  removeBatch(p: Partition, baseOffset: number, byteLength: number): void {
    this.touch(p);
    this.#removes.push({ table: "batches", key: batchKey(p.topic.id, p.index, baseOffset) });
    this.#removedFrom.set(p, Math.min(baseOffset, this.#removedFrom.get(p) ?? baseOffset));
    p.bytes -= byteLength;
    this.#account.totalBytes -= byteLength;
    assert.ok(p.bytes >= 0, "partition byte count went negative: a batch was removed twice");
  }

  putTimeEntry(p: Partition, maxTimestampMs: number, baseOffset: number): void {
    this.touch(p);
    this.#puts.push({ table: "times", key: timeKey(p.topic.id, p.index, maxTimestampMs, baseOffset), value: EMPTY });
  }

  removeTimeEntry(p: Partition, key: Buffer): void {
    this.touch(p);
    assert.ok(timeKeyParts(key).baseOffset < p.logStartOffset, "only time entries below log start are removed");
    this.#removes.push({ table: "times", key });
  }

  setProducer(p: Partition, producerId: number, entry: ProducerEntry): void {
    this.touch(p);
    this.#producersBefore.push({ p, producerId, entry: p.producers.get(producerId) });
    p.producers.set(producerId, entry);
    this.#producerPuts.set(metaKeys.producer(p.topic.id, p.index, producerId), entry);
  }

  /**
   * Issues every operation now, in this event turn, as one LMDB transaction. With `seqBefore`
   * (transactions may overlap, see commit-queue.ts) it is a block that LMDB applies only if the
   * commit-sequence entry still holds that version (0: no entry yet, unconditional) and that
   * moves it to `seqBefore + 1`; with null (one transaction at a time) there is no condition and
   * no entry to write. Resolves true once committed, false when the condition failed (a
   * transaction before it did not commit), rejects when the commit itself failed.
   */
  issue(seqBefore: number | null): Promise<boolean> {
    if (seqBefore === null || seqBefore === 0) return this.#issueWrites(seqBefore).then(() => true);
    return this.#tables.commits.ifVersion(COMMIT_SEQ_KEY, seqBefore, () => this.#issueWrites(seqBefore));
  }

  /** Returns the promise of the last write (they all settle with the one transaction). */
  #issueWrites(seqBefore: number | null): Promise<unknown> {
    const { batches, times, meta, commits } = this.#tables;
    const issued: Array<Promise<unknown>> = [];
    for (const r of this.#removes) issued.push((r.table === "batches" ? batches : times).remove(r.key));
    for (const w of this.#puts) issued.push((w.table === "batches" ? batches : times).put(w.key, w.value));
    for (const [key, entry] of this.#producerPuts) issued.push(meta.put(key, entry));
    for (const key of this.#metaRemoves) issued.push(meta.remove(key));
    for (const { key, value } of this.#metaPuts) issued.push(meta.put(key, value));
    for (const p of this.#before.keys()) {
      if (!p.topic.deleted) issued.push(meta.put(metaKeys.partition(p.topic.id, p.index), persisted(p)));
    }
    if (seqBefore !== null) issued.push(commits.put(COMMIT_SEQ_KEY, EMPTY, seqBefore + 1));
    // The caller watches the outcome through the last write; the others must not go unhandled.
    for (const w of issued) if (w && typeof w.catch === "function") w.catch(() => undefined);
    return issued[issued.length - 1] ?? Promise.resolve();
  }

  /** Restores the in-memory state this transaction changed (the commit failed). */
  rollback(): void {
    // The protected offset is the bridge's, set outside transactions: keep its latest value.
    for (const [p, { openTxns: _, ...s }] of this.#before) Object.assign(p, { ...s, protectedOffset: p.protectedOffset });
    for (const { p, producerId, entry } of this.#producersBefore.reverse()) {
      if (entry) p.producers.set(producerId, entry);
      else p.producers.delete(producerId);
    }
    this.#account.totalBytes = this.#accountBefore;
  }

  /** Durable now: the batches it stored join the recent ones (before high watermarks move). */
  published(): void {
    this.#recent.published(this.#recentPuts, this.#removedFrom);
  }

  touched(): IterableIterator<Partition> {
    return this.#before.keys();
  }
}
