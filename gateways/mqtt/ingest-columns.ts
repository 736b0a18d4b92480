// One ingest batch's records as columns (runtime/core's RecordColumns): key and payload bytes
// copied into one growing buffer, lengths and timestamps in typed arrays, header lists by
// reference. A message costs bytes in reused arrays, not objects; and the payload is copied
// at once, so the socket chunk it arrived in is not kept alive until the batch commits.
// Reused batch after batch (encodeBatchColumns reads them synchronously).
import type { RecordColumns, RecordHeader } from "../../runtime/core/types.ts";

const recordsStart = 64;
const dataBytesStart = 16 * 1024;
/** Up to this, a payload is copied byte by byte; above it, through a view (~100 B of heap, but
 * a memcpy: a JS loop over 200 bytes cost more CPU than the scavenges the view adds). */
const loopCopyBytesMax = 32;

export class IngestColumns implements RecordColumns {
  count = 0;
  data: Buffer = Buffer.allocUnsafeSlow(dataBytesStart);
  keyBytes = new Int32Array(recordsStart);
  valueBytes = new Int32Array(recordsStart);
  headers: Array<readonly RecordHeader[] | undefined> = new Array(recordsStart).fill(undefined);
  timestampsMs = new Float64Array(recordsStart);
  /** Bytes of `data` in use. */
  dataBytes = 0;

  /** Appends a record whose value is `source[start..end)` (null when `start` is -1). */
  add(key: Uint8Array | null, source: Uint8Array, start: number, end: number, headers: readonly RecordHeader[] | undefined, timestampMs: number): void {
    const i = this.count;
    if (i === this.keyBytes.length) this.#growRecords();
    const keyLength = key === null ? 0 : key.length;
    const valueLength = start < 0 ? 0 : end - start;
    if (this.dataBytes + keyLength + valueLength > this.data.length) this.#growData(keyLength + valueLength);
    let at = this.dataBytes;
    const data = this.data;
    if (key !== null) {
      data.set(key, at);
      at += keyLength;
    }
    if (valueLength <= loopCopyBytesMax) for (let k = 0; k < valueLength; k++) data[at + k] = source[start + k];
    else data.set(start === 0 && end === source.length ? source : new Uint8Array(source.buffer, source.byteOffset + start, valueLength), at);
    this.dataBytes = at + valueLength;
    this.keyBytes[i] = key === null ? -1 : keyLength;
    this.valueBytes[i] = start < 0 ? -1 : valueLength;
    this.headers[i] = headers;
    this.timestampsMs[i] = timestampMs;
    this.count = i + 1;
  }

  /** Empties the columns for the next batch (header lists are shared; stale slots are never read). */
  clear(): void {
    this.count = 0;
    this.dataBytes = 0;
  }

  #growRecords(): void {
    const n = 2 * this.keyBytes.length;
    const grow = <T extends Int32Array | Float64Array>(old: T, fresh: T): T => (fresh.set(old), fresh);
    this.keyBytes = grow(this.keyBytes, new Int32Array(n));
    this.valueBytes = grow(this.valueBytes, new Int32Array(n));
    this.timestampsMs = grow(this.timestampsMs, new Float64Array(n));
    for (let k = this.headers.length; k < n; k++) this.headers.push(undefined);
  }

  #growData(moreBytes: number): void {
    let n = 2 * this.data.length;
    while (n < this.dataBytes + moreBytes) n *= 2;
    const fresh = Buffer.allocUnsafeSlow(n);
    this.data.copy(fresh, 0, 0, this.dataBytes);
    this.data = fresh;
  }
}
