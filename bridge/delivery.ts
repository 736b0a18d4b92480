// What differs between bridge.delivery modes: the upstream producer session. The replicator
// (replicator.ts) reads rounds of stored batches, sends them and keeps the lanes, rate limit and
// status; a Delivery opens the producer, stamps each batch, decides what an answer means and
// where progress becomes durable (the commit point). One file per mode:
// delivery-exactly-once.ts (transactions with upstream cursors), delivery-idempotent.ts
// (an idempotent producer with local cursors and sequences).
import type { ProducerStamp } from "../runtime/core/index.ts";
import type { UpstreamError } from "./errors.ts";
import type { Lane } from "./lanes.ts";

/** One upstream batch made from a stored one: the stored batch itself (pass-through), or one of
 * the pieces it was cut into (partitioning: key, or over the upstream's max.message.bytes). */
export interface Piece {
  /** Upstream partition. */
  partition: number;
  batch: Uint8Array;
  records: number;
}

/** One lane's share of a round: one stored batch, or a run of merged ones, as the pieces that go upstream. */
export interface RoundItem {
  lane: Lane;
  /** Local offset the round read from (the lane's next offset). */
  from: number;
  /** Empty: a batch not shipped (control, aborted, empty) whose offsets are still passed. */
  pieces: Piece[];
  /** Records shipped (all pieces together). */
  records: number;
  nextOffset: number;
}

/** A batch as it goes upstream. */
export interface Outgoing {
  topic: string;
  partition: number;
  batch: Uint8Array;
}

/** An upstream partition whose Produce did not succeed (a refused answer or a failed request). */
export interface SendFailure {
  topic: string;
  partition: number;
  error: UpstreamError;
}

/** The replicator's Produce path, lent to a delivery for its own batches (the cursor batch). */
export type SendBatches = (batches: Outgoing[], transactionalId: string | null) => Promise<SendFailure[]>;

export interface Delivery {
  /** Produce's transactional id; null for an idempotent producer. */
  readonly transactionalId: string | null;
  /** How the "connecting" line names this producer. */
  readonly describe: string;
  /** Starts a session: a producer upstream, and what is known of each lane's progress. */
  open(): Promise<void>;
  /** Next local offset to ship for `laneKey` as this mode keeps it (undefined: none kept). */
  cursor(laneKey: string): number | undefined;
  /** Says whether the cursor came from upstream (exactly-once) or this edge (idempotent). */
  readonly cursorSource: "upstream" | "local";
  /** Before a round's batches go out (AddPartitionsToTxn; the idempotent window persisted). */
  beforeSend(shipping: RoundItem[]): Promise<void>;
  /** The producer id, epoch, base sequence and transactional bit for one piece of `item`;
   * `recordsBefore`: records of the item's pieces stamped before this one. */
  stamp(item: RoundItem, piece: Piece, recordsBefore: number): ProducerStamp;
  /** After every Produce of the round settled: records what was acknowledged, throws what ends
   * the session (the replicator then backs off and starts a new one). */
  afterSend(round: RoundItem[], failures: SendFailure[]): Promise<void>;
  /** The commit point for what the rounds moved (`moved`: next local offset per lane). */
  commit(moved: Array<{ topic: string; partition: number; offset: number }>): Promise<void>;
  /** The session ended with an error; what was sent and not committed is accounted for. */
  failed(): void;
  /** Whether commit() ends an upstream transaction (ledge_bridge_transactions_total). */
  readonly transactional: boolean;
  /** Rounds sent before the first is answered (1: one at a time). */
  readonly roundsInFlightMax: number;
  /** Whether a round may merge a lane's consecutive small stored batches into one upstream
   * batch. Not where a resend must repeat a stored batch exactly (idempotent: its sequence). */
  readonly mergesStoredBatches: boolean;
}
