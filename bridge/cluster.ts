// The upstream cluster as the bridge sees it: bootstrap addresses, the brokers and partition
// leaders from Metadata, one connection per broker, each reconnected with exponential backoff
// and jitter of its own (a broker that is down does not slow the others).
import { BrokerConnection, type BrokerAddress, type ConnectionOptions } from "./connection.ts";
import { UpstreamError, kafkaError } from "./errors.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import type { MetadataResponse, MetadataTopic } from "../runtime/kafka/apis/metadata/index.ts";
import type { FindCoordinatorResponse } from "../runtime/kafka/apis/findCoordinator/index.ts";

export interface BackoffOptions {
  backoffMsMin: number;
  backoffMsMax: number;
}

export interface TopicLayout {
  name: string;
  errorCode: number;
  /** Partition index → leader node id (-1 when none). */
  leaders: number[];
}

/** The upstream cluster a piece of the bridge's state came from, kept with that state (a
 * producer id, the cursors read under it). null or absent: its Metadata named no cluster id. */
export interface UpstreamOrigin {
  clusterId?: string | null;
}

interface BrokerSlot {
  address: BrokerAddress;
  connection: Promise<BrokerConnection> | null;
  failures: number;
  nextAttemptAtMs: number;
}

/** Delay before attempt n+1 after n failures: doubling from min to max, with half of it random. */
export function backoffDelayMs(failures: number, o: BackoffOptions, random = Math.random): number {
  const full = Math.min(o.backoffMsMax, o.backoffMsMin * 2 ** Math.min(failures - 1, 30));
  return Math.round(full / 2 + (full / 2) * random());
}

export class UpstreamCluster {
  readonly #bootstrap: BrokerAddress[];
  readonly #o: ConnectionOptions & BackoffOptions;
  /** node id → slot; bootstrap addresses use negative ids until Metadata names them. */
  #brokers = new Map<number, BrokerSlot>();
  #topics = new Map<string, TopicLayout>();
  #controllerId = -1;
  clusterId: string | null = null;
  #closed = false;

  constructor(bootstrap: BrokerAddress[], o: ConnectionOptions & BackoffOptions) {
    if (bootstrap.length === 0) throw new RangeError("no upstream brokers given");
    this.#bootstrap = bootstrap;
    this.#o = o;
    bootstrap.forEach((address, i) => this.#brokers.set(-1 - i, { address, connection: null, failures: 0, nextAttemptAtMs: 0 }));
  }

  /** A connection to node `nodeId`, opened (after its backoff) if needed. */
  async broker(nodeId: number): Promise<BrokerConnection> {
    const slot = this.#brokers.get(nodeId);
    if (!slot) throw new UpstreamError("protocol", `upstream node ${nodeId} is not in the cluster's metadata`);
    return this.#connect(slot);
  }

  /** Any reachable broker: known ones first, bootstrap addresses last; each tried once. */
  async any(): Promise<BrokerConnection> {
    const slots = [...this.#brokers.entries()].sort(([a], [b]) => (a >= 0 ? a : 1e9 - a) - (b >= 0 ? b : 1e9 - b)).map(([, s]) => s);
    const open = slots.find((s) => s.connection !== null && s.failures === 0);
    const order = open ? [open, ...slots.filter((s) => s !== open)] : slots.sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs);
    let last: Error | null = null;
    for (const slot of order) {
      try {
        return await this.#connect(slot);
      } catch (err) {
        last = err as Error;
      }
    }
    throw last ?? new UpstreamError("connection", "no upstream broker reachable");
  }

  /** Refreshes brokers and the layout of `topics` (all when null). */
  async refreshMetadata(topics: string[] | null): Promise<Map<string, TopicLayout>> {
    const c = await this.any();
    const v = c.requireVersion(ApiKey.Metadata, 1, 8, "to discover partition leaders");
    const res = await c.request<MetadataResponse>(ApiKey.Metadata, v, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    this.#applyBrokers(res);
    if (res.controllerId !== undefined) this.#controllerId = res.controllerId;
    this.clusterId = res.clusterId ?? this.clusterId;
    const out = new Map<string, TopicLayout>();
    for (const t of res.topics) {
      const layout = layoutOf(t);
      out.set(t.name, layout);
      if (t.errorCode === 0) this.#topics.set(t.name, layout);
      else this.#topics.delete(t.name);
    }
    return out;
  }

  /**
   * The cluster id answering now, when `origin` came from another one (both known): the upstream
   * was rebuilt or replaced behind the same addresses. null when the same, or either is unknown.
   */
  replacedSince(origin: UpstreamOrigin | undefined): string | null {
    const then = origin?.clusterId ?? null;
    return then !== null && this.clusterId !== null && then !== this.clusterId ? this.clusterId : null;
  }

  /** The last known layout of a topic (refreshMetadata fills it). */
  topic(name: string): TopicLayout | undefined {
    return this.#topics.get(name);
  }

  forgetTopic(name: string): void {
    this.#topics.delete(name);
  }

  get controllerId(): number {
    return this.#controllerId;
  }

  /** The transaction coordinator for `transactionalId` (FindCoordinator key type 1). */
  async transactionCoordinator(transactionalId: string): Promise<BrokerConnection> {
    const c = await this.any();
    if (!c.range(ApiKey.AddPartitionsToTxn) || !c.range(ApiKey.EndTxn)) {
      throw new UpstreamError("unsupported", `upstream broker ${c.name} does not support transactions (its ApiVersions lists no AddPartitionsToTxn/EndTxn), which bridge.delivery: exactly-once needs; use an upstream with transactions (Kafka, Redpanda, MSK), or set bridge.delivery: idempotent (no transactions needed; repeats only if upstream forgets the producer, counted)`);
    }
    const v = c.requireVersion(ApiKey.FindCoordinator, 1, 2, "for transactions (key type 1)");
    const res = await c.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, v, { key: transactionalId, keyType: 1 });
    if (res.errorCode !== 0) throw kafkaError(res.errorCode, `FindCoordinator for transactional id '${transactionalId}' at ${c.name}`, res.errorMessage ?? "");
    if (!this.#brokers.has(res.nodeId)) this.#brokers.set(res.nodeId, { address: { host: res.host, port: res.port }, connection: null, failures: 0, nextAttemptAtMs: 0 });
    return this.broker(res.nodeId);
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#brokers.values()) {
      slot.connection?.then((c) => c.close(), () => undefined);
      slot.connection = null;
    }
  }

  #applyBrokers(res: MetadataResponse): void {
    for (const b of res.brokers) {
      const slot = this.#brokers.get(b.nodeId);
      if (slot && slot.address.host === b.host && slot.address.port === b.port) continue;
      slot?.connection?.then((c) => c.close(), () => undefined);
      this.#brokers.set(b.nodeId, { address: { host: b.host, port: b.port }, connection: null, failures: 0, nextAttemptAtMs: 0 });
    }
  }

  async #connect(slot: BrokerSlot): Promise<BrokerConnection> {
    if (this.#closed) throw new UpstreamError("connection", "the upstream client is closed");
    if (slot.connection) {
      const c = await slot.connection.catch(() => null);
      if (c && !c.closed) return c;
      if (slot.connection && c?.closed) slot.connection = null;
    }
    if (!slot.connection) {
      const waitMs = slot.nextAttemptAtMs - Date.now();
      if (waitMs > 0) {
        throw new UpstreamError("connection", `broker ${slot.address.host}:${slot.address.port} is in backoff for ${waitMs} ms more after ${slot.failures} failed attempts`);
      }
      slot.connection = BrokerConnection.open(slot.address, this.#o).then(
        (c) => {
          slot.failures = 0;
          c.onClose(() => {
            if (slot.connection && !this.#closed) {
              slot.connection = null;
              slot.failures += 1;
              slot.nextAttemptAtMs = Date.now() + backoffDelayMs(slot.failures, this.#o);
            }
          });
          return c;
        },
        (err) => {
          slot.connection = null;
          slot.failures += 1;
          slot.nextAttemptAtMs = Date.now() + backoffDelayMs(slot.failures, this.#o);
          throw err;
        },
      );
    }
    return slot.connection;
  }
}

function layoutOf(t: MetadataTopic): TopicLayout {
  const leaders: number[] = [];
  for (const p of t.partitions) leaders[p.partitionIndex] = p.errorCode === 0 || p.leaderId >= 0 ? p.leaderId : -1;
  for (let i = 0; i < leaders.length; i++) leaders[i] ??= -1;
  return { name: t.name, errorCode: t.errorCode, leaders };
}
