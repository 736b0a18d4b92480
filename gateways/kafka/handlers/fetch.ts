// Fetch (key 1), v4-v11. Serves whole stored batches, starting with the one holding the fetch
// offset (clients skip the earlier records), never re-encoded. Limits: max_bytes for the whole
// response and partition_max_bytes per partition, except that the first non-empty partition
// always gets at least one whole batch (KIP-74). With less than min_bytes ready it long-polls
// the log (waitForData on every requested partition) until max_wait_ms. At read_committed it
// serves only up to the last stable offset and lists the aborted transactions of what it sends,
// for the client to filter, as Kafka does. No fetch sessions are kept (session_id 0, KIP-227's
// full fetch every time). Batches are copied
// from the log into one pooled buffer per response, handed back once the socket has the bytes.
// With ACLs, a partition of a topic the principal may not READ gets TOPIC_AUTHORIZATION_FAILED
// (decided once per topic per request) and is never read; the others are served.
import type { FetchRequest, FetchResponse, FetchResponsePartition, FetchRequestPartition } from "../../../runtime/kafka/apis/fetch/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized } from "../authz/check.ts";
import { waitCalledOff } from "../../../runtime/log/waiters.ts";

const readCommitted = 1;
/** Upper bound on one long poll, whatever the client asks (Kafka clients use <= 500 ms). */
export const fetchWaitMsMax = 30_000;
/** The pooled read buffer of one response stays under this; batches past it come in Buffers
 * of their own (rare: kcat and kafkajs ask for 1 MiB per partition). */
const readBufferBytesMax = 16 * 2 ** 20;

interface Slot {
  topic: string;
  req: FetchRequestPartition;
  res: FetchResponsePartition;
  /** READ on the topic (ACLs). */
  readable: boolean;
}

function emptyPartition(ctx: RequestContext<FetchRequest>, index: number, errorCode: number): FetchResponsePartition {
  return {
    partitionIndex: index, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
    abortedTransactions: ctx.body.isolationLevel === readCommitted ? [] : null, preferredReadReplica: -1, records: [],
  };
}

/** What one response may hold: the client's max_bytes, within listeners.kafka.fetchBytesMax. */
function responseBytesMax(ctx: RequestContext<FetchRequest>): number {
  return Math.min(Math.max(ctx.body.maxBytes, 0), ctx.parts.listener.fetchBytesMax);
}

/** One pass over all partitions; returns the bytes gathered. Reads go into the response's read
 * buffer while it has room (each pass starts it over: every partition is read again). */
async function readPass(ctx: RequestContext<FetchRequest>, slots: Slot[], buffer: ReadBuffer): Promise<number> {
  const { log, logger } = ctx.parts;
  const committed = ctx.body.isolationLevel === readCommitted;
  let budget = responseBytesMax(ctx);
  let total = 0;
  let used = 0;
  for (const s of slots) {
    s.res = emptyPartition(ctx, s.req.partition, 0);
    if (!s.readable) {
      s.res.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      continue;
    }
    try {
      const state = await log.partitionState(s.topic, s.req.partition);
      if (!state) {
        s.res.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      const stable = state.lastStableOffset ?? state.highWatermark;
      Object.assign(s.res, { highWatermark: state.highWatermark, lastStableOffset: stable, logStartOffset: state.logStartOffset });
      const offset = s.req.fetchOffset;
      // offset == high watermark is valid: nothing yet, the consumer long-polls.
      if (offset < state.logStartOffset || offset > state.highWatermark) {
        s.res.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        continue;
      }
      if (offset >= (committed ? stable : state.highWatermark)) continue;
      // The first non-empty partition gets at least one batch even past the limits (KIP-74).
      const limit = total === 0 ? Math.max(1, Math.min(s.req.partitionMaxBytes, budget)) : Math.min(s.req.partitionMaxBytes, budget);
      if (limit <= 0) continue;
      const buf = buffer.take();
      const into = buf && used < buf.byteLength ? buf.subarray(used) : undefined;
      const r = committed && log.readCommitted
        ? await log.readCommitted(s.topic, s.req.partition, offset, limit, into)
        : into && log.readInto
          ? await log.readInto(s.topic, s.req.partition, offset, limit, into)
          : await log.read(s.topic, s.req.partition, offset, limit);
      const last = r.batches[r.batches.length - 1];
      if (buf && last?.buffer === buf.buffer) used = last.byteOffset + last.byteLength - buf.byteOffset;
      Object.assign(s.res, { highWatermark: r.highWatermark, lastStableOffset: r.lastStableOffset ?? stable, logStartOffset: r.logStartOffset, records: r.batches });
      if (committed) s.res.abortedTransactions = r.abortedTransactions ?? [];
      total += r.totalBytes;
      budget -= r.totalBytes;
    } catch (err) {
      s.res.errorCode = kafkaCodeOf(err, logger, `Fetch from ${s.topic}[${s.req.partition}]`).code;
    }
  }
  return total;
}

/** Waits until any readable partition grows past what this fetch has seen, or the deadline.
 * Returns false when no partition can grow (all failed) or a wait was refused (the log's bound
 * on parked readers, log.waiterCountPerPartitionMax, or the topic went away), so the caller
 * answers with what it has instead of polling again at once. */
async function waitForAny(ctx: RequestContext<FetchRequest>, slots: Slot[], waitMs: number): Promise<boolean> {
  const waitable = slots.filter((s) => s.res.errorCode === 0 && s.res.highWatermark >= 0);
  if (waitable.length === 0) return false;
  const stop = new AbortController();
  const onClose = () => stop.abort(waitCalledOff);
  ctx.signal.addEventListener("abort", onClose, { once: true });
  try {
    return await Promise.race(waitable.map((s) => {
      const { log } = ctx.parts;
      // read_committed waits for the last stable offset: data behind an open transaction is not news.
      if (ctx.body.isolationLevel === readCommitted && log.waitForStable) {
        const offset = Math.max(s.req.fetchOffset, s.res.lastStableOffset);
        return log.waitForStable(s.topic, s.req.partition, offset, waitMs, stop.signal).then(() => true, () => false);
      }
      const offset = Math.max(s.req.fetchOffset, s.res.highWatermark);
      return Promise.resolve(log.waitForData(s.topic, s.req.partition, offset, waitMs, stop.signal)).then(() => true, () => false);
    }));
  } finally {
    stop.abort(waitCalledOff);
    ctx.signal.removeEventListener("abort", onClose);
  }
}

interface ReadBuffer {
  /** The pooled buffer for what this fetch may return, taken at the first read (a long poll
   * that finds nothing holds none); undefined without a pool. */
  take(): Uint8Array | undefined;
  /** Back to the pool: the response has left, or never will. */
  release(): void;
}

function readBuffer(ctx: RequestContext<FetchRequest>, slots: Slot[]): ReadBuffer {
  const pool = ctx.parts.fetchBuffers;
  let taken: Uint8Array | undefined;
  return {
    take() {
      if (taken || !pool) return taken;
      const asked = slots.reduce((sum, s) => sum + Math.max(s.req.partitionMaxBytes, 0), 0);
      const bytes = Math.min(asked, responseBytesMax(ctx), readBufferBytesMax);
      if (bytes > 0) taken = pool.take(bytes);
      return taken;
    },
    release() {
      if (taken) pool?.give(taken);
      taken = undefined;
    },
  };
}

export const fetchHandler: KafkaHandler = async (ctx: RequestContext<FetchRequest>) => {
  const { body } = ctx;
  const slots: Slot[] = body.topics.flatMap((t) => {
    const readable = authorized(ctx, "topic", t.topic, "READ");
    return t.partitions.map((req) => ({ topic: t.topic, req, res: emptyPartition(ctx, req.partition, 0), readable }));
  });
  const deadline = Date.now() + Math.min(Math.max(body.maxWaitMs, 0), fetchWaitMsMax);
  const buffer = readBuffer(ctx, slots);
  let total;
  try {
    total = await readPass(ctx, slots, buffer);
    // Bounded: each round either gathers data or waits out the time left.
    while (total < Math.max(body.minBytes, 1) && Date.now() < deadline && !ctx.signal.aborted) {
      if (!(await waitForAny(ctx, slots, deadline - Date.now()))) break;
      total = await readPass(ctx, slots, buffer);
    }
  } catch (err) {
    buffer.release();
    throw err;
  }
  ctx.parts.metrics.counter("ledge_kafka_fetch_bytes_total", "Record batch bytes served to Kafka consumers").inc(total);
  const byTopic = new Map<string, FetchResponsePartition[]>();
  for (const s of slots) {
    const list = byTopic.get(s.topic) ?? [];
    list.push(s.res);
    byTopic.set(s.topic, list);
  }
  const response: FetchResponse = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
  };
  return { ...respond(response), release: buffer.release };
};
