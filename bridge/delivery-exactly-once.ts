// bridge.delivery: exactly-once. A transactional producer upstream (transactional.id
// `ledge-bridge-<edgeId>`); every transaction carries the rounds' batches and one cursor record
// per partition it moved in `__ledge_bridge_cursors` (KIP-618's technique), so upstream holds
// data and cursor atomically. Each session takes a new epoch (aborting what an earlier one left
// open, fencing an older process) and reads the committed cursors back: upstream is the truth.
import type { KeyValueStore } from "../runtime/log/index.ts";
import type { BridgeConfig } from "../runtime/config/bridge.ts";
import { encodeBatch, type ProducerStamp } from "../runtime/core/index.ts";
import { ErrorCode } from "../runtime/kafka/errors.ts";
import type { UpstreamCluster, UpstreamOrigin } from "./cluster.ts";
import { UpstreamError } from "./errors.ts";
import { TransactionalProducer, type ProducerIdentity } from "./transactions.ts";
import { cursorPartition, cursorRecords, cursorTopic, ensureCursorTopic, readCursors } from "./cursors.ts";
import type { BridgeStatus } from "./status.ts";
import type { Delivery, Piece, RoundItem, SendBatches, SendFailure } from "./delivery.ts";

const producerKey = "upstream";
const fencedCodes = new Set<number>([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH]);

/** The last producer id and epoch, and the cluster that handed them out (and held the cursors
 * read under them); stores written before ledge kept the cluster id lack it. */
export type StoredProducer = ProducerIdentity & UpstreamOrigin;

export interface ExactlyOnceParts {
  cluster: UpstreamCluster;
  config: BridgeConfig;
  /** Where the last producer id and epoch are kept, to abort what it left open. */
  producerIds: KeyValueStore<StoredProducer>;
  status: BridgeStatus;
  send: SendBatches;
}

export class ExactlyOnceDelivery implements Delivery {
  readonly transactionalId: string;
  readonly describe: string;
  readonly cursorSource = "upstream";
  readonly transactional = true;
  // Kafka keeps an idempotent producer's last 5 batches per partition: up to 5 in flight keep
  // their order (a failure aborts the whole transaction anyway).
  readonly roundsInFlightMax = 5;
  // A failed transaction is aborted and shipped again from the upstream cursors: how the batches
  // were cut need not repeat.
  readonly mergesStoredBatches = true;
  readonly #p: ExactlyOnceParts;
  #producer: TransactionalProducer | null = null;
  #cursors = new Map<string, number>();
  #cursorPart = 0;
  /** Records sent in the open upstream transaction, not yet committed. */
  #sentUncommitted = 0;

  constructor(parts: ExactlyOnceParts) {
    this.#p = parts;
    this.transactionalId = `ledge-bridge-${parts.config.edgeId}`;
    this.describe = `as transactional id '${this.transactionalId}'`;
  }

  async open(): Promise<void> {
    const { cluster, config: c, producerIds } = this.#p;
    const cursorPartitions = await ensureCursorTopic(cluster, c.requestTimeoutMs);
    const producer = new TransactionalProducer(cluster, this.transactionalId, c.transactionTimeoutMs);
    const previous = producerIds.get(producerKey);
    const replacedBy = cluster.replacedSince(previous);
    if (previous && replacedBy !== null) this.#replaced(previous, replacedBy);
    // Another cluster never knew that producer: nothing of it to abort there.
    else if (previous) await producer.abortLeftOver(previous);
    // Persisted before anything is produced with it, so a crash leaves the next start its id.
    await producerIds.put(producerKey, { ...await producer.init(), clusterId: cluster.clusterId });
    this.#cursors = await readCursors(cluster, c.edgeId, cursorPartitions, c.memoryBytesMax);
    this.#cursorPart = cursorPartition(c.edgeId, cursorPartitions);
    this.#producer = producer;
  }

  cursor(laneKey: string): number | undefined {
    return this.#cursors.get(laneKey);
  }

  async beforeSend(shipping: RoundItem[]): Promise<void> {
    const producer = this.#requireProducer();
    await producer.addPartitions([...shipping.flatMap((i) => i.pieces.map((p) => ({ topic: i.lane.upstreamTopic, partition: p.partition }))), { topic: cursorTopic, partition: this.#cursorPart }]);
    this.#sentUncommitted += shipping.reduce((n, i) => n + i.records, 0);
  }

  stamp(item: RoundItem, piece: Piece): ProducerStamp {
    const producer = this.#requireProducer();
    const id = producer.identity!;
    return { producerId: id.producerId, producerEpoch: id.producerEpoch, transactional: true, baseSequence: producer.takeSequence(item.lane.upstreamTopic, piece.partition, piece.records) };
  }

  async afterSend(_round: RoundItem[], failures: SendFailure[]): Promise<void> {
    // Any refusal ends the transaction: the next session aborts it and resumes from the cursors.
    const first = failures[0];
    if (!first) return;
    const fenced = failures.find((f) => fencedCodes.has(f.error.kafkaCode));
    if (fenced) {
      throw new UpstreamError("fenced", `Produce to upstream ${fenced.topic}/${fenced.partition}: another ledge with the same bridge.edgeId took over transactional id '${this.transactionalId}'; this one stops shipping. Give each edge its own edgeId`, fenced.error.kafkaCode);
    }
    throw first.error;
  }

  async commit(moved: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const producer = this.#requireProducer();
    const id = producer.identity!;
    const part = this.#cursorPart;
    const batch = encodeBatch(cursorRecords(this.#p.config.edgeId, moved, Date.now()), {
      producerId: id.producerId, producerEpoch: id.producerEpoch, transactional: true,
      baseSequence: producer.takeSequence(cursorTopic, part, moved.length),
    });
    await producer.addPartitions([{ topic: cursorTopic, partition: part }]);
    await this.afterSend([], await this.#p.send([{ topic: cursorTopic, partition: part, batch }], this.transactionalId));
    await producer.end(true);
    this.#sentUncommitted = 0;
  }

  failed(): void {
    // What the failed session sent in its open transaction is aborted (by the upstream's
    // timeout or the next session's fencing) and shipped again: counted, not hidden.
    this.#p.status.aborted(this.#sentUncommitted);
    this.#sentUncommitted = 0;
  }

  /** Counts and says what a replaced upstream means here: its cursors are the truth from now on. */
  #replaced(previous: StoredProducer, now: string): void {
    this.#p.status.upstreamReplaced(`upstream at ${this.#p.config.brokers.join(",")} is now Kafka cluster ${now}, not cluster ${previous.clusterId} that this edge shipped to before (rebuilt, restored from a backup, or bridge.brokers now leads to another cluster). The bridge goes on with the new cluster: it reads its cursors from that cluster's ${cursorTopic}, so each partition resumes where that cluster's cursor says, and one without a cursor there is shipped again from the oldest offset still stored here (records the old cluster already had are sent again, to the new one; nothing is lost). If this is the wrong cluster, stop ledge and fix bridge.brokers (ledge_bridge_upstream_replaced_total counts these)`);
  }

  #requireProducer(): TransactionalProducer {
    if (!this.#producer) throw new UpstreamError("protocol", "the upstream producer has no session yet (a ledge bug)");
    return this.#producer;
  }
}
