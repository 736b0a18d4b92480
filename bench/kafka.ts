// `npm run bench -- kafka`: the Kafka listener against the log it serves, same data, same run
// (issue #5). 100-byte records, acks=-1, storage.sync: always, one partition.
//   produce-vs-log-append: records/s of `kcat -P -l` (librdkafka, linger.ms=5,
//     batch.num.messages=10000, batch.size=1000000) into ledge, vs Log.append of the very batches
//     kcat made (read back from ledge, baseOffset reset to 0) in-process into a fresh log, 5 in
//     flight (librdkafka's max.in.flight for idempotence). kafkajs's producer rate is in the notes.
//   fetch-vs-log-read: records/s of `kcat -C -e -o beginning` reading them all back (4 MiB per
//     partition fetch), vs Log.read of the same partition in-process with the same fetch size.
//   produce-kcat-ceiling, fetch-kcat-ceiling: the same kcat commands against librdkafka's own mock
//     cluster (an independent broker answering from memory, no fsync), over the same baselines:
//     what this client reaches against a broker that costs almost nothing. When that is below a
//     target, no broker can meet the target with this client. The mock keeps only ~5 MB per
//     partition, so the fetch ceiling reads CEILING_RECORDS from each of 4 partitions (ledge's
//     rate on the same set is in its notes).
//   produce-lean-vs-log-append, fetch-lean-vs-log-read: the same batches and baselines, with a
//     lean generator that is not the bound (bench/lib/kafka-load.ts: pre-encoded Produce v7 of
//     the very batches, acks=-1, LEAN.windowCount in flight on each of LEAN.connections
//     connections; Fetch v11 with one consumer per connection over a slice of the partition,
//     counting records from batch headers) against bin/ledge as its own process (sync: always).
//   produce-lean-generator, fetch-lean-generator: not ledge: the generator against a broker that
//     answers from memory (bench/lib/kafka-sink.ts), over the same baselines: what it can drive.
//   txn-produce-vs-idempotent: records/s of a transactional producer (bench/lib/kafka-txn.ts: the
//     lean client, one transaction per 10,000 records, AddPartitionsToTxn and EndTxn commit
//     timed) into bin/ledge as its own process, vs the same client as an idempotent producer of
//     the same batches into the same ledge, runs interleaved.
//   read-committed-vs-uncommitted: records/s the same reader walks at read_committed through a
//     partition of such transactions with every 10th aborted, vs read_uncommitted of the same
//     partition (both count the data records the broker returned; the committed ones a client
//     keeps are in the notes).
// `--rows=NAME,...` runs only the groups those rows need (e.g. --rows=txn-produce-vs-idempotent).
// kcat's fixed start/stop time (measured on a one-record topic of the same broker in the same run)
// is subtracted. Notes give the CPU seconds kcat and ledge spent per run: with both near the wall
// time on a 2-core machine, the two processes take turns (one fetch in flight, one produce batch
// filling while the last is acked) and neither side alone is the bound.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { Log } from "../runtime/log/index.ts";
import { readNextOffset, readRecordCount, setBaseOffset } from "../runtime/core/index.ts";
import { readConfig } from "../runtime/config/index.ts";
import { Metrics } from "../runtime/metrics/index.ts";
import { startKafkaGateway } from "../gateways/kafka/server.ts";
import { progress, result, type BenchResult } from "./lib/report.ts";
import { PRODUCE_FLAGS, runKcat, startMockCluster, type KcatRun } from "./lib/kcat.ts";
import { openBenchLog, quietLogger } from "./lib/bench-log.ts";
import { measureLean, processCpuSeconds, startLedgeChild, type LeanMeasured } from "./lib/kafka-lean.ts";
import { createTopic } from "./lib/kafka-load.ts";
import { encodeRecordBatches, runTxnFetch, runTxnProduce, type FetchRun, type ProduceRun } from "./lib/kafka-txn.ts";

const RECORDS = Number(process.env.KAFKA_BENCH_RECORDS ?? 300_000);
const RECORD_BYTES = 100;
/** kcat's fetch.message.max.bytes (per partition) and the baseline's read size: a few ~1 MB
 * batches per round trip instead of one. */
const FETCH_BYTES = 4 << 20;
/** Per partition: fits in the ~5 MB per partition that librdkafka's mock cluster keeps. */
const CEILING_RECORDS = 40_000;
/** The mock creates topics with 4 partitions; reading all four gives the ceiling run enough
 * records to time against kcat's start/stop. */
const CEILING_PARTITIONS = 4;
const P0 = ["-p", "0"];
const KCAT_TIMEOUT_MS = 120_000;
/** Each side runs this many times; the median is reported (the machine is shared and noisy). */
const RUNS = 5;
const CEILING_RUNS = 7;
/** The lean generator's shape: 2 x 4 Produce requests in flight (librdkafka keeps 5); each run
 * produces the batches 3 times and reads the partition 5 times, so a run lasts ~1 s. */
const LEAN = { connections: 2, windowCount: 4, producePasses: 3, fetchPasses: 5, timeLimitMs: 120_000 };
/** The transaction rows: 1,000 records per Produce (a client's linger batch), 10 of them per
 * transaction (the issue's 10,000 records), 5 in flight (an idempotent producer's most); the
 * fetch data has every 10th transaction aborted and is read 5 times per run. Many short rounds,
 * the two sides alternating, each row's ratio the median of its rounds' ratios: the shared
 * machine's load swings over seconds, and a pair of neighbouring runs sees the same load. */
const TXN = { recordsPerBatch: 1000, batchesPerTransaction: 10, abortEvery: 10, windowCount: 5, fetchPasses: 5, rounds: 11 };
const TXN_ROWS = ["txn-produce-vs-idempotent", "read-committed-vs-uncommitted"];

function recordsFile(dir: string, name: string, count: number): string {
  const file = join(dir, name);
  const line = "x".repeat(RECORD_BYTES - 1);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`${String(i).padStart(10, "0")}${line.slice(10)}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** All stored batches of partition 0, copied, baseOffset reset as a producer would send them. */
function storedBatches(log: Log, topic: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const hwm = log.partitionState(topic, 0).highWatermark;
  let offset = 0;
  for (let guard = 0; offset < hwm && guard < 1_000_000; guard++) {
    const r = log.read(topic, 0, offset, FETCH_BYTES);
    for (const b of r.batches) {
      const copy = b.slice();
      offset = readNextOffset(copy);
      setBaseOffset(copy, 0);
      out.push(copy);
    }
  }
  return out;
}

async function appendRate(batches: Uint8Array[], records: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-kafka-base-"));
  const log = await openBenchLog(dir, { autoCreateTopics: true });
  await log.createTopic("base", 1);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 5 }, async () => {
    while (next < batches.length) await log.append("base", 0, batches[next++].slice());
  }));
  const rate = records / ((performance.now() - t0) / 1000);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/** Several whole passes over the partition: one pass of 300k records takes only a few ms, too
 * short to time on a shared machine. */
function readRate(log: Log, topic: string, passes = 10): number {
  const hwm = log.partitionState(topic, 0).highWatermark;
  const t0 = performance.now();
  let records = 0;
  for (let pass = 0; pass < passes; pass++) {
    let offset = 0;
    for (let guard = 0; offset < hwm && guard < 1_000_000; guard++) {
      const r = log.read(topic, 0, offset, FETCH_BYTES);
      for (const b of r.batches) {
        records += readRecordCount(b);
        offset = readNextOffset(b);
      }
    }
  }
  return records / ((performance.now() - t0) / 1000);
}

async function kafkajsProduceRate(port: number): Promise<number> {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const value = "y".repeat(RECORD_BYTES);
  const perSend = 1000;
  const sends = Math.max(1, Math.floor(RECORDS / 10 / perSend));
  const t0 = performance.now();
  for (let i = 0; i < sends; i++) {
    await producer.send({ topic: "bench-kafkajs", acks: -1, messages: Array.from({ length: perSend }, () => ({ value })) });
  }
  const rate = (sends * perSend) / ((performance.now() - t0) / 1000);
  await producer.disconnect();
  return rate;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}


/** Several batches per fetch, a deep prefetch queue, and a short end-of-data long poll (it is
 * also inside the subtracted start/stop time). Output goes to /dev/null. */
const CONSUME_FLAGS = ["-C", "-o", "beginning", "-e", "-q", "-f", "%o\n", "-X", "fetch.wait.max.ms=20",
  "-X", `fetch.message.max.bytes=${FETCH_BYTES}`, "-X", "fetch.max.bytes=52428800", "-X", "queued.max.messages.kbytes=1048576"];

interface Overheads {
  produceS: number;
  consumeS: number;
}

interface Timed {
  rate: number;
  kcatCpuS: number;
  /** CPU this process (ledge's listener and log) spent meanwhile; ~0 against the mock. */
  ledgeCpuS: number;
}

async function timedKcat(args: string[], records: number, overheadS: number): Promise<Timed> {
  const cpu0 = process.cpuUsage();
  const run: KcatRun = await runKcat(args, KCAT_TIMEOUT_MS);
  const cpu = process.cpuUsage(cpu0);
  return { rate: records / Math.max(run.seconds - overheadS, 0.001), kcatCpuS: run.cpuSeconds, ledgeCpuS: (cpu.user + cpu.system) / 1e6 };
}

/** kcat's start-up and shutdown (process, librdkafka init, metadata, linger, final flush or
 * end-of-data poll) on a one-record topic, so the rates compare moving records. */
async function measureOverheads(bootstrap: string, oneRecordFile: string): Promise<Overheads> {
  const produce: number[] = [];
  const consume: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    produce.push((await runKcat(["-b", bootstrap, ...PRODUCE_FLAGS, ...P0, "-t", "bench-one", oneRecordFile], KCAT_TIMEOUT_MS)).seconds);
    consume.push((await runKcat(["-b", bootstrap, ...CONSUME_FLAGS, ...P0, "-t", "bench-one"], KCAT_TIMEOUT_MS)).seconds);
  }
  return { produceS: median(produce), consumeS: median(consume) };
}

const verdict = (ceilingRatio: number) => (ceilingRatio < 0.7 ? "below 0.7: no broker meets the target with this client here" : "the client allows 0.7");
const fmtRate = (n: number) => Math.round(n).toLocaleString("en-US");
const cpuNote = (xs: Timed[], records: number, withLedge: boolean) => {
  const kcat = median(xs.map((x) => x.kcatCpuS));
  const ledge = withLedge ? `, ledge ${median(xs.map((x) => x.ledgeCpuS)).toFixed(2)} s` : "";
  return `CPU per run: kcat ${kcat.toFixed(2)} s (${fmtRate(records / Math.max(kcat, 0.001))} rec per kcat CPU-s)${ledge}`;
};

interface Measured {
  ledgeProduce: Timed[];
  mockProduce: Timed[];
  ledgeFetch: Timed[];
  appendRates: number[];
  readRates: number[];
  batchCount: number;
}

/** RUNS interleaved rounds (the machine is shared: both brokers see the same load). */
async function measureFullRuns(log: Log, ledge: string, mock: string, over: { ledge: Overheads; mock: Overheads }, file: string): Promise<Measured> {
  const m: Measured = { ledgeProduce: [], mockProduce: [], ledgeFetch: [], appendRates: [], readRates: [], batchCount: 0 };
  for (let run = 0; run < RUNS; run++) {
    const topic = `bench-${run}`;
    await log.createTopic(topic, 1);
    progress(`run ${run + 1}/${RUNS}: kcat -P -l ${RECORDS} records of ${RECORD_BYTES} B into ledge, then into librdkafka's mock cluster`);
    m.ledgeProduce.push(await timedKcat(["-b", ledge, ...PRODUCE_FLAGS, ...P0, "-t", topic, file], RECORDS, over.ledge.produceS));
    const stored = log.partitionState(topic, 0).highWatermark;
    if (stored !== RECORDS) throw new Error(`ledge stored ${stored} of ${RECORDS} records`);
    m.mockProduce.push(await timedKcat(["-b", mock, ...PRODUCE_FLAGS, ...P0, "-t", topic, file], RECORDS, over.mock.produceS));
    const batches = storedBatches(log, topic);
    m.batchCount = batches.length;
    progress(`run ${run + 1}/${RUNS}: Log.append of the same ${batches.length} batches in-process`);
    m.appendRates.push(await appendRate(batches, RECORDS));
    progress(`run ${run + 1}/${RUNS}: kcat -C -e -o beginning from ledge`);
    m.ledgeFetch.push(await timedKcat(["-b", ledge, ...CONSUME_FLAGS, ...P0, "-t", topic], RECORDS, over.ledge.consumeS));
    m.readRates.push(readRate(log, topic));
  }
  return m;
}

/** The fetch ceiling: the same consume (all partitions of one topic) from the mock cluster and
 * from ledge, on a set the mock keeps whole, interleaved. */
async function measureFetchCeiling(log: Log, ledge: string, mock: string, over: { ledge: Overheads; mock: Overheads }, file: string) {
  await log.createTopic("bench-ceiling", CEILING_PARTITIONS);
  for (let p = 0; p < CEILING_PARTITIONS; p++) {
    for (const broker of [ledge, mock]) await runKcat(["-b", broker, ...PRODUCE_FLAGS, "-p", String(p), "-t", "bench-ceiling", file], KCAT_TIMEOUT_MS);
  }
  const records = CEILING_RECORDS * CEILING_PARTITIONS;
  const mockFetch: Timed[] = [];
  const ledgeFetch: Timed[] = [];
  for (let i = 0; i < CEILING_RUNS; i++) {
    progress(`fetch ceiling ${i + 1}/${CEILING_RUNS}: kcat -C of ${records} records from the mock cluster, then from ledge`);
    mockFetch.push(await timedKcat(["-b", mock, ...CONSUME_FLAGS, "-t", "bench-ceiling"], records, over.mock.consumeS));
    ledgeFetch.push(await timedKcat(["-b", ledge, ...CONSUME_FLAGS, "-t", "bench-ceiling"], records, over.ledge.consumeS));
  }
  return { mockFetch, ledgeFetch };
}

export default async function kafkaBench(args: string[] = []): Promise<BenchResult[]> {
  const rows = args.find((a) => a.startsWith("--rows="))?.slice("--rows=".length).split(",");
  const wanted = (names: string[]) => rows === undefined || names.some((n) => rows.includes(n));
  const results = [
    ...(wanted(["produce-vs-log-append", "fetch-vs-log-read", "produce-kcat-ceiling", "fetch-kcat-ceiling", "produce-lean-vs-log-append",
      "fetch-lean-vs-log-read", "produce-lean-generator", "fetch-lean-generator"]) ? await produceFetchRows() : []),
    ...(wanted(TXN_ROWS) ? txnReport(await measureTxn()) : []),
  ];
  return rows === undefined ? results : results.filter((r) => rows.includes(r.name));
}

async function produceFetchRows(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-kafka-"));
  const log = await openBenchLog(join(dir, "data"), { autoCreateTopics: true });
  const config = readConfig({ listeners: { kafka: { host: "127.0.0.1", port: 0 } } });
  const gateway = await startKafkaGateway({ config, log, logger: quietLogger, metrics: new Metrics() });
  const mock = await startMockCluster();
  const ledge = `127.0.0.1:${gateway.port}`;
  try {
    const file = recordsFile(dir, "records.txt", RECORDS);
    const ceilingFile = recordsFile(dir, "ceiling.txt", CEILING_RECORDS);
    const one = recordsFile(dir, "one.txt", 1);
    await log.createTopic("bench-one", 1);
    const over = { ledge: await measureOverheads(ledge, one), mock: await measureOverheads(mock.bootstrap, one) };
    const m = await measureFullRuns(log, ledge, mock.bootstrap, over, file);
    const ceiling = await measureFetchCeiling(log, ledge, mock.bootstrap, over, ceilingFile);
    progress("kafkajs producer (notes)");
    const kafkajsRate = await kafkajsProduceRate(gateway.port);
    const lean = await measureLean({ ...LEAN, batches: storedBatches(log, "bench-0"), records: RECORDS, runs: RUNS, fetchBytes: FETCH_BYTES });
    return [...report(m, ceiling, over, kafkajsRate), ...leanReport(lean, median(m.appendRates), median(m.readRates))];
  } finally {
    await mock.close();
    await gateway.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(m: Measured, ceiling: { mockFetch: Timed[]; ledgeFetch: Timed[] }, over: { ledge: Overheads; mock: Overheads }, kafkajsRate: number): BenchResult[] {
  const rate = (xs: Timed[]) => median(xs.map((x) => x.rate));
  const baseAppend = median(m.appendRates);
  const baseRead = median(m.readRates);
  const produceCeiling = rate(m.mockProduce);
  const fetchCeiling = rate(ceiling.mockFetch);
  return [
    result({ name: "produce-vs-log-append", unit: "records/s", ledge: rate(m.ledgeProduce), baseline: baseAppend, baselineName: "Log.append, same batches", target: 0.7,
      notes: `${RECORDS} x ${RECORD_BYTES} B via kcat -P -l, less kcat's ${over.ledge.produceS.toFixed(2)} s start/stop; ${m.batchCount} batches; median of ${RUNS}; ` +
        `${cpuNote(m.ledgeProduce, RECORDS, true)}; ${(rate(m.ledgeProduce) / produceCeiling).toFixed(2)} of kcat into the mock broker; ` +
        `client ceiling ${(produceCeiling / baseAppend).toFixed(2)} (produce-kcat-ceiling: ${verdict(produceCeiling / baseAppend)}); kafkajs idempotent producer ${fmtRate(kafkajsRate)} rec/s` }),
    result({ name: "fetch-vs-log-read", unit: "records/s", ledge: rate(m.ledgeFetch), baseline: baseRead, baselineName: "Log.read, same data", target: 0.7,
      notes: `kcat -C -e -o beginning, ${FETCH_BYTES >> 20} MiB per fetch, less kcat's ${over.ledge.consumeS.toFixed(2)} s start/stop; ${cpuNote(m.ledgeFetch, RECORDS, true)}; ` +
        `client ceiling ${(fetchCeiling / baseRead).toFixed(2)} (fetch-kcat-ceiling: ${verdict(fetchCeiling / baseRead)})` }),
    result({ name: "produce-kcat-ceiling", unit: "records/s", ledge: produceCeiling, baseline: baseAppend, baselineName: "Log.append, same batches", target: null,
      notes: `not ledge: the same kcat -P into librdkafka's mock cluster (memory, no fsync), less its ${over.mock.produceS.toFixed(2)} s start/stop; ` +
        `${cpuNote(m.mockProduce, RECORDS, false)}; ${verdict(produceCeiling / baseAppend)}` }),
    result({ name: "fetch-kcat-ceiling", unit: "records/s", ledge: fetchCeiling, baseline: baseRead, baselineName: "Log.read, same data", target: null,
      notes: `not ledge: the same kcat -C of ${CEILING_PARTITIONS} x ${CEILING_RECORDS} records (what the mock keeps) from librdkafka's mock cluster, median of ${CEILING_RUNS}; ` +
        `ledge on the same set ${fmtRate(rate(ceiling.ledgeFetch))} rec/s (${(rate(ceiling.ledgeFetch) / fetchCeiling).toFixed(2)} of the mock); ` +
        `${cpuNote(ceiling.mockFetch, CEILING_RECORDS * CEILING_PARTITIONS, false)}; ${verdict(fetchCeiling / baseRead)}` }),
  ];
}

function leanReport(lean: LeanMeasured, baseAppend: number, baseRead: number): BenchResult[] {
  type Side = LeanMeasured["ledge"][number];
  const rate = (xs: Side[], k: "produce" | "fetch") => median(xs.map((x) => x[k].ratePerSecond));
  const cpu = (xs: Side[], k: "produce" | "fetch", who: "cpuSeconds" | "brokerCpuSeconds") => median(xs.map((x) => x[k][who])).toFixed(2);
  const ms = (xs: Side[], k: "latencyP50Ms" | "latencyP99Ms") => median(xs.map((x) => x.produce[k])).toFixed(1);
  const wall = (xs: Side[], k: "produce" | "fetch") => median(xs.map((x) => x[k].seconds)).toFixed(2);
  const produced = RECORDS * LEAN.producePasses;
  const read = produced * LEAN.fetchPasses;
  const shape = `${LEAN.connections} connections`;
  // What the generator could drive with a whole core to itself: records per CPU-second it spent.
  const perCpu = (k: "produce" | "fetch", records: number) => fmtRate(records / Math.max(Number(cpu(lean.ledge, k, "cpuSeconds")), 0.001));
  const vsSink = (k: "produce" | "fetch") => `${(rate(lean.ledge, k) / rate(lean.sink, k)).toFixed(2)} of the generator's rate into the sink; ` +
    `generator ${perCpu(k, k === "produce" ? produced : read)} rec per generator CPU-s`;
  return [
    result({ name: "produce-lean-vs-log-append", unit: "records/s", ledge: rate(lean.ledge, "produce"), baseline: baseAppend, baselineName: "Log.append, same batches", target: 0.7,
      notes: `bin/ledge child process, sync: always; ${produced} records (the same batches x ${LEAN.producePasses}) as Produce v7 acks=-1, ${shape} x ${LEAN.windowCount} in flight; median of ${RUNS}; ` +
        `per run ${wall(lean.ledge, "produce")} s wall, ledge ${cpu(lean.ledge, "produce", "brokerCpuSeconds")} CPU-s, generator ${cpu(lean.ledge, "produce", "cpuSeconds")} CPU-s; ` +
        `answer latency p50 ${ms(lean.ledge, "latencyP50Ms")} p99 ${ms(lean.ledge, "latencyP99Ms")} ms (sink ${ms(lean.sink, "latencyP50Ms")} / ${ms(lean.sink, "latencyP99Ms")}); ${vsSink("produce")}` }),
    result({ name: "fetch-lean-vs-log-read", unit: "records/s", ledge: rate(lean.ledge, "fetch"), baseline: baseRead, baselineName: "Log.read, same data", target: 0.7,
      notes: `bin/ledge child process; Fetch v11 of ${FETCH_BYTES >> 20} MiB, ${shape}, one consumer each over half the partition, ${read} records (${LEAN.fetchPasses} passes after an untimed one); median of ${RUNS}; ` +
        `per run ${wall(lean.ledge, "fetch")} s wall, ledge ${cpu(lean.ledge, "fetch", "brokerCpuSeconds")} CPU-s, generator ${cpu(lean.ledge, "fetch", "cpuSeconds")} CPU-s; ${vsSink("fetch")}` }),
    result({ name: "produce-lean-generator", unit: "records/s", ledge: rate(lean.sink, "produce"), baseline: baseAppend, baselineName: "Log.append, same batches", target: null,
      notes: `not ledge: the same lean produce into kafka-sink.ts (memory, no log); per run ${wall(lean.sink, "produce")} s wall, generator ${cpu(lean.sink, "produce", "cpuSeconds")} CPU-s, sink ${cpu(lean.sink, "produce", "brokerCpuSeconds")} CPU-s` }),
    result({ name: "fetch-lean-generator", unit: "records/s", ledge: rate(lean.sink, "fetch"), baseline: baseRead, baselineName: "Log.read, same data", target: null,
      notes: `not ledge: the same lean fetch from kafka-sink.ts (memory); per run ${wall(lean.sink, "fetch")} s wall, generator ${cpu(lean.sink, "fetch", "cpuSeconds")} CPU-s, sink ${cpu(lean.sink, "fetch", "brokerCpuSeconds")} CPU-s` }),
  ];
}

interface TxnMeasured {
  transactional: ProduceRun[];
  idempotent: ProduceRun[];
  /** ledge's CPU seconds per produce run, transactional and idempotent. */
  transactionalCpuS: number[];
  idempotentCpuS: number[];
  committed: FetchRun[];
  uncommitted: FetchRun[];
  fetchData: ProduceRun;
}

/** bin/ledge as its own process (sync: always); RUNS interleaved rounds, the order alternating
 * (LMDB's file grows over the run, which favours whichever side goes first). */
async function measureTxn(): Promise<TxnMeasured> {
  execFileSync(process.execPath, ["bin/build-dist.mjs"], { cwd: new URL("..", import.meta.url), stdio: "inherit" });
  const batches = encodeRecordBatches(RECORDS, RECORD_BYTES, TXN.recordsPerBatch);
  const ledge = await startLedgeChild();
  const host = "127.0.0.1";
  const m: Omit<TxnMeasured, "fetchData"> = { transactional: [], idempotent: [], transactionalCpuS: [], idempotentCpuS: [], committed: [], uncommitted: [] };
  try {
    const base = { host, port: ledge.port, batches, windowCount: TXN.windowCount };
    const transactional = async (run: number) => {
      const topic = `txn-${run}`;
      await createTopic(host, ledge.port, topic, 1);
      const cpu0 = processCpuSeconds(ledge.pid);
      m.transactional.push(await runTxnProduce({ ...base, topic, transaction: { id: `bench-txn-${run}`, batchesPerTransaction: TXN.batchesPerTransaction, abortEvery: 0 } }));
      m.transactionalCpuS.push(processCpuSeconds(ledge.pid) - cpu0);
    };
    const idempotent = async (run: number) => {
      const topic = `idempotent-${run}`;
      await createTopic(host, ledge.port, topic, 1);
      const cpu0 = processCpuSeconds(ledge.pid);
      m.idempotent.push(await runTxnProduce({ ...base, topic }));
      m.idempotentCpuS.push(processCpuSeconds(ledge.pid) - cpu0);
    };
    for (let run = 0; run < TXN.rounds; run++) {
      progress(`txn run ${run + 1}/${TXN.rounds}: ${RECORDS} records transactionally (${RECORDS / (TXN.recordsPerBatch * TXN.batchesPerTransaction)} transactions) and idempotently into ledge (child process)`);
      if (run % 2 === 0) await transactional(run), await idempotent(run);
      else await idempotent(run), await transactional(run);
    }
    const topic = "txn-fetch";
    await createTopic(host, ledge.port, topic, 1);
    const fetchData = await runTxnProduce({ ...base, topic, transaction: { id: "bench-txn-fetch", batchesPerTransaction: TXN.batchesPerTransaction, abortEvery: TXN.abortEvery } });
    const read = (readCommitted: boolean) => runTxnFetch({ host, port: ledge.port, topic, readCommitted, fetchBytes: FETCH_BYTES, passes: TXN.fetchPasses });
    await read(false); // untimed: the first reader pays the page faults
    for (let run = 0; run < TXN.rounds; run++) {
      progress(`txn fetch ${run + 1}/${TXN.rounds}: ${TXN.fetchPasses} passes at read_committed and at read_uncommitted`);
      if (run % 2 === 0) m.committed.push(await read(true)), m.uncommitted.push(await read(false));
      else m.uncommitted.push(await read(false)), m.committed.push(await read(true));
    }
    const produced = RECORDS * TXN.fetchPasses;
    const committedRecords = produced - (fetchData.aborted * TXN.recordsPerBatch * TXN.batchesPerTransaction * TXN.fetchPasses);
    for (const r of [...m.committed, ...m.uncommitted]) if (r.records !== produced) throw new Error(`a fetch run walked ${r.records} data records, not ${produced}`);
    for (const r of m.committed) if (r.visible !== committedRecords) throw new Error(`read_committed kept ${r.visible} records, not the ${committedRecords} committed`);
    return { ...m, fetchData };
  } finally {
    await ledge.stop();
  }
}

/** A row whose ratio is the median of paired runs' ratios (rates stay the medians of each side). */
const paired = (ratio: number, r: Parameters<typeof result>[0]): BenchResult => ({ ...result(r), ratio });

function txnReport(m: TxnMeasured): BenchResult[] {
  const rate = (xs: Array<{ records: number; seconds: number }>) => median(xs.map((x) => x.records / x.seconds));
  const cpu = (xs: number[]) => median(xs).toFixed(2);
  const wall = (xs: Array<{ seconds: number }>) => median(xs.map((x) => x.seconds)).toFixed(2);
  const gen = (xs: Array<{ cpuSeconds: number }>) => median(xs.map((x) => x.cpuSeconds)).toFixed(2);
  const visibleRate = median(m.committed.map((x) => x.visible / x.seconds));
  // Each round's two runs saw the same load: the median of their ratios, not the ratio of medians.
  const produceRatios = m.transactional.map((t, i) => t.records / t.seconds / (m.idempotent[i].records / m.idempotent[i].seconds));
  const fetchRatios = m.committed.map((c, i) => c.records / c.seconds / (m.uncommitted[i].records / m.uncommitted[i].seconds));
  const range = (xs: number[]) => `rounds from ${Math.min(...xs).toFixed(2)} to ${Math.max(...xs).toFixed(2)}`;
  const perTxnMs = (k: "addSeconds" | "endSeconds") => median(m.transactional.map((x) => (x[k] * 1000) / x.transactions)).toFixed(1);
  return [
    paired(median(produceRatios), { name: "txn-produce-vs-idempotent", unit: "records/s", ledge: rate(m.transactional), baseline: rate(m.idempotent), baselineName: "idempotent produce, same batches", target: 0.8,
      notes: `bin/ledge child process, sync: always; ${RECORDS} x ${RECORD_BYTES} B in ${TXN.recordsPerBatch}-record batches, Produce v7 acks=-1, ${TXN.windowCount} in flight, one connection; ` +
        `${m.transactional[0].transactions} transactions of ${TXN.recordsPerBatch * TXN.batchesPerTransaction} records per run, AddPartitionsToTxn and EndTxn commit timed (answers after ${perTxnMs("addSeconds")} and ${perTxnMs("endSeconds")} ms per transaction); ` +
        `medians of ${TXN.rounds} alternating rounds (ratio: median of the rounds' ratios, ${range(produceRatios)}); ` +
        `per run: transactional ${wall(m.transactional)} s wall, ledge ${cpu(m.transactionalCpuS)} CPU-s, client ${gen(m.transactional)} CPU-s; idempotent ${wall(m.idempotent)} s wall, ledge ${cpu(m.idempotentCpuS)} CPU-s, client ${gen(m.idempotent)} CPU-s` }),
    paired(median(fetchRatios), { name: "read-committed-vs-uncommitted", unit: "records/s", ledge: rate(m.committed), baseline: rate(m.uncommitted), baselineName: "read_uncommitted, same data", target: 0.9,
      notes: `data records walked per second (the broker returns aborted batches too; the client drops them); ${m.fetchData.transactions} transactions of ${TXN.recordsPerBatch * TXN.batchesPerTransaction} records, ${m.fetchData.aborted} aborted; ` +
        `Fetch v11 of ${FETCH_BYTES >> 20} MiB, maxWaitMs 0, one reader, ${TXN.fetchPasses} passes per run; ` +
        `medians of ${TXN.rounds} alternating rounds (ratio: median of the rounds' ratios, ${range(fetchRatios)}); ` +
        `committed records kept at read_committed ${fmtRate(visibleRate)} rec/s (${median(m.committed.map((c, i) => c.visible / c.seconds / (m.uncommitted[i].records / m.uncommitted[i].seconds))).toFixed(2)} of read_uncommitted's walk, paired); per run ${wall(m.committed)} s vs ${wall(m.uncommitted)} s wall` }),
  ];
}
