// How every read fills its result, from LMDB or from the recent batches: whole batches up to
// maxBytes but always at least one; with the caller's `into`, copied there while they fit (a
// first batch larger than `into` comes back in a Buffer of its own, a later one ends the read).
import type { ReadResult } from "./types.ts";

/**
 * Adds one batch to `out`; false when it did not go in or the read is full (stop reading).
 * `owned`: the batch is the caller's to hand out as is (else it is only valid during this call
 * and is copied).
 */
export function placeBatch(out: ReadResult, batch: Uint8Array, maxBytes: number, into: Uint8Array | undefined, owned: boolean): boolean {
  const size = batch.byteLength;
  if (out.batches.length > 0 && out.totalBytes + size > maxBytes) return false;
  if (into && out.totalBytes + size <= into.byteLength) {
    into.set(batch, out.totalBytes);
    out.batches.push(into.subarray(out.totalBytes, out.totalBytes + size));
  } else if (!into || out.batches.length === 0) {
    out.batches.push(owned ? batch : Buffer.from(batch));
  } else {
    return false;
  }
  out.totalBytes += size;
  return out.totalBytes < maxBytes;
}
