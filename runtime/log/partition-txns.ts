// A partition's Kafka transactions as the log keeps them (Kafka's ProducerStateManager and
// transaction index): the transactions still open on it (producer id, first offset), the last
// stable offset they hold back, and the aborted ones a read_committed reader must filter.
// Open transactions are persisted in the partition's meta record, aborted ones as one meta entry
// each (`x/<topicId>/<partition>/<lastOffset>`), both in the LMDB transaction of the batch or
// marker that changed them, so a restart or a read_committed fetch needs no scan.

/** A transaction open on a partition. `closedAt` is its marker's offset once one is placed. */
export interface OpenTxn {
  producerId: number;
  firstOffset: number;
  /** -1 while open; the marker's offset once placed (it counts as closed once that is durable). */
  closedAt: number;
}

/** An aborted transaction: its data lies in [firstOffset, lastOffset] (lastOffset: the marker). */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

/** Persisted form of the open transactions: [producerId, firstOffset] pairs. */
export type PersistedOpenTxns = Array<[number, number]>;

export function loadOpenTxns(stored: PersistedOpenTxns | undefined): OpenTxn[] {
  return (stored ?? []).map(([producerId, firstOffset]) => ({ producerId, firstOffset, closedAt: -1 }));
}

/** What the next commit persists: transactions without a placed marker. */
export function persistOpenTxns(open: readonly OpenTxn[]): PersistedOpenTxns | undefined {
  const out: PersistedOpenTxns = [];
  for (const t of open) if (t.closedAt < 0) out.push([t.producerId, t.firstOffset]);
  return out.length > 0 ? out : undefined;
}

/** The open transaction of `producerId` on this partition (not yet given a marker), if any. */
export function openTxnOf(open: readonly OpenTxn[], producerId: number): OpenTxn | undefined {
  for (const t of open) if (t.producerId === producerId && t.closedAt < 0) return t;
  return undefined;
}

/**
 * The last stable offset: below it every transaction is decided. A transaction stops holding it
 * back once its marker is below the high watermark (durable), not when the marker is placed.
 */
export function lastStableOffset(open: readonly OpenTxn[], highWatermark: number): number {
  let lso = highWatermark;
  for (const t of open) {
    if (t.closedAt >= 0 && t.closedAt < highWatermark) continue;
    if (t.firstOffset < lso) lso = t.firstOffset;
  }
  return lso;
}

/** Drops transactions whose markers are durable (below the high watermark); same array if none. */
export function settleOpenTxns(open: OpenTxn[], highWatermark: number): OpenTxn[] {
  if (!open.some((t) => t.closedAt >= 0 && t.closedAt < highWatermark)) return open;
  return open.filter((t) => t.closedAt < 0 || t.closedAt >= highWatermark);
}

/**
 * The aborted transactions a read of [fromOffset, endOffset) must know of: those whose data
 * overlaps the range (Kafka's FetchResponse.AbortedTransactions). `aborted` is in marker order.
 */
export function abortedInRange(aborted: readonly AbortedTxn[], fromOffset: number, endOffset: number): Array<{ producerId: number; firstOffset: number }> {
  const out: Array<{ producerId: number; firstOffset: number }> = [];
  // Markers come in offset order: skip those that ended before the range by binary search.
  let lo = 0;
  let hi = aborted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (aborted[mid].lastOffset < fromOffset) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < aborted.length; i++) {
    const a = aborted[i];
    if (a.firstOffset < endOffset) out.push({ producerId: a.producerId, firstOffset: a.firstOffset });
  }
  return out;
}

/** Meta key of an aborted transaction: lastOffset zero-padded so keys sort in offset order. */
export function abortedKey(topicId: number, partition: number, lastOffset: number): string {
  return `${abortedPrefix(topicId, partition)}${String(lastOffset).padStart(16, "0")}`;
}

export function abortedPrefix(topicId: number, partition?: number): string {
  return partition === undefined ? `x/${topicId}/` : `x/${topicId}/${partition}/`;
}

/** Encodes the control record's key and value (Kafka's EndTransactionMarker, version 0). */
export function controlRecord(type: number, coordinatorEpoch: number): { key: Uint8Array; value: Uint8Array } {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setInt16(2, type);
  const value = new Uint8Array(6);
  new DataView(value.buffer).setInt32(2, coordinatorEpoch);
  return { key, value };
}
