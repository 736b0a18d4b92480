// The store-and-forward replicator: ships stored batches upstream, as stored (only baseOffset,
// partitionLeaderEpoch, the producer stamp and the CRC change), in rounds of one batch per local
// partition. How a round becomes durable progress is the delivery mode's (delivery.ts): upstream
// transactions with upstream cursors (exactly-once), or an idempotent producer with local cursors
// and sequences (idempotent). Either way the log's protected offset (retention keeps what is not
// shipped) moves only after the commit point.
//
// It never blocks ingest: it reads the log (sync LMDB reads into one reused buffer of
// bridge.memoryBytesMax) and waits on it, and writes only its hints and protected offsets.
import type { Log } from "../runtime/log/index.ts";
import type { Logger } from "../runtime/logger.ts";
import type { Metrics } from "../runtime/metrics/index.ts";
import type { BridgeConfig } from "../runtime/config/bridge.ts";
import { checkBatchCrc, Compression, ReadCommittedFilter, readRecordCount, recompressBatch, regroupBatch, restampProducer, type BatchHeader, setBaseOffset, setPartitionLeaderEpoch } from "../runtime/core/index.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import { ErrorCode } from "../runtime/kafka/errors.ts";
import type { ProduceRequest, ProduceResponse } from "../runtime/kafka/apis/produce/index.ts";
import { UpstreamCluster, backoffDelayMs } from "./cluster.ts";
import { parseBrokerAddress, type ConnectionOptions } from "./connection.ts";
import { UpstreamError, kafkaError } from "./errors.ts";
import type { ProducerIdentity } from "./transactions.ts";
import { createTopic, cursorTopic } from "./cursors.ts";
import { laneKey, selectTopics, type Lane } from "./lanes.ts";
import { BridgeStatus } from "./status.ts";
import { bridgeSaslAuthenticator } from "./sasl.ts";
import type { Delivery, Outgoing, Piece, RoundItem, SendFailure } from "./delivery.ts";
import { KAFKA_MESSAGE_BYTES_DEFAULT, upstreamMessageBytesMax } from "./topic-limits.ts";
import { partitionForKey } from "../runtime/log/partitioner.ts";
import { ExactlyOnceDelivery } from "./delivery-exactly-once.ts";
import { IdempotentDelivery } from "./delivery-idempotent.ts";

/** Answers that mean the metadata is stale: refresh, take a new epoch, resume from the cursors. */
const staleLeader = new Set<number>([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
const idleWaitMs = 1000;
/** Where the delivery allows (delivery.mergesStoredBatches), a round reads up to this much of a
 * lane and merges its small stored batches into one upstream batch: a commit's worth of MQTT
 * messages is a small batch, and a round trip per stored batch capped what a link with latency
 * could carry (5 rounds in flight: at 100 ms and 50 records a batch, 2,500 records/s). */
const mergeReadBytes = 256 * 1024;
/** A stored batch this large ships alone, as stored. */
const mergeBatchBytesMax = 64 * 1024;
const blockedRetryMs = 30_000;

export interface BridgeParts {
  log: Log;
  config: BridgeConfig;
  logger: Logger;
  metrics: Metrics;
  /** TLS options for upstream connections (bin/ reads the files). */
  tls?: ConnectionOptions["tls"];
}

export class Bridge {
  readonly status: BridgeStatus;
  readonly #p: BridgeParts;
  readonly #cluster: UpstreamCluster;
  readonly #arena: Uint8Array;
  readonly #hints;
  readonly #delivery: Delivery;
  readonly #stop = new AbortController();
  /** A read found the high watermark ahead of this thread's LMDB snapshot (see #readRound). */
  #snapshotBehind = false;
  /** The hints and protected offsets of the last commit, written behind it (see #commitUnit). */
  #afterCommit: Promise<void> = Promise.resolve();
  /** Upstream topics' max.message.bytes (DescribeConfigs), learnt with their layout. */
  readonly #messageBytesMax = new Map<string, number>();
  #lanes = new Map<string, Lane>();
  /** Lanes refused upstream (topic missing, too few partitions, batch too large) until a time. */
  #blocked = new Map<string, { untilMs: number; reason: string }>();
  #running: Promise<void> | null = null;
  #rateWindowStartMs = 0;
  #rateWindowBytes = 0;

  constructor(parts: BridgeParts) {
    this.#p = parts;
    const c = parts.config;
    this.#cluster = new UpstreamCluster(c.brokers.map(parseBrokerAddress), {
      clientId: c.clientId,
      tls: parts.tls,
      authenticate: bridgeSaslAuthenticator(c.sasl),
      connectTimeoutMs: Math.min(c.requestTimeoutMs, 10_000),
      requestTimeoutMs: c.requestTimeoutMs,
      responseBytesMax: c.memoryBytesMax + 1024 * 1024,
      backoffMsMin: c.backoffMsMin,
      backoffMsMax: c.backoffMsMax,
    });
    this.#arena = Buffer.allocUnsafe(c.memoryBytesMax);
    this.#hints = parts.log.openStore<number>("bridge-cursors");
    this.status = new BridgeStatus(parts.logger, parts.metrics, c.brokers.join(","));
    const send = (batches: Outgoing[], transactionalId: string | null) => this.#send(batches, transactionalId);
    this.#delivery = c.delivery === "idempotent"
      ? new IdempotentDelivery({ cluster: this.#cluster, config: c, log: parts.log, logger: parts.logger, status: this.status })
      : new ExactlyOnceDelivery({ cluster: this.#cluster, config: c, producerIds: parts.log.openStore<ProducerIdentity>("bridge-producer"), status: this.status, send });
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops after the upstream answers what is in flight (an open transaction is left to the next
   * session's InitProducerId, which aborts it); the hints and protected offsets of the last
   * commit are written before it resolves. */
  async close(reason = "ledge is shutting down"): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#afterCommit;
    this.#cluster.close();
    this.status.stopped(reason);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        await this.#session(() => (failures = 0));
      } catch (err) {
        this.#delivery.failed();
        if (this.#stop.signal.aborted) break;
        const e = err instanceof UpstreamError ? err : new UpstreamError("protocol", `unexpected: ${(err as Error).stack ?? err}`);
        if (e.kind === "fenced") {
          this.status.set("fenced", e.message);
          return;
        }
        this.#updateLag();
        failures += 1;
        const delay = Math.max(backoffDelayMs(failures, this.#p.config), e.kind === "unsupported" ? this.#p.config.backoffMsMax : 0);
        this.status.set("backing-off", `${e.message}; retrying in ${delay} ms (nothing is dropped: data stays in the local log)`);
        await sleep(delay, this.#stop.signal);
      }
    }
  }

  /** Runs until an error (thrown) or close (returns). */
  async #session(onCommit: () => void): Promise<void> {
    const c = this.#p.config;
    this.status.set("connecting", `to ${c.brokers.join(",")} ${this.#delivery.describe}`);
    await this.#delivery.open();
    this.#lanes.clear();
    await this.#refreshLanes();
    while (!this.#stop.signal.aborted) {
      const shipped = await this.#commitUnit();
      if (shipped) {
        onCommit();
        continue;
      }
      this.status.set("idle", "every selected partition is shipped");
      this.#updateLag();
      await this.#waitForData();
      await this.#refreshLanes();
    }
  }

  /** Adds lanes for local partitions not yet shipped this session; checks their upstream topics. */
  async #refreshLanes(): Promise<void> {
    const c = this.#p.config;
    const selected = selectTopics(c, this.#p.log.listTopics());
    const fresh: Lane[] = [];
    for (const { topic, upstream, priority } of selected) {
      for (let partition = 0; partition < topic.partitions; partition++) {
        const key = laneKey(topic.name, partition);
        if (this.#lanes.has(key)) continue;
        const next = this.#startOffset(topic.name, partition, this.#delivery.cursor(key));
        const lane: Lane = { key, topic: topic.name, partition, upstreamTopic: upstream, priority, next };
        fresh.push(lane);
      }
    }
    if (fresh.length === 0) return;
    const ok = await this.#checkUpstreamTopics(fresh);
    for (const lane of fresh) {
      if (!ok.has(lane.upstreamTopic)) continue;
      this.#lanes.set(lane.key, lane);
      await this.#p.log.setProtectedOffset(lane.topic, lane.partition, lane.next);
    }
    // Keep the selection's order (priority first) for draining.
    this.#lanes = new Map([...this.#lanes.values()].sort((a, b) => b.priority - a.priority || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)).map((l) => [l.key, l]));
  }

  #startOffset(topic: string, partition: number, cursor: number | undefined): number {
    const { logStartOffset, highWatermark } = this.#p.log.partitionState(topic, partition);
    const where = `${topic}/${partition}`;
    const source = this.#delivery.cursorSource === "upstream" ? "upstream's cursor" : "the local cursor";
    if (cursor === undefined) {
      const hint = this.#hints.get(where);
      if (this.#delivery.cursorSource === "upstream" && hint !== undefined && hint > logStartOffset) {
        this.#p.logger.warn(`upstream holds no cursor for ${where}, though this edge shipped it up to offset ${hint} before (a different or reset upstream cluster, or a deleted ${cursorTopic}?); shipping it again from offset ${logStartOffset}`);
      }
      return logStartOffset;
    }
    if (cursor > highWatermark) {
      this.#p.logger.warn(`${source} for ${where} is offset ${cursor}, past the local end ${highWatermark} (the local data was reset or the topic re-created); shipping from offset ${logStartOffset}`);
      return logStartOffset;
    }
    if (cursor < logStartOffset) {
      this.#p.logger.error(`records ${cursor} to ${logStartOffset - 1} of ${where} were removed locally before they were shipped (storage cap or retention); they are lost upstream. Raise storage.maxBytes or the topic's retention`);
      return logStartOffset;
    }
    return cursor;
  }

  /** Upstream topics that exist (or were created) with enough partitions; others block their lanes. */
  async #checkUpstreamTopics(lanes: Lane[]): Promise<Set<string>> {
    const c = this.#p.config;
    const needed = new Map<string, number>();
    for (const l of lanes) needed.set(l.upstreamTopic, Math.max(needed.get(l.upstreamTopic) ?? 0, l.partition + 1));
    const ok = new Set<string>();
    const now = Date.now();
    let layouts = await this.#cluster.refreshMetadata([...needed.keys()]);
    const missing = [...needed.keys()].filter((t) => (layouts.get(t)?.errorCode ?? 3) === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (missing.length > 0 && c.createTopics) {
      for (const t of missing) {
        const local = lanes.find((l) => l.upstreamTopic === t)!;
        const partitions = this.#p.log.describeTopic(local.topic)?.partitions ?? needed.get(t)!;
        await createTopic(this.#cluster, t, partitions, {}, c.requestTimeoutMs);
        this.#p.logger.info(`created upstream topic ${t} with ${partitions} partitions (bridge.createTopics)`);
      }
      await sleep(200, this.#stop.signal);
      layouts = await this.#cluster.refreshMetadata([...needed.keys()]);
    }
    for (const [topic, partitions] of needed) {
      const layout = layouts.get(topic);
      const blocked = this.#blocked.get(topic);
      let reason: string | null = null;
      if (blocked && blocked.untilMs > now) reason = blocked.reason;
      else if (!layout || layout.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        reason = `upstream topic ${topic} does not exist; create it with at least ${partitions} partitions, or set bridge.createTopics: true`;
      } else if (layout.errorCode !== 0) {
        reason = kafkaError(layout.errorCode, `upstream topic ${topic}`).message;
      } else if (layout.leaders.length < partitions && c.partitioning === "preserve") {
        reason = `upstream topic ${topic} has ${layout.leaders.length} partitions, the local one ${partitions}; partitioning: preserve needs at least as many upstream: add partitions upstream, or set bridge.partitioning: key`;
      }
      if (reason === null) {
        ok.add(topic);
        if (blocked) {
          this.#blocked.delete(topic);
          this.status.unblocked(topic);
        }
      } else {
        this.#blocked.set(topic, { untilMs: blocked && blocked.untilMs > now ? blocked.untilMs : now + blockedRetryMs, reason });
        this.status.blocked(topic, reason);
      }
    }
    // What each accepted topic takes per batch: larger stored batches are cut before they go.
    const limits = await upstreamMessageBytesMax(this.#cluster, [...ok]);
    for (const [topic, bytes] of limits) this.#messageBytesMax.set(topic, bytes);
    return ok;
  }

  /** Rounds of one batch per partition until transactionBytesMax or transactionMsMax, then the
   * delivery's commit point (exactly-once: the cursors and EndTxn). */
  async #commitUnit(): Promise<boolean> {
    const c = this.#p.config;
    const startMs = Date.now();
    const moved = new Map<Lane, number>();
    let bytes = 0;
    let records = 0;
    // Up to roundsInFlightMax rounds are sent before the first answer is awaited (the upstream's
    // round trip and this process's work overlap); each uses its own slot of the arena, reused
    // only once the round that held it was answered.
    const depth = this.#delivery.roundsInFlightMax;
    const slotBytes = Math.floor(this.#arena.length / depth);
    const inflight: Array<Promise<void>> = [];
    let issued = 0;
    const lingerUntilMs = startMs + Math.min(c.lingerMs, c.transactionMsMax);
    while (bytes < c.transactionBytesMax && Date.now() - startMs < c.transactionMsMax && !this.#stop.signal.aborted) {
      if (inflight.length >= depth) await inflight.shift();
      const slot = issued % depth;
      const round = this.#readRound(moved, this.#arena.subarray(slot * slotBytes, (slot + 1) * slotBytes), this.#mergeBudget(bytes));
      if (this.#snapshotBehind) {
        // Spinning on resolved promises would never give LMDB's reader a new turn (and starve
        // every socket of this process): wait a macrotask.
        this.#snapshotBehind = false;
        await new Promise((r) => setTimeout(r, 1));
      }
      if (round.length === 0) {
        // Caught up. A transaction costs the same (AddPartitionsToTxn, the cursor batch, EndTxn
        // and a marker per partition upstream) whatever it carries, so one that has started
        // stays open for more data until lingerMs: at a trickle of small batches that is what
        // keeps the bridge's CPU and uplink bytes per record low.
        const lingerMsLeft = lingerUntilMs - Date.now();
        if (moved.size === 0 || lingerMsLeft <= 0) break;
        // Where rounds merge, what is stored during the linger goes in one round at its end, not a
        // round per group commit (upstream read_committed sees it at the commit either way).
        if (this.#delivery.mergesStoredBatches) await sleep(lingerMsLeft, this.#stop.signal);
        else await this.#waitForData(lingerMsLeft, moved);
        continue;
      }
      issued++;
      if (moved.size === 0) this.status.set("shipping", `to ${c.brokers.join(",")}`);
      const shipping = round.filter((i) => i.pieces.length > 0);
      if (shipping.length > 0) await this.#delivery.beforeSend(shipping);
      const sent = (shipping.length > 0 ? this.#produce(shipping) : Promise.resolve([])).then((failures) => this.#delivery.afterSend(round, failures));
      sent.catch(() => undefined); // awaited below, in order
      inflight.push(sent);
      for (const item of round) {
        moved.set(item.lane, item.nextOffset);
        if (item.pieces.length > 0) {
          bytes += piecesBytes(item);
          records += item.records;
        }
      }
      // Within a transaction, wait for the rate cap only up to its time budget (an open
      // transaction must end well before transactionTimeoutMs); the rest after the commit.
      await this.#rateLimit(shipping.reduce((n, i) => n + piecesBytes(i), 0), startMs + c.transactionMsMax);
    }
    for (const sent of inflight) await sent;
    if (moved.size === 0) return false;
    const entries = [...moved].map(([lane, offset]) => ({ topic: lane.topic, partition: lane.partition, offset }));
    await this.#delivery.commit(entries);
    // Committed: only now do the hints and the retention protection move.
    for (const [lane, offset] of moved) lane.next = offset;
    this.status.committed(bytes, records, this.#delivery.transactional);
    // The hints and the retention protection follow the commit without holding the next
    // transaction back: either lagging is safe (a hint only warns; an older protected offset
    // protects more). One write of each at a time, in order.
    this.#afterCommit = this.#afterCommit.then(async () => {
      await this.#hints.putMany(entries.map((e) => ({ key: laneKey(e.topic, e.partition), value: e.offset })));
      await Promise.all(entries.map((e) => this.#p.log.setProtectedOffset(e.topic, e.partition, e.offset).catch(() => undefined)));
    }).catch((err: Error) => this.#p.logger.warn(`storing the bridge's local hints failed (${err.message}); the upstream cursors stay the truth`));
    this.#updateLag();
    await this.#rateLimit(0, Infinity);
    return true;
  }

  /** One item per lane (priority first), read into `arena` (a slot of bridge.memoryBytesMax): a
   * stored batch, or, where the delivery allows, the run of small stored batches from the lane's
   * next offset merged into one upstream batch (mergeReadBytes). */
  #readRound(moved: Map<Lane, number>, arena: Uint8Array, mergeBytes: number): RoundItem[] {
    const out: RoundItem[] = [];
    let at = 0;
    for (const lane of this.#lanes.values()) {
      const blocked = this.#blocked.get(lane.upstreamTopic);
      if (blocked && blocked.untilMs > Date.now()) continue;
      if (blocked) this.#blocked.delete(lane.upstreamTopic); // try again
      const from = moved.get(lane) ?? lane.next;
      // Local Kafka transactions: only what is decided ships (up to the last stable offset),
      // and never an aborted transaction's data or a marker.
      let stable: number;
      try {
        stable = this.#p.log.partitionState(lane.topic, lane.partition).lastStableOffset;
      } catch {
        this.#lanes.delete(lane.key); // the local topic was deleted
        continue;
      }
      if (from >= stable) continue;
      if (at >= arena.length) break;
      const readBytes = Math.min(mergeBytes, arena.length - at);
      const read = this.#p.log.readCommitted(lane.topic, lane.partition, from, readBytes, arena.subarray(at));
      const first = read.batches[0];
      if (!first) {
        this.#snapshotBehind = true; // below the last stable offset, yet nothing read: see below
        continue;
      }
      const inArena = first.buffer === arena.buffer;
      // A batch larger than what is left of the arena waits for the next round, unless alone.
      if (!inArena && out.length > 0) break;
      const last = read.batches[read.batches.length - 1];
      if (last.buffer === arena.buffer) at = last.byteOffset - arena.byteOffset + last.length;
      const item = this.#laneItem(lane, from, read.batches, new ReadCommittedFilter(read.abortedTransactions));
      if (item) out.push(item);
    }
    return out;
  }

  /** The round item of `lane` from the batches read at `from`: data batches to ship (a small one
   * joined by the small ones after it), control and aborted ones passed over. Null when nothing
   * can go yet (a damaged batch blocks the topic; a read snapshot behind the high watermark). */
  #laneItem(lane: Lane, from: number, batches: readonly Uint8Array[], filter: ReadCommittedFilter): RoundItem | null {
    const data: Uint8Array[] = [];
    let dataLogAppendTime = false;
    let dataBytes = 0;
    let records = 0;
    let nextOffset = from;
    for (const batch of batches) {
      // The paired check: stored bytes are CRC-checked as they leave, so local corruption is
      // named here instead of coming back from upstream as CORRUPT_MESSAGE (the restamp patches
      // the CRC).
      let h: BatchHeader;
      try {
        h = checkBatchCrc(batch);
      } catch (err) {
        if (nextOffset > from) break; // ship what came before it; the next round stops here
        const reason = `the batch stored at offset ${from} of local ${lane.key} fails its CRC check (${(err as Error).message}); the local log is damaged: run ledge verify`;
        this.#blocked.set(lane.upstreamTopic, { untilMs: Date.now() + blockedRetryMs, reason });
        this.status.blocked(lane.upstreamTopic, reason);
        return null;
      }
      // The high watermark can pass `from` before this thread's read snapshot holds the batch
      // (lmdb-js renews it on the next event turn): the read then ends before `from`. Not yet
      // there; the next round reads it, after a macrotask (see #commitUnit).
      if (h.baseOffset + h.lastOffsetDelta < nextOffset) {
        if (nextOffset === from) this.#snapshotBehind = true;
        break;
      }
      const ships = h.recordCount > 0 && filter.visible(batch);
      if (ships) {
        // A batch ships alone when large (as stored, a piece of its own) or unlike the run's
        // timestamp type; a merged run stays below the upstream's message bound.
        const alone = batch.length >= mergeBatchBytesMax;
        const unlike = data.length > 0 && dataLogAppendTime !== h.logAppendTime;
        if (data.length > 0 && (alone || unlike || dataBytes + batch.length > this.#bytesMaxOf(lane))) break;
        if (data.length === 0) dataLogAppendTime = h.logAppendTime;
        data.push(batch);
        dataBytes += batch.length;
        records += h.recordCount;
      }
      nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
      if (ships && batch.length >= mergeBatchBytesMax) break;
    }
    if (nextOffset === from) return null;
    let pieces: Piece[] = [];
    if (data.length > 0) {
      try {
        pieces = this.#pieces(lane, data);
      } catch (err) {
        const reason = `the batches stored from offset ${from} of local ${lane.key} could not be prepared for upstream (${(err as Error).message}); run ledge verify, or set bridge.compression: keep`;
        this.#blocked.set(lane.upstreamTopic, { untilMs: Date.now() + blockedRetryMs, reason });
        this.status.blocked(lane.upstreamTopic, reason);
        return null;
      }
    }
    return { lane, from, pieces, records, nextOffset };
  }

  /** Bytes a lane's merged run may read now: mergeReadBytes, within what is left of the
   * transaction (transactionBytesMax) and what the rate cap lets one transaction carry; 1 (one
   * stored batch) where the delivery does not merge. */
  #mergeBudget(transactionBytes: number): number {
    const c = this.#p.config;
    if (!this.#delivery.mergesStoredBatches) return 1;
    let budget = Math.min(mergeReadBytes, c.transactionBytesMax - transactionBytes);
    if (c.rateLimitBytesPerS > 0) budget = Math.min(budget, (c.rateLimitBytesPerS * Math.min(c.transactionMsMax, 1000)) / 1000);
    return Math.max(1, Math.floor(budget));
  }

  #bytesMaxOf(lane: Lane): number {
    return this.#messageBytesMax.get(lane.upstreamTopic) ?? KAFKA_MESSAGE_BYTES_DEFAULT;
  }

  /**
   * What stored batches become upstream. One batch as stored (pass-through), or recompressed for
   * bridge.compression (a copy beside the arena; a round holds at most one per partition), or
   * cut into pieces in wasm (runtime/core's regroupBatch): by key for partitioning: key (Kafka's
   * murmur2 over the upstream partition count; keyless records keep the local partition number),
   * and below the upstream topic's max.message.bytes. Several small batches are merged the same
   * way into one (or, by key, one per upstream partition).
   */
  #pieces(lane: Lane, batches: Uint8Array[]): Piece[] {
    const c = this.#p.config;
    const codec = c.compression === "keep" ? undefined : Compression[c.compression];
    const upstreamPartitions = this.#cluster.topic(lane.upstreamTopic)?.leaders.length ?? 0;
    const bytesMax = this.#bytesMaxOf(lane);
    const byKey = c.partitioning === "key" && upstreamPartitions > 0;
    if (!byKey && batches.length === 1) {
      const out = codec === undefined ? batches[0] : recompressBatch(batches[0], codec);
      if (out.length <= bytesMax) return [{ partition: lane.partition, batch: out, records: readRecordCount(out) }];
    }
    const pieces = regroupBatch(batches, {
      groupOf: byKey ? (key) => (key ? partitionForKey(key, upstreamPartitions) : lane.partition % upstreamPartitions) : undefined,
      pieceBytesMax: bytesMax,
      options: codec === undefined ? undefined : { compression: codec },
    });
    return pieces.map((p) => ({ partition: byKey ? p.group : lane.partition, batch: p.batch, records: p.records }));
  }

  /** Stamps and sends one round; the partitions that did not succeed. */
  async #produce(items: RoundItem[]): Promise<SendFailure[]> {
    const out: Outgoing[] = [];
    for (const item of items) {
      let before = 0;
      for (const piece of item.pieces) {
        setBaseOffset(piece.batch, 0);
        setPartitionLeaderEpoch(piece.batch, -1);
        restampProducer(piece.batch, this.#delivery.stamp(item, piece, before));
        before += piece.records;
        out.push({ topic: item.lane.upstreamTopic, partition: piece.partition, batch: piece.batch });
      }
    }
    return this.#send(out, this.#delivery.transactionalId);
  }

  #leader(topic: string, partition: number): number {
    const leader = this.#cluster.topic(topic)?.leaders[partition] ?? -1;
    if (leader < 0) {
      this.#cluster.forgetTopic(topic);
      throw kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `upstream ${topic}/${partition}`);
    }
    return leader;
  }

  /** One Produce per leader, every partition of that leader in it (acks=-1); waits for all of
   * them, so what succeeded is known even when another leader failed. */
  async #send(batches: Outgoing[], transactionalId: string | null): Promise<SendFailure[]> {
    const byLeader = new Map<number, Outgoing[]>();
    for (const b of batches) {
      const leader = this.#leader(b.topic, b.partition);
      (byLeader.get(leader) ?? byLeader.set(leader, []).get(leader)!).push(b);
    }
    const settled = await Promise.allSettled([...byLeader].map(([leader, parts]) => this.#sendTo(leader, parts, transactionalId)));
    const failures: SendFailure[] = [];
    settled.forEach((r, i) => {
      if (r.status === "fulfilled") failures.push(...r.value);
      else {
        const error = r.reason instanceof UpstreamError ? r.reason : new UpstreamError("protocol", `unexpected: ${(r.reason as Error).stack ?? r.reason}`);
        for (const p of [...byLeader.values()][i]) failures.push({ topic: p.topic, partition: p.partition, error });
      }
    });
    return failures;
  }

  async #sendTo(leader: number, parts: Outgoing[], transactionalId: string | null): Promise<SendFailure[]> {
    const c = this.#p.config;
    const conn = await this.#cluster.broker(leader);
    const v = conn.requireVersion(ApiKey.Produce, 3, 8, "(RecordBatch v2 with acks=-1)");
    const topics = new Map<string, Array<{ index: number; records: Uint8Array }>>();
    for (const p of parts) (topics.get(p.topic) ?? topics.set(p.topic, []).get(p.topic)!).push({ index: p.partition, records: p.batch });
    const req: ProduceRequest = { transactionalId, acks: -1, timeoutMs: c.requestTimeoutMs, topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })) };
    const res = await conn.request<ProduceResponse>(ApiKey.Produce, v, req, c.requestTimeoutMs + 5000);
    const failures: SendFailure[] = [];
    for (const t of res.responses) {
      for (const p of t.partitionResponses) {
        if (p.errorCode === 0) continue;
        if (staleLeader.has(p.errorCode)) this.#cluster.forgetTopic(t.name);
        if (p.errorCode === ErrorCode.MESSAGE_TOO_LARGE) {
          const size = parts.find((x) => x.topic === t.name && x.partition === p.index)?.batch.length;
          const reason = `a stored batch of ${size} bytes is over upstream ${t.name}'s max.message.bytes (MESSAGE_TOO_LARGE); raise max.message.bytes upstream (or lower the local topic's max.message.bytes for new data)`;
          this.#blocked.set(t.name, { untilMs: Date.now() + blockedRetryMs, reason });
          this.status.blocked(t.name, reason);
        }
        failures.push({ topic: t.name, partition: p.index, error: kafkaError(p.errorCode, `Produce to upstream ${t.name}/${p.index} at ${conn.name}`, p.errorMessage ?? "") });
      }
    }
    return failures;
  }

  /** Counts `bytes` against rateLimitBytesPerS and waits until they are due, or `untilMs`. */
  async #rateLimit(bytes: number, untilMs: number): Promise<void> {
    const rate = this.#p.config.rateLimitBytesPerS;
    if (rate <= 0) return;
    const now = Date.now();
    // A window restarts after a pause so idle time is not saved up as a burst.
    if (bytes > 0 && (now - this.#rateWindowStartMs > 10_000 || this.#rateWindowBytes === 0)) {
      this.#rateWindowStartMs = now;
      this.#rateWindowBytes = 0;
    }
    this.#rateWindowBytes += bytes;
    const dueMs = Math.min(this.#rateWindowStartMs + (this.#rateWindowBytes / rate) * 1000, untilMs);
    if (dueMs > now) await sleep(dueMs - now, this.#stop.signal);
  }

  /** Lag of every selected partition, also those not shipping (upstream unreachable, topic
   * blocked): from the lanes known, else the local hints, else the log start. */
  #updateLag(): void {
    const lanes: Lane[] = [];
    for (const { topic, upstream, priority } of selectTopics(this.#p.config, this.#p.log.listTopics())) {
      for (let partition = 0; partition < topic.partitions; partition++) {
        const key = laneKey(topic.name, partition);
        const known = this.#lanes.get(key);
        let next = known?.next ?? this.#hints.get(key);
        if (next === undefined) {
          try {
            next = this.#p.log.partitionState(topic.name, partition).logStartOffset;
          } catch {
            continue;
          }
        }
        lanes.push({ key, topic: topic.name, partition, upstreamTopic: upstream, priority, next });
      }
    }
    this.status.update(this.#p.log, lanes);
  }

  /** Until a shipped-up partition gets data past `moved` (else its committed cursor), `timeoutMs` passes, or close. */
  async #waitForData(timeoutMs = idleWaitMs, moved?: Map<Lane, number>): Promise<void> {
    const wants = [...this.#lanes.values()].filter((l) => !this.#blocked.has(l.upstreamTopic)).map((l) => ({ topic: l.topic, partition: l.partition, offset: moved?.get(l) ?? l.next }));
    // Refused (a deleted topic): the next round finds out.
    await this.#p.log.waitForAnyStable(wants, timeoutMs, this.#stop.signal).catch(() => false);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function piecesBytes(item: RoundItem): number {
  let n = 0;
  for (const p of item.pieces) n += p.batch.length;
  return n;
}
