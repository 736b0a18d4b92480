// The transaction coordinator (Kafka's classic protocol, KIP-98 and KIP-447 semantics): maps
// transactional ids to producer ids and epochs, tracks what each transaction touched, and ends
// it by writing COMMIT or ABORT markers into every partition it touched.
//
// Ending is Kafka's two-phase move: the state PrepareCommit/PrepareAbort is made durable first,
// then the markers are written (one event turn, so they share a log commit), then the pending
// group offsets, then CompleteCommit/CompleteAbort. A restart finds a Prepare state and writes
// the markers again (a second marker for a closed transaction changes nothing), so a decided
// transaction always completes; one still Ongoing is aborted once its timeout passes.
import type { TransactionsConfig } from "../config/schema.ts";
import { ErrorCode } from "../kafka/errors.ts";
import type { Logger } from "../logger.ts";
import type { AppendResult, KeyValueStore, TopicDescription, TxnMarker } from "../log/types.ts";
import { isEnding, mayBegin, newRecord, openStates, PRODUCER_EPOCH_MAX, type PendingOffset, type TxnRecord, type TxnStateName } from "./state.ts";

/** What the coordinator needs of the log. */
export interface TxnLog {
  openStore<V>(name: string): KeyValueStore<V>;
  appendMarker(topic: string, partition: number, marker: TxnMarker): Promise<AppendResult>;
  allocateProducerId(): Promise<number>;
  describeTopic(name: string): TopicDescription | undefined;
}

/** What it needs of the group coordinator and the committed offsets. */
export interface TxnGroups {
  memberCommitStatus(groupId: string, generationId: number, memberId: string): number;
  commitOffsets(group: string, offsets: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }>): Promise<void>;
}

/** Who is asking: the transactional id with the producer id and epoch it holds. */
export interface TxnCaller {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

/** Kafka's single-broker coordinator epoch: there is never another coordinator to fence. */
const COORDINATOR_EPOCH = 0;
const TIMEOUT_CHECK_MS = 1_000;

export class TransactionCoordinator {
  readonly #log: TxnLog;
  readonly #groups: TxnGroups;
  readonly #config: TransactionsConfig;
  readonly #logger: Logger;
  readonly #store: KeyValueStore<TxnRecord>;
  readonly #records = new Map<string, TxnRecord>();
  /** Transactional appends in flight per transactional id (see beginProduce). */
  readonly #producing = new Map<string, { count: number; settled: Array<() => void> }>();
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(log: TxnLog, groups: TxnGroups, config: TransactionsConfig, logger: Logger) {
    this.#log = log;
    this.#groups = groups;
    this.#config = config;
    this.#logger = logger;
    this.#store = log.openStore<TxnRecord>("transactions");
    for (const { value } of this.#store.range("")) this.#records.set(value.transactionalId, value);
    this.#timer = setInterval(() => void this.#expire(), TIMEOUT_CHECK_MS);
    this.#timer.unref();
  }

  /** Completes transactions a previous run decided but did not finish (call once, at start). */
  async recover(): Promise<void> {
    for (const r of this.#records.values()) {
      if (!isEnding(r.state)) continue;
      this.#logger.info(`completing transaction of '${r.transactionalId}' left in ${r.state} by the previous run (${r.partitions.length} partitions)`);
      await this.#finish(r, r.state === "PrepareCommit");
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  get openCount(): number {
    let n = 0;
    for (const r of this.#records.values()) if (openStates.has(r.state)) n++;
    return n;
  }

  // ---- InitProducerId ------------------------------------------------------------------------

  /** A producer id and epoch for `transactionalId`: new, or the next epoch, fencing the previous holder. */
  async initProducer(transactionalId: string, timeoutMs: number): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    const fail = (errorCode: number) => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId.length === 0) return fail(ErrorCode.INVALID_REQUEST);
    if (!(timeoutMs > 0 && timeoutMs <= this.#config.timeoutMsMax)) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let r = this.#records.get(transactionalId);
    const now = Date.now();
    if (!r) {
      if (this.#records.size >= this.#config.idCountMax && !this.#forgetIdle(now)) {
        this.#logger.warn(`a new transactional id '${transactionalId}' was refused: transactions.idCountMax (${this.#config.idCountMax}) ids are remembered and none has been idle for transactions.idExpirationMs; raise idCountMax or reuse transactional ids`);
        return fail(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
      }
      r = newRecord(transactionalId, await this.#log.allocateProducerId(), timeoutMs, now);
      if (this.#records.has(transactionalId)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS); // raced with itself
      this.#records.set(transactionalId, r);
      await this.#persist(r, "durable");
      return { errorCode: ErrorCode.NONE, producerId: r.producerId, producerEpoch: r.producerEpoch };
    }
    if (isEnding(r.state)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (r.state === "Ongoing") {
      // A new instance: fence the old one (epoch bump) and abort what it left open.
      this.#logger.info(`transactional id '${transactionalId}' re-initialised while a transaction was open: aborting it and fencing the previous producer (epoch ${r.producerEpoch})`);
      await this.#bumpEpoch(r);
      await this.#end(r, false);
    }
    await this.#bumpEpoch(r, timeoutMs);
    return { errorCode: ErrorCode.NONE, producerId: r.producerId, producerEpoch: r.producerEpoch };
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn --------------------------------------------------

  /** Per partition: NONE, or the error that refused the whole request. */
  async addPartitions(caller: TxnCaller, partitions: Array<{ topic: string; partition: number }>): Promise<number[]> {
    const r = this.#records.get(caller.transactionalId);
    const code = this.#checkCaller(r, caller) || this.#checkMayAdd(r!);
    if (code) return partitions.map(() => code);
    const missing = partitions.map(({ topic, partition }) => {
      const t = this.#log.describeTopic(topic);
      return !t || partition < 0 || partition >= t.partitions;
    });
    if (missing.some(Boolean)) return missing.map((m) => (m ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    const known = new Set(r!.partitions.map(([t, p]) => `${t}\u0000${p}`));
    const fresh = partitions.filter(({ topic, partition }) => !known.has(`${topic}\u0000${partition}`));
    if (r!.partitions.length + fresh.length > this.#config.partitionCountMax) {
      this.#logger.warn(`transactional id '${caller.transactionalId}': a transaction may touch at most transactions.partitionCountMax (${this.#config.partitionCountMax}) partitions; refused ${fresh.length} more`);
      return partitions.map(() => ErrorCode.POLICY_VIOLATION);
    }
    if (fresh.length === 0 && r!.state === "Ongoing") return partitions.map(() => ErrorCode.NONE); // nothing new to remember
    this.#begin(r!);
    for (const { topic, partition } of fresh) r!.partitions.push([topic, partition]);
    // Issued before the answer, so stored no later than the first append to it (durable with
    // it): after a crash the markers must reach every partition written to.
    this.#persistBehind(r!);
    return partitions.map(() => ErrorCode.NONE);
  }

  async addOffsets(caller: TxnCaller, groupId: string): Promise<number> {
    const r = this.#records.get(caller.transactionalId);
    const code = this.#checkCaller(r, caller) || this.#checkMayAdd(r!);
    if (code) return code;
    if (groupId.length === 0) return ErrorCode.INVALID_GROUP_ID;
    this.#begin(r!);
    if (!r!.groups.includes(groupId)) r!.groups.push(groupId);
    this.#persistBehind(r!);
    return ErrorCode.NONE;
  }

  // ---- TxnOffsetCommit -----------------------------------------------------------------------

  /** Offsets that become the group's committed offsets when the transaction commits. */
  async commitOffsets(caller: TxnCaller, group: { groupId: string; generationId: number; memberId: string }, offsets: Array<Omit<PendingOffset, "group">>): Promise<number> {
    const r = this.#records.get(caller.transactionalId);
    const code = this.#checkCaller(r, caller);
    if (code) return code;
    if (r!.state !== "Ongoing" || !r!.groups.includes(group.groupId)) return ErrorCode.INVALID_TXN_STATE;
    const member = this.#groups.memberCommitStatus(group.groupId, group.generationId, group.memberId);
    if (member !== ErrorCode.NONE) return member;
    const kept = r!.offsets.filter((o) => !(o.group === group.groupId && offsets.some((n) => n.topic === o.topic && n.partition === o.partition)));
    if (kept.length + offsets.length > this.#config.offsetCountMax) {
      this.#logger.warn(`transactional id '${caller.transactionalId}': a transaction may commit at most transactions.offsetCountMax (${this.#config.offsetCountMax}) offsets`);
      return ErrorCode.POLICY_VIOLATION;
    }
    r!.offsets = [...kept, ...offsets.map((o) => ({ ...o, group: group.groupId }))];
    this.#persistBehind(r!);
    return ErrorCode.NONE;
  }

  // ---- EndTxn --------------------------------------------------------------------------------

  async endTransaction(caller: TxnCaller, commit: boolean): Promise<number> {
    const r = this.#records.get(caller.transactionalId);
    const code = this.#checkCaller(r, caller);
    if (code) return code;
    switch (r!.state) {
      case "Ongoing":
        await this.#end(r!, commit);
        return ErrorCode.NONE;
      case "PrepareCommit":
      case "PrepareAbort":
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      case "CompleteCommit":
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE; // a retried commit
      case "CompleteAbort":
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  // ---- Produce gating ------------------------------------------------------------------------

  /**
   * May this transactional producer write to topic/partition now? NONE (then call endProduce
   * once the append settled: ending the transaction waits for it, so no data can land after its
   * marker) or Kafka's refusal.
   */
  beginProduce(caller: TxnCaller, topic: string, partition: number): number {
    const r = this.#records.get(caller.transactionalId);
    const code = this.#checkCaller(r, caller);
    if (code) return code;
    if (r!.state !== "Ongoing") return ErrorCode.INVALID_TXN_STATE;
    if (!r!.partitions.some(([t, p]) => t === topic && p === partition)) return ErrorCode.INVALID_TXN_STATE;
    const n = this.#producing.get(caller.transactionalId);
    if (n) n.count++;
    else this.#producing.set(caller.transactionalId, { count: 1, settled: [] });
    return ErrorCode.NONE;
  }

  endProduce(transactionalId: string): void {
    const n = this.#producing.get(transactionalId);
    if (!n || --n.count > 0) return;
    this.#producing.delete(transactionalId);
    for (const resolve of n.settled) resolve();
  }

  #appendsSettled(transactionalId: string): Promise<void> {
    const n = this.#producing.get(transactionalId);
    return n ? new Promise((resolve) => n.settled.push(resolve)) : Promise.resolve();
  }

  // ---- DescribeTransactions / ListTransactions -----------------------------------------------

  describe(transactionalId: string): TxnRecord | undefined {
    return this.#records.get(transactionalId);
  }

  list(filter: { states: string[]; producerIds: number[] }): TxnRecord[] {
    const out: TxnRecord[] = [];
    for (const r of this.#records.values()) {
      if (filter.states.length > 0 && !filter.states.includes(r.state)) continue;
      if (filter.producerIds.length > 0 && !filter.producerIds.includes(r.producerId)) continue;
      out.push(r);
    }
    return out;
  }

  // ---- internals -----------------------------------------------------------------------------

  #checkCaller(r: TxnRecord | undefined, caller: TxnCaller): number {
    if (this.#closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!r || r.state === "Dead") return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (r.producerId !== caller.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    // Older: fenced by a newer instance; newer: an epoch this coordinator never handed out.
    if (caller.producerEpoch !== r.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    return ErrorCode.NONE;
  }

  #checkMayAdd(r: TxnRecord): number {
    if (isEnding(r.state)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (r.state === "Ongoing") return ErrorCode.NONE;
    if (!mayBegin.has(r.state)) return ErrorCode.INVALID_TXN_STATE;
    if (this.openCount >= this.#config.openCountMax) {
      this.#logger.warn(`transactional id '${r.transactionalId}' must wait: transactions.openCountMax (${this.#config.openCountMax}) transactions are open; the client retries (CONCURRENT_TRANSACTIONS)`);
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    }
    return ErrorCode.NONE;
  }

  /** Empty/Complete* -> Ongoing (in memory; the caller persists). */
  #begin(r: TxnRecord): void {
    if (r.state === "Ongoing") return;
    r.state = "Ongoing";
    r.partitions = [];
    r.groups = [];
    r.offsets = [];
    r.startedMs = Date.now();
  }

  /** The next epoch (a new producer id past the int16 range); fences every older holder. */
  async #bumpEpoch(r: TxnRecord, timeoutMs = r.timeoutMs): Promise<void> {
    if (r.producerEpoch >= PRODUCER_EPOCH_MAX) {
      r.producerId = await this.#log.allocateProducerId();
      r.producerEpoch = 0;
    } else {
      r.producerEpoch += 1;
    }
    r.timeoutMs = timeoutMs;
    if (!openStates.has(r.state)) r.state = "Empty";
    await this.#persist(r, "durable");
  }

  /**
   * Ongoing -> Prepare* -> markers -> offsets -> Complete*. Prepare* is issued before the markers
   * and not awaited first: the log commits in issue order, so it is stored no later than they are,
   * and their fsync makes both durable (one fsync per EndTxn instead of two).
   */
  async #end(r: TxnRecord, commit: boolean): Promise<void> {
    r.state = commit ? "PrepareCommit" : "PrepareAbort";
    const prepared = this.#persist(r);
    prepared.catch(() => undefined); // awaited below, after the markers
    await this.#finish(r, commit);
    await prepared;
  }

  async #finish(r: TxnRecord, commit: boolean): Promise<void> {
    await this.#appendsSettled(r.transactionalId);
    const marker: TxnMarker = { producerId: r.producerId, producerEpoch: r.producerEpoch, commit, coordinatorEpoch: COORDINATOR_EPOCH };
    // All markers in one event turn: the log's group commit puts them in one LMDB transaction.
    const written = r.partitions.map(([topic, partition]) => this.#log.appendMarker(topic, partition, marker).catch((err: Error) => {
      // A partition deleted meanwhile has nothing left to mark; anything else is retried at start.
      if (!this.#log.describeTopic(topic)) return undefined;
      throw err;
    }));
    await Promise.all(written);
    if (commit) {
      const byGroup = new Map<string, PendingOffset[]>();
      for (const o of r.offsets) (byGroup.get(o.group) ?? byGroup.set(o.group, []).get(o.group)!).push(o);
      for (const [group, offsets] of byGroup) await this.#groups.commitOffsets(group, offsets);
    }
    r.state = commit ? "CompleteCommit" : "CompleteAbort";
    r.partitions = [];
    r.groups = [];
    r.offsets = [];
    r.startedMs = -1;
    // Not awaited: the markers and offsets are durable, which is what the answer promises. Lost
    // in a crash, the record still says Prepare*, and the restart writes the markers again (a
    // second marker for a closed transaction changes nothing). Saves one fsync per transaction.
    this.#persist(r).catch((err: Error) => this.#logger.warn(`storing the completed transaction of '${r.transactionalId}' failed (${err.message}); the next start completes it again`));
  }

  /**
   * Stores the record. `committed`: no fsync of its own; what follows makes it durable (the
   * transaction's appends are acknowledged only after their fsync, EndTxn only after its
   * markers', and the log commits writes in the order they were issued). An epoch bump is
   * durable on its own: fencing must survive a crash before anything else is written.
   */
  async #persist(r: TxnRecord, durability: "durable" | "committed" = "committed"): Promise<void> {
    r.updatedMs = Date.now();
    const record = { ...r, partitions: [...r.partitions], groups: [...r.groups], offsets: [...r.offsets] };
    if (durability === "durable") await this.#store.put(r.transactionalId, record);
    else await this.#store.putCommitted(r.transactionalId, record);
  }

  /**
   * #persist() issued and not awaited: for what the client is told while running comes from
   * memory, and the write only has to reach disk before anything written after it (the
   * transaction's appends, its markers), which the log's commit order guarantees. A failure
   * is logged; EndTxn's markers still go to every partition this process remembers.
   */
  #persistBehind(r: TxnRecord): void {
    this.#persist(r).catch((err: Error) => this.#logger.error(`storing the state of transactional id '${r.transactionalId}' failed (${err.message}); if ledge stops before the transaction ends, check the data directory's disk`));
  }

  /** Aborts transactions open past their timeout, fencing their producers (Kafka's behaviour). */
  async #expire(): Promise<void> {
    if (this.#closed) return;
    const now = Date.now();
    for (const r of [...this.#records.values()]) {
      if (r.state !== "Ongoing" || now - r.startedMs <= r.timeoutMs) continue;
      this.#logger.warn(`transaction of '${r.transactionalId}' (producer ${r.producerId}, epoch ${r.producerEpoch}) was open for more than its timeout of ${r.timeoutMs} ms: aborting it and fencing that producer; the application must start a new transaction`);
      try {
        await this.#bumpEpoch(r);
        await this.#end(r, false);
      } catch (err) {
        this.#logger.error(`aborting the timed-out transaction of '${r.transactionalId}' failed: ${(err as Error).message}; retried in ${TIMEOUT_CHECK_MS} ms`);
        r.state = "Ongoing"; // try again on the next check
      }
    }
  }

  /** Forgets one id idle longer than idExpirationMs (no open transaction); false if none. */
  #forgetIdle(now: number): boolean {
    for (const r of this.#records.values()) {
      if (openStates.has(r.state) || now - r.updatedMs < this.#config.idExpirationMs) continue;
      this.#records.delete(r.transactionalId);
      void this.#store.remove(r.transactionalId).catch(() => undefined);
      return true;
    }
    return false;
  }
}

export type { TxnRecord, TxnStateName };
