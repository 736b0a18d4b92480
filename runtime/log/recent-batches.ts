// The newest committed batches of every partition, kept in memory, so readers at the tail (MQTT
// subscribers, the bridge, pipelines, Kafka consumers) are served without LMDB. Reading through
// LMDB's map makes every page read resident in this process: at 10,000 msgs/s the tail readers'
// reads grew ledge's RSS by ~21 MiB in 20 s (bench footprint: peak 171 -> 150 MiB served from
// here). And a read from here costs no cursor.
//
// Holds only what is committed and durable: batches are added in the turn their commit is
// published, before the high watermark moves. A partition's entries are contiguous and end at its
// high watermark, or that partition is not served from here (read.ts falls back to LMDB).
// Bounded in bytes; the oldest batches leave first. The batches sit one after another in a ring
// of that many bytes, allocated once: a Buffer of its own per batch (~13 KB each at the footprint
// bench's load, 3 MB/s of them living ~1 s) left glibc's heap fragmented around the long-lived
// ones, and the cache cost about twice its bytes in RSS.
import type { Partition } from "./partition.ts";
import { readNextOffset } from "../core/index.ts";
import type { ReadResult } from "./types.ts";
import { placeBatch } from "./read-result.ts";

/** Counts the reads served from here, and those that went to LMDB instead. */
export interface RecentReads {
  memory: { inc(): void };
  lmdb: { inc(): void };
}

/** What the cache holds across all partitions. */
export const RECENT_BYTES_MAX = 4 * 2 ** 20;
/** A larger batch is not kept (its partition reads from LMDB until newer batches refill it). */
export const RECENT_BATCH_BYTES_MAX = 256 * 2 ** 10;

interface Recent {
  p: Partition;
  baseOffset: number;
  nextOffset: number;
  /** A view of the ring, valid while the entry is held. */
  bytes: Uint8Array;
  /** Where `bytes` starts in the ring. */
  at: number;
}

/** A partition's entries in offset order; those before `first` have left. */
interface Tail {
  entries: Recent[];
  first: number;
}

/** A batch a transaction stores: a copy of its bytes (the caller may reuse its buffer before the
 * commit is published), or null when too large to keep. */
export interface StagedBatch {
  p: Partition;
  baseOffset: number;
  bytes: Uint8Array | null;
}

export class RecentBatches {
  readonly #bytesMax: number;
  #bytes = 0;
  /** Entries in the order added, laid out in this order and wrapping to 0 when the next one does
   * not fit before the end; allocated with the first entry. */
  #ring: Uint8Array | null = null;
  /** Where the next entry goes (before wrapping). */
  #ringEnd = 0;
  /** Every entry in the order added: eviction order (per partition it is offset order). */
  #order: Recent[] = [];
  #head = 0;
  readonly #tails = new Map<Partition, Tail>();
  readonly #reads: RecentReads;

  constructor(reads: RecentReads, bytesMax = RECENT_BYTES_MAX) {
    this.#reads = reads;
    this.#bytesMax = bytesMax;
  }

  /** What Txn.putBatch keeps of a batch until its commit is published. */
  stage(p: Partition, baseOffset: number, bytes: Uint8Array): StagedBatch {
    if (bytes.byteLength > Math.min(RECENT_BATCH_BYTES_MAX, this.#bytesMax)) return { p, baseOffset, bytes: null };
    // Its own ArrayBuffer (a slice of Node's shared pool would keep the whole slab alive), not
    // zero-filled first: it is overwritten at once.
    const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
    copy.set(bytes);
    return { p, baseOffset, bytes: copy };
  }

  /** A transaction is durable: what it removed leaves, what it stored joins. */
  published(puts: readonly StagedBatch[], removedFrom: ReadonlyMap<Partition, number>): void {
    // Removing a batch the cache holds (retention reaching the tail, compaction) drops the
    // partition's entries: rarer than appends, and never wrong.
    for (const [p, lowestBaseOffset] of removedFrom) {
      const t = this.#tails.get(p);
      if (t && t.first < t.entries.length && lowestBaseOffset >= t.entries[t.first].baseOffset) this.forget(p);
    }
    for (const s of puts) this.#add(s);
  }

  /** Stops serving a partition's entries (its topic was deleted, or they may no longer match
   * LMDB). They stay counted until they are pushed out, so what is held never passes the bound
   * however often partitions are forgotten. */
  forget(p: Partition): void {
    this.#tails.delete(p);
  }

  /** Bytes held: every entry not yet pushed out, a forgotten partition's too. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Batches held, as `bytes` counts them. */
  get count(): number {
    return this.#order.length - this.#head;
  }

  /**
   * readBatches from memory: whole batches from the one holding `offset`, none at or past
   * endOffset, placed as every read places them (read-result.ts), as copies.
   * False when this partition's tail from `offset` is not all here.
   */
  collect(p: Partition, offset: number, endOffset: number, maxBytes: number, into: Uint8Array | undefined, out: ReadResult): boolean {
    const from = this.#from(p, offset);
    if (!from) return false;
    const { entries, i } = from;
    for (let k = i; k < entries.length && entries[k].baseOffset < endOffset; k++) {
      if (!placeBatch(out, entries[k].bytes, maxBytes, into, false)) break;
    }
    return true;
  }

  /** visitBatches from memory; false when this partition's tail from `offset` is not all here. */
  visit(p: Partition, offset: number, endOffset: number, visit: (batch: Uint8Array) => boolean): boolean {
    const from = this.#from(p, offset);
    if (!from) return false;
    const { entries, i } = from;
    for (let k = i; k < entries.length && entries[k].baseOffset < endOffset; k++) {
      if (!visit(entries[k].bytes)) break;
    }
    return true;
  }

  /** The entries from the one holding `offset` (a read from memory), or null (a read from LMDB). */
  #from(p: Partition, offset: number): { entries: Recent[]; i: number } | null {
    const t = this.#tails.get(p);
    const i = t ? this.#holding(p, t, offset) : -1;
    if (i < 0) {
      this.#reads.lmdb.inc();
      return null;
    }
    this.#reads.memory.inc();
    return { entries: t!.entries, i };
  }

  /** The index of the entry holding `offset` (entries.length past the last), or -1 when the
   * entries do not cover `offset` up to the high watermark. */
  #holding(p: Partition, t: Tail, offset: number): number {
    const { entries } = t;
    if (t.first >= entries.length || entries[entries.length - 1].nextOffset !== p.highWatermark) return -1;
    if (offset < entries[t.first].baseOffset) return -1;
    if (offset >= p.highWatermark) return entries.length;
    let lo = t.first;
    let hi = entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (entries[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #add(s: StagedBatch): void {
    const t = this.#tails.get(s.p);
    if (s.bytes === null) return this.forget(s.p);
    if (t && t.first < t.entries.length && t.entries[t.entries.length - 1].nextOffset !== s.baseOffset) this.forget(s.p);
    const tail = this.#tails.get(s.p) ?? { entries: [], first: 0 };
    this.#tails.set(s.p, tail);
    const at = this.#place(s.bytes.byteLength);
    const bytes = this.#ring!.subarray(at, at + s.bytes.byteLength);
    bytes.set(s.bytes);
    const entry: Recent = { p: s.p, baseOffset: s.baseOffset, nextOffset: readNextOffset(bytes), bytes, at };
    tail.entries.push(entry);
    this.#order.push(entry);
    this.#bytes += bytes.byteLength;
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Makes room for `length` bytes after the newest entry, or at the ring's start when they do not
   * fit before its end, by evicting the oldest entries that lie there; returns where they go. */
  #place(length: number): number {
    // Not zero-filled: every byte is written before it is read.
    this.#ring ??= Buffer.allocUnsafeSlow(this.#bytesMax);
    let at = this.#ringEnd;
    if (at + length > this.#bytesMax) {
      // The entries from here to the end are the oldest (the layout wraps in insertion order).
      while (this.count > 0 && this.#order[this.#head].at >= at) this.#evictOldest();
      at = 0;
    }
    while (this.count > 0 && this.#overlaps(this.#order[this.#head], at, length)) this.#evictOldest();
    this.#ringEnd = at + length;
    return at;
  }

  #overlaps(e: Recent, at: number, length: number): boolean {
    return e.at < at + length && at < e.at + e.bytes.byteLength;
  }

  #evictOldest(): void {
    const e = this.#order[this.#head];
    this.#order[this.#head++] = undefined as unknown as Recent;
    this.#bytes -= e.bytes.byteLength;
    const t = this.#tails.get(e.p);
    if (!t || t.entries[t.first] !== e) return; // its partition was forgotten
    t.entries[t.first++] = undefined as unknown as Recent;
    if (t.first === t.entries.length) this.#tails.delete(e.p);
    else if (t.first > 1024 && t.first * 2 > t.entries.length) {
      t.entries = t.entries.slice(t.first);
      t.first = 0;
    }
  }
}
