// The upstream transactional producer: InitProducerId at the transaction coordinator (which
// fences any older instance with the same transactional.id and aborts its open transaction),
// AddPartitionsToTxn before the first write to a partition in a transaction, EndTxn. Sequence
// numbers are per partition and start at 0 for each producer id and epoch.
import type { UpstreamCluster } from "./cluster.ts";
import type { BrokerConnection } from "./connection.ts";
import { UpstreamError, kafkaError } from "./errors.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import { ErrorCode } from "../runtime/kafka/errors.ts";
import type { InitProducerIdResponse } from "../runtime/kafka/apis/initProducerId/index.ts";
import type { AddPartitionsToTxnResponse } from "../runtime/kafka/apis/addPartitionsToTxn/index.ts";
import type { EndTxnResponse } from "../runtime/kafka/apis/endTxn/index.ts";

/** Coordinator answers that mean "ask again shortly" (Kafka's client retries them too). */
const retryLater = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.CONCURRENT_TRANSACTIONS]);
const findAgain = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
const fencedCodes = new Set<number>([ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH]);
const coordinatorRetriesMax = 100;

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export class TransactionalProducer {
  readonly transactionalId: string;
  readonly #cluster: UpstreamCluster;
  readonly #transactionTimeoutMs: number;
  #coordinator: BrokerConnection | null = null;
  identity: ProducerIdentity | null = null;
  /** Partitions added to the open transaction: "topic/partition". */
  #added = new Set<string>();
  #sequences = new Map<string, number>();

  constructor(cluster: UpstreamCluster, transactionalId: string, transactionTimeoutMs: number) {
    this.#cluster = cluster;
    this.transactionalId = transactionalId;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  /** New producer id or epoch (fencing older instances); sequences restart at 0. */
  async init(): Promise<ProducerIdentity> {
    const res = await this.#coordinatorCall<InitProducerIdResponse>(ApiKey.InitProducerId, 0, 1, () => ({
      transactionalId: this.transactionalId, transactionTimeoutMs: this.#transactionTimeoutMs,
    }));
    if (res.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
      throw new UpstreamError("unsupported", `upstream refused transactional id '${this.transactionalId}' (${ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED}, TRANSACTIONAL_ID_AUTHORIZATION_FAILED): it has no transactions or denies this id; grant WRITE on the transactional id, or set bridge.delivery: idempotent`, res.errorCode);
    }
    if (res.errorCode !== 0) throw this.#error(res.errorCode, "InitProducerId");
    this.identity = { producerId: res.producerId, producerEpoch: res.producerEpoch };
    this.#added.clear();
    this.#sequences.clear();
    return this.identity;
  }

  /**
   * Aborts the transaction a previous instance (`previous`: its id and epoch, as it persisted
   * them) may have left open. Kafka's InitProducerId aborts it anyway; brokers that hand out a
   * new producer id instead (librdkafka's mock cluster) would otherwise show its data. Any
   * refusal (nothing open, a newer epoch exists) is the expected answer and ignored.
   */
  async abortLeftOver(previous: ProducerIdentity): Promise<void> {
    await this.#coordinatorCall<EndTxnResponse>(ApiKey.EndTxn, 0, 3, () => ({
      transactionalId: this.transactionalId, producerId: previous.producerId, producerEpoch: previous.producerEpoch, committed: false,
    }));
  }

  /** The base sequence for a batch of `records` to `topic/partition`, advancing it. */
  takeSequence(topic: string, partition: number, records: number): number {
    const key = `${topic}/${partition}`;
    const base = this.#sequences.get(key) ?? 0;
    this.#sequences.set(key, (base + records) % 0x8000_0000); // wraps at INT32_MAX to 0
    return base;
  }

  /** Adds the partitions not yet in the open transaction. */
  async addPartitions(partitions: Array<{ topic: string; partition: number }>): Promise<void> {
    const fresh = partitions.filter((p) => !this.#added.has(`${p.topic}/${p.partition}`));
    if (fresh.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const p of fresh) (byTopic.get(p.topic) ?? byTopic.set(p.topic, []).get(p.topic)!).push(p.partition);
    const id = this.#requireIdentity();
    const res = await this.#coordinatorCall<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 0, 3, () => ({
      transactionalId: this.transactionalId, producerId: id.producerId, producerEpoch: id.producerEpoch,
      topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })),
    }), (r) => firstError(r));
    const code = firstError(res);
    if (code !== 0) throw this.#error(code, `AddPartitionsToTxn (${fresh.map((p) => `${p.topic}/${p.partition}`).join(", ")})`);
    for (const p of fresh) this.#added.add(`${p.topic}/${p.partition}`);
  }

  /** Commits (or aborts) the open transaction. */
  async end(commit: boolean): Promise<void> {
    const id = this.#requireIdentity();
    const res = await this.#coordinatorCall<EndTxnResponse>(ApiKey.EndTxn, 0, 3, () => ({
      transactionalId: this.transactionalId, producerId: id.producerId, producerEpoch: id.producerEpoch, committed: commit,
    }));
    if (res.errorCode !== 0) throw this.#error(res.errorCode, commit ? "EndTxn (commit)" : "EndTxn (abort)");
    this.#added.clear();
  }

  get partitionsInTransaction(): number {
    return this.#added.size;
  }

  #requireIdentity(): ProducerIdentity {
    if (!this.identity) throw new UpstreamError("protocol", "the upstream producer has no id yet (a ledge bug)");
    return this.identity;
  }

  #error(code: number, what: string): UpstreamError {
    if (fencedCodes.has(code)) {
      return new UpstreamError("fenced", `${what}: another ledge with the same bridge.edgeId started and took over transactional id '${this.transactionalId}' (${code}); this one stops shipping. Give each edge its own edgeId`, code);
    }
    return kafkaError(code, `${what} for transactional id '${this.transactionalId}'`);
  }

  /** One coordinator request, re-finding the coordinator and retrying the "later" codes. */
  async #coordinatorCall<T extends object>(apiKey: number, min: number, max: number, body: () => unknown, codeOf: (r: T) => number = (r) => (r as { errorCode?: number }).errorCode ?? 0): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.#coordinator ??= await this.#cluster.transactionCoordinator(this.transactionalId);
      if (this.#coordinator.closed) {
        this.#coordinator = null;
        continue;
      }
      const c = this.#coordinator;
      const v = c.requireVersion(apiKey, min, max, "for exactly-once delivery (transactions); set bridge.delivery: idempotent for upstreams without them");
      const res = await c.request<T>(apiKey, v, body());
      const code = codeOf(res);
      if (attempt >= coordinatorRetriesMax) return res;
      if (findAgain.has(code)) {
        this.#coordinator = null;
      } else if (!retryLater.has(code)) {
        return res;
      }
      await new Promise((r) => setTimeout(r, Math.min(20 * (attempt + 1), 500)));
    }
  }
}

/** The error that caused the others: OPERATION_NOT_ATTEMPTED only names partitions left out. */
function firstError(res: AddPartitionsToTxnResponse): number {
  let notAttempted = 0;
  for (const t of res.resultsByTopic) {
    for (const p of t.resultsByPartition) {
      if (p.partitionErrorCode === ErrorCode.OPERATION_NOT_ATTEMPTED) notAttempted = p.partitionErrorCode;
      else if (p.partitionErrorCode !== 0) return p.partitionErrorCode;
    }
  }
  return notAttempted;
}
