// A transactional id's state as the coordinator keeps it (Kafka's TransactionMetadata), and the
// moves Kafka allows between states. Persisted whole, as one entry per transactional id.

export type TxnStateName = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort" | "Dead";

/** Offsets a transaction commits for a consumer group (TxnOffsetCommit), applied at its commit. */
export interface PendingOffset {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
}

export interface TxnRecord {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnStateName;
  /** Partitions the open (or ending) transaction touched, as [topic, partition]. */
  partitions: Array<[string, number]>;
  /** Consumer groups added with AddOffsetsToTxn. */
  groups: string[];
  offsets: PendingOffset[];
  /** When the open transaction began (-1 when none is open). */
  startedMs: number;
  updatedMs: number;
}

/** Kafka's state numbers are not on the wire; DescribeTransactions/ListTransactions use names. */
export const openStates: ReadonlySet<TxnStateName> = new Set(["Ongoing", "PrepareCommit", "PrepareAbort"]);

/** States from which a new transaction may begin (AddPartitionsToTxn / AddOffsetsToTxn). */
export const mayBegin: ReadonlySet<TxnStateName> = new Set(["Empty", "CompleteCommit", "CompleteAbort"]);

export const isEnding = (s: TxnStateName) => s === "PrepareCommit" || s === "PrepareAbort";

export function newRecord(transactionalId: string, producerId: number, timeoutMs: number, nowMs: number): TxnRecord {
  return { transactionalId, producerId, producerEpoch: 0, timeoutMs, state: "Empty", partitions: [], groups: [], offsets: [], startedMs: -1, updatedMs: nowMs };
}

/** The largest producer epoch (int16); past it the id gets a new producer id at epoch 0. */
export const PRODUCER_EPOCH_MAX = 32_767;
