// bridge.delivery: idempotent, for upstreams without transactions. One idempotent producer
// upstream (InitProducerId without a transactional id; acks=-1), and its state kept on this edge:
// the producer id and epoch, and per lane the next local offset to ship with the base sequence
// its batch carries. The batch about to go out is written down (as in flight) before it is sent,
// and the lane moves past it once upstream acknowledged it. After a crash or a failed request the
// same stored batch goes again with the same producer id and sequence, and upstream keeps one
// copy (Kafka's idempotence). There is no cursor topic upstream: the local store is the truth.
//
// If upstream forgot the producer (its state expired, a rebuilt cluster, lost data) it refuses
// the sequence; a new producer id then resends from the local cursors, and what was in flight
// under the old one (sent, not acknowledged) may be stored twice: counted and logged.
import type { KeyValueStore, Log } from "../runtime/log/index.ts";
import type { Logger } from "../runtime/logger.ts";
import type { BridgeConfig } from "../runtime/config/bridge.ts";
import type { ProducerStamp } from "../runtime/core/index.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import { ErrorCode, errorInfo } from "../runtime/kafka/errors.ts";
import type { InitProducerIdResponse } from "../runtime/kafka/apis/initProducerId/index.ts";
import type { UpstreamCluster, UpstreamOrigin } from "./cluster.ts";
import { UpstreamError, kafkaError } from "./errors.ts";
import type { BridgeStatus } from "./status.ts";
import type { Delivery, Piece, RoundItem, SendFailure } from "./delivery.ts";

/** Answers meaning upstream no longer has this producer's state as the edge has it. */
const forgottenCodes = new Set<number>([ErrorCode.UNKNOWN_PRODUCER_ID, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.INVALID_PRODUCER_EPOCH]);
/** A batch older than the five upstream remembers per producer: stored before, so acknowledged. */
const alreadyStored = ErrorCode.DUPLICATE_SEQUENCE_NUMBER;
/** Kafka's default producer.id.expiration.ms: a producer idle that long may be forgotten, and Kafka
 * 2.5+ then takes any sequence from it silently; a resend of a batch first sent longer ago is
 * counted as a possible duplicate. */
const upstreamProducerExpiryMs = 86_400_000;
const sequenceWrap = 0x8000_0000; // sequences wrap from INT32_MAX to 0
const producerKey = "upstream";
const initRetriesMax = 20;

/** The upstream producer this edge uses, and the cluster that handed it out. */
export interface IdempotentProducer extends UpstreamOrigin {
  producerId: number;
  producerEpoch: number;
}

/** One lane's progress under a producer (store "bridge-idempotent-lanes", key: the lane). */
export interface LaneSequence {
  producerId: number;
  producerEpoch: number;
  /** "topic/partition" upstream the sequence belongs to. */
  upstream: string;
  /** Next local offset to ship: everything before it was acknowledged upstream. */
  offset: number;
  /** Base sequence of the batch stored at `offset`. */
  sequence: number;
  /** Records of that batch sent and not yet acknowledged (0: nothing in flight). */
  inflightRecords: number;
  /** How often that batch was sent under this producer, and when first (since last counted). */
  attempts: number;
  firstSentMs: number;
}

export interface IdempotentParts {
  cluster: UpstreamCluster;
  config: BridgeConfig;
  log: Log;
  logger: Logger;
  status: BridgeStatus;
}

export class IdempotentDelivery implements Delivery {
  readonly transactionalId = null;
  readonly describe = "as an idempotent producer";
  readonly cursorSource = "local";
  readonly transactional = false;
  // One round at a time: each lane's one in-flight batch is what the local store writes down.
  readonly roundsInFlightMax = 1;
  // A resend must carry the same records under the same sequence as the stored batch written
  // down before it went: one stored batch per lane and round.
  readonly mergesStoredBatches = false;
  readonly #p: IdempotentParts;
  readonly #producers: KeyValueStore<IdempotentProducer>;
  readonly #store: KeyValueStore<LaneSequence>;
  #producer: IdempotentProducer | null = null;
  /** Memory copy of the lane store. */
  #lanes = new Map<string, LaneSequence>();

  constructor(parts: IdempotentParts) {
    this.#p = parts;
    this.#producers = parts.log.openStore<IdempotentProducer>("bridge-idempotent-producer");
    this.#store = parts.log.openStore<LaneSequence>("bridge-idempotent-lanes");
  }

  async open(): Promise<void> {
    this.#lanes = new Map([...this.#store.range("")].map(({ key, value }) => [key, value]));
    await this.#p.cluster.refreshMetadata([]);
    const clusterId = this.#p.cluster.clusterId;
    let producer = this.#producers.get(producerKey) ?? null;
    if (producer && this.#p.cluster.replacedSince(producer) !== null) {
      this.#p.status.upstreamReplaced(`upstream at ${this.#p.config.brokers.join(",")} is now Kafka cluster ${clusterId}, not cluster ${producer.clusterId} that this edge shipped to before (rebuilt, restored from a backup, or bridge.brokers now leads to another cluster); the bridge goes on with the new cluster from the local cursors. If this is the wrong cluster, stop ledge and fix bridge.brokers (ledge_bridge_upstream_replaced_total counts these)`);
      this.#forgotten(producer, `cluster ${clusterId} knows nothing of producer id ${producer.producerId}, which came from cluster ${producer.clusterId}`, new Set());
      producer = null;
    }
    // Persisted before anything is produced with it: after a crash the same id resends.
    if (!producer) await this.#producers.put(producerKey, producer = { ...await this.#initProducer(), clusterId });
    this.#producer = producer;
  }

  cursor(laneKey: string): number | undefined {
    return this.#lanes.get(laneKey)?.offset;
  }

  async beforeSend(shipping: RoundItem[]): Promise<void> {
    const now = Date.now();
    const writes: Array<{ key: string; value: LaneSequence }> = [];
    for (const item of shipping) {
      const e = this.#current(item);
      const resend = e.inflightRecords > 0 && e.offset === item.from;
      const expired = resend && now - e.firstSentMs > upstreamProducerExpiryMs;
      if (expired) {
        this.#p.status.possibleDuplicates(item.records);
        this.#p.logger.warn(`resending the batch at offset ${item.from} of local ${item.lane.key} (${item.records} records) sent ${Math.round((now - e.firstSentMs) / 3_600_000)} h ago: upstream may have forgotten producer id ${e.producerId} by now (producer.id.expiration.ms) and take it as new; ${item.records} records may be stored twice upstream (ledge_bridge_possible_duplicates_total)`);
      }
      // The expiry clock restarts once a resend was counted.
      const value: LaneSequence = { ...e, offset: item.from, inflightRecords: item.records, attempts: resend ? e.attempts + 1 : 1, firstSentMs: resend && !expired ? e.firstSentMs : now };
      writes.push({ key: item.lane.key, value });
    }
    // Durable before the batches leave, so a restart resends them with the same sequences.
    await this.#store.putMany(writes);
    for (const w of writes) this.#lanes.set(w.key, w.value);
  }

  stamp(item: RoundItem, _piece: Piece, recordsBefore: number): ProducerStamp {
    const producer = this.#requireProducer();
    const e = this.#lanes.get(item.lane.key);
    if (!e || e.producerId !== producer.producerId || e.offset !== item.from || e.inflightRecords !== item.records) {
      throw new UpstreamError("protocol", `no sequence was written down for the batch at ${item.from} of local ${item.lane.key} before sending it (a ledge bug)`);
    }
    // Pieces of one stored batch (cut for max.message.bytes) take consecutive sequences; cut the
    // same way again after a crash, they are resent with the same ones.
    return { producerId: producer.producerId, producerEpoch: producer.producerEpoch, transactional: false, baseSequence: (e.sequence + recordsBefore) % sequenceWrap };
  }

  async afterSend(round: RoundItem[], failures: SendFailure[]): Promise<void> {
    const failed = new Map<string, SendFailure>();
    for (const f of failures) if (f.error.kafkaCode !== alreadyStored) failed.set(`${f.topic}/${f.partition}`, f);
    const writes: Array<{ key: string; value: LaneSequence }> = [];
    for (const item of round) {
      if (failed.has(upstreamKey(item))) continue;
      // Acknowledged (or passed over): the lane moves past the batch, the sequence past its records.
      const e = this.#current(item);
      const sequence = item.pieces.length === 0 ? e.sequence : (e.sequence + item.records) % sequenceWrap;
      writes.push({ key: item.lane.key, value: { ...e, offset: item.nextOffset, sequence, inflightRecords: 0, attempts: 0, firstSentMs: 0 } });
    }
    if (writes.length > 0) await this.#store.putMany(writes);
    for (const w of writes) this.#lanes.set(w.key, w.value);
    if (failed.size === 0) return;
    const forgotten = [...failed.values()].filter((f) => forgottenCodes.has(f.error.kafkaCode));
    if (forgotten.length === 0) throw failed.values().next().value!.error;
    const producer = this.#requireProducer();
    const answers = forgotten.map((f) => `${errorInfo(f.error.kafkaCode).name} for ${f.topic}/${f.partition}`).join(", ");
    this.#forgotten(producer, `upstream answered ${answers}: it no longer knows producer id ${producer.producerId} as this edge does (its producer state expired or it lost data)`, new Set(forgotten.map((f) => `${f.topic}/${f.partition}`)));
    const fresh = { ...await this.#initProducer(), clusterId: this.#p.cluster.clusterId };
    await this.#producers.put(producerKey, fresh);
    this.#producer = fresh;
    throw new UpstreamError("kafka", `took producer id ${fresh.producerId} after upstream forgot producer id ${producer.producerId}; resending from the local cursors`, forgotten[0].error.kafkaCode);
  }

  async commit(): Promise<void> {
    // Nothing to do: each acknowledged round was written down in afterSend.
  }

  failed(): void {
    // Nothing sent is withdrawn: what was in flight is resent with the same sequences.
  }

  /**
   * Counts and logs what may now be stored twice upstream: batches sent under `old` and not
   * acknowledged. One that upstream just refused (`refused`) was not stored by that attempt, so
   * it counts only if it was sent before.
   */
  #forgotten(old: IdempotentProducer, why: string, refused: Set<string>): void {
    let records = 0;
    for (const e of this.#lanes.values()) {
      if (e.producerId !== old.producerId || e.inflightRecords === 0) continue;
      if (refused.has(e.upstream) && e.attempts <= 1) continue;
      records += e.inflightRecords;
    }
    this.#p.status.possibleDuplicates(records);
    this.#p.logger.warn(`${why}. Taking a new producer id and resending from the local cursors (nothing is lost); ${records} records sent but not acknowledged under the old one may now be stored twice upstream (ledge_bridge_possible_duplicates_total)`);
  }

  /** The lane's entry under the current producer: a new producer (or upstream partition) starts at sequence 0. */
  #current(item: RoundItem): LaneSequence {
    const producer = this.#requireProducer();
    const upstream = upstreamKey(item);
    const e = this.#lanes.get(item.lane.key);
    if (e && e.producerId === producer.producerId && e.producerEpoch === producer.producerEpoch && e.upstream === upstream) return e;
    return { producerId: producer.producerId, producerEpoch: producer.producerEpoch, upstream, offset: item.from, sequence: 0, inflightRecords: 0, attempts: 0, firstSentMs: 0 };
  }

  /** InitProducerId without a transactional id, at any broker. */
  async #initProducer(): Promise<{ producerId: number; producerEpoch: number }> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.#p.cluster.any();
      const v = c.requireVersion(ApiKey.InitProducerId, 0, 1, "for an idempotent producer (Kafka 0.11 or later)");
      const res = await c.request<InitProducerIdResponse>(ApiKey.InitProducerId, v, { transactionalId: null, transactionTimeoutMs: 2 ** 31 - 1 });
      if (res.errorCode === 0) return { producerId: res.producerId, producerEpoch: res.producerEpoch };
      if (res.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
        throw new UpstreamError("unsupported", `upstream ${c.name} refused an idempotent producer id (CLUSTER_AUTHORIZATION_FAILED): grant ledge's principal IDEMPOTENT_WRITE on the cluster`, res.errorCode);
      }
      if (!errorInfo(res.errorCode).retriable || attempt >= initRetriesMax) throw kafkaError(res.errorCode, `InitProducerId (idempotent) at ${c.name}`);
      await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 1000)));
    }
  }

  #requireProducer(): IdempotentProducer {
    if (!this.#producer) throw new UpstreamError("protocol", "the upstream producer has no id yet (a ledge bug)");
    return this.#producer;
  }
}

function upstreamKey(item: RoundItem): string {
  return `${item.lane.upstreamTopic}/${item.lane.partition}`;
}
