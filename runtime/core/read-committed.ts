// Kafka's read_committed rule over a run of stored batches, as its consumers apply it: a
// transactional batch is hidden when its producer has an aborted transaction that began at or
// before it (the Fetch answer's aborted list) and that producer's ABORT marker has not yet
// passed; control batches (the markers) are never data. One home for the rule: the MQTT log
// tail, the bridge (local data and its upstream cursors) and tests use it.
import { ATTRIBUTE_CONTROL, ATTRIBUTE_TRANSACTIONAL, BATCH_HEADER_BYTES, readAttributes, readBaseOffset, readLastOffsetDelta, readProducerId } from "./batch-header.ts";

/** A COMMIT or ABORT control record's type (Kafka's ControlRecordType). */
export const ControlType = { abort: 0, commit: 1 } as const;

/** The type of a control batch's marker: its one record's key (version int16, type int16). */
export function readControlType(batch: Uint8Array): number {
  // After the header: record length, attributes (1 byte), timestamp and offset deltas and key
  // length (varints), then the key.
  let at = BATCH_HEADER_BYTES;
  const skipVarint = () => {
    while (batch[at++] & 0x80);
  };
  skipVarint();
  at += 1;
  skipVarint();
  skipVarint();
  skipVarint();
  return (batch[at + 2] << 8) | batch[at + 3];
}

/** Shared by every filter of a range without aborted transactions (never written to). */
const noAborted: Array<{ producerId: number; firstOffset: number }> = [];

export class ReadCommittedFilter {
  readonly #aborted: Array<{ producerId: number; firstOffset: number }>;
  /** Made only once a read meets an aborted transaction: readers build a filter per read. */
  #abortedProducers: Set<number> | null = null;

  /** `aborted`: the aborted transactions of the range about to be walked (any order). */
  constructor(aborted: ReadonlyArray<{ producerId: number; firstOffset: number }> | null | undefined) {
    this.#aborted = aborted && aborted.length > 0 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : noAborted;
  }

  /** Whether `batch` (the next one, in offset order) holds records a read_committed reader sees. */
  visible(batch: Uint8Array): boolean {
    const attributes = readAttributes(batch);
    const transactional = (attributes & ATTRIBUTE_TRANSACTIONAL) !== 0;
    if (!transactional && this.#aborted.length === 0) return true;
    const last = readBaseOffset(batch) + readLastOffsetDelta(batch);
    while (this.#aborted.length > 0 && this.#aborted[0].firstOffset <= last) (this.#abortedProducers ??= new Set()).add(this.#aborted.shift()!.producerId);
    const producerId = readProducerId(batch);
    if ((attributes & ATTRIBUTE_CONTROL) !== 0) {
      if (readControlType(batch) === ControlType.abort) this.#abortedProducers?.delete(producerId);
      return false;
    }
    return !(transactional && this.#abortedProducers?.has(producerId) === true);
  }
}
