// Idempotent-producer checks, kept in the log (as Kafka's ProducerStateManager is) because the
// check and the append must be atomic. Per (producerId, topic, partition) the log keeps the
// epoch and the last five batches' sequence ranges, persisted in the append's transaction.
import { LogError } from "./errors.ts";

export const PRODUCER_BATCHES_KEPT = 5;
const INT32_MAX = 2 ** 31 - 1;

export interface ProducerBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

export interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most PRODUCER_BATCHES_KEPT. */
  batches: ProducerBatch[];
}

export type SequenceVerdict = { duplicateOf: number } | { duplicateOf: -1 };

/** Kafka's sequence arithmetic: sequences wrap from INT32_MAX to 0. */
export function lastSequence(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence > INT32_MAX - lastOffsetDelta) return lastOffsetDelta - (INT32_MAX - baseSequence) - 1;
  return baseSequence + lastOffsetDelta;
}

function nextSequence(seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1;
}

/**
 * Decides what to do with a batch from an idempotent producer: duplicateOf >= 0 means it was
 * stored before at that base offset. Throws OUT_OF_ORDER_SEQUENCE or INVALID_PRODUCER_EPOCH.
 */
export function checkSequence(entry: ProducerEntry | undefined, epoch: number, firstSeq: number, lastSeq: number, where: string): SequenceVerdict {
  if (!entry) return { duplicateOf: -1 }; // no state (new or expired producer): accept any sequence (KIP-360)
  if (epoch < entry.epoch) {
    throw new LogError("LEDGE_ERR_INVALID_PRODUCER_EPOCH", `producer epoch ${epoch} for ${where} is older than the current epoch ${entry.epoch}`);
  }
  if (epoch > entry.epoch) {
    if (firstSeq !== 0) {
      throw new LogError("LEDGE_ERR_OUT_OF_ORDER_SEQUENCE", `producer's new epoch ${epoch} for ${where} starts at sequence ${firstSeq}, not 0`);
    }
    return { duplicateOf: -1 };
  }
  for (const b of entry.batches) {
    if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { duplicateOf: b.baseOffset };
  }
  const last = entry.batches[entry.batches.length - 1];
  if (last && firstSeq !== nextSequence(last.lastSeq)) {
    throw new LogError("LEDGE_ERR_OUT_OF_ORDER_SEQUENCE", `producer sequence ${firstSeq} for ${where} does not follow ${last.lastSeq}`);
  }
  return { duplicateOf: -1 };
}

/** The entry after appending a batch; a new object, so a failed commit can restore the old one. */
export function withBatch(entry: ProducerEntry | undefined, epoch: number, batch: ProducerBatch): ProducerEntry {
  const kept = entry && entry.epoch === epoch ? entry.batches.slice(-(PRODUCER_BATCHES_KEPT - 1)) : [];
  kept.push(batch);
  return { epoch, batches: kept };
}
