// `npm run bench -- bridge`: the bridge draining an edge's log upstream (issue #12), against the
// clients a user would otherwise run, same records (100-byte JSON values, 1,000 per stored batch),
// same upstream, same run.
//   bridge-vs-kafkajs: records/s of the bridge (exactly-once, pass-through, its defaults) shipping
//     a pre-filled edge log, vs a kafkajs transactional producer sending the same records to the
//     same upstream (one Produce per 1,000 records as stored, a transaction per the bridge's
//     transactionBytesMax of them, as the bridge commits).
//   bridge-vs-librdkafka: the same drain vs `kcat -P -l` (librdkafka, idempotent, the kafka bench's
//     throughput flags) producing the same records from a file; kcat's start/stop time (a
//     one-record run, same upstream) is subtracted.
//   bridge-vs-librdkafka-lz4: the same with the edge's batches stored lz4 (the bridge ships them
//     as stored) and kcat compressing lz4 (kafkajs has no lz4 codec of its own).
//   recompress-zstd, recompress-lz4: the same drain (uncompressed storage) with bridge.compression
//     zstd or lz4 vs as stored (keep), rounds alternating: what recompression costs in rate.
//   bridge-backlog: one drain of a large backlog (BRIDGE_BENCH_BACKLOG_BYTES, 1 GB) into the sink:
//     rate, the edge's CPU seconds per GB shipped, peak RSS.
//   *-ledge-upstream: the two ratio rows again with a second bin/ledge (storage.sync: always) as
//     the upstream instead of the sink.
// The upstream for the ratios is bench/lib/kafka-sink.ts (answers from memory at once, the
// transaction APIs included), so the bridge is measured, not the upstream's disk.
// A drain: the edge's log is filled in-process before the edge starts; the upstream is stopped
// (SIGSTOP) while bin/ledge starts with a `bridge:` section pointing at it, then continued: the
// clock runs from SIGCONT until the upstream has committed all N records (the sink's EndTxn line;
// with a ledge upstream, the edge's ledge_bridge_shipped_records_total, polled every 20 ms).
// Each round a fresh edge process and edgeId, upstream topic `rN.bench` created beforehand.
// Rounds alternate the order of the sides (the machine is shared); a ratio is the median of the
// rounds' ratios, rates the medians of each side. `--rows=NAME,...` runs only what those rows need.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { Compression, type CompressionCodec } from "../runtime/core/types.ts";
import { encodeBatch } from "../runtime/core/index.ts";
import { bridgeDefaults, type BridgeConfig } from "../runtime/config/bridge.ts";
import { cursorTopic } from "../bridge/cursors.ts";
import { metricValue } from "../test/helpers/ledge-process.ts";
import { progress, result, type BenchResult } from "./lib/report.ts";
import { openBenchLog } from "./lib/bench-log.ts";
import { peakRssBytes, startChildBroker, startLedgeExecuted } from "./lib/child-broker.ts";
import { processCpuSeconds, startLedgeChild } from "./lib/kafka-lean.ts";
import { createTopic } from "./lib/kafka-load.ts";
import { PRODUCE_FLAGS, runKcat } from "./lib/kcat.ts";
import { seededRandom } from "./lib/telemetry-lines.ts";

/** 1M: kcat's runs last ~1 s (shorter ones swing with the shared machine's load). */
const RECORDS = Number(process.env.BRIDGE_BENCH_RECORDS ?? 1_000_000);
const RECORD_BYTES = 100;
const RECORDS_PER_BATCH = 1000;
const ROUNDS = Number(process.env.BRIDGE_BENCH_ROUNDS ?? 7);
const LEDGE_ROUNDS = Number(process.env.BRIDGE_BENCH_LEDGE_ROUNDS ?? 3);
const BACKLOG_BYTES = Number(process.env.BRIDGE_BENCH_BACKLOG_BYTES ?? 1e9);
const KCAT_OVERHEAD_RUNS = 5;
const ROUND_TIMEOUT_MS = 120_000;
const BACKLOG_TIMEOUT_MS = 300_000;
const METRICS_POLL_MS = 20;
const RSS_SAMPLE_MS = 50;
const LOCAL_TOPIC = "bench";
/** What the bridge runs with: its defaults (only brokers and edgeId are set). */
const BRIDGE = bridgeDefaults(["127.0.0.1:1"]);
const ROW_GROUPS = {
  sink: ["bridge-vs-kafkajs", "bridge-vs-librdkafka"],
  lz4: ["bridge-vs-librdkafka-lz4"],
  backlog: ["bridge-backlog"],
  ledge: ["bridge-vs-kafkajs-ledge-upstream", "bridge-vs-librdkafka-ledge-upstream"],
  recompress: ["recompress-zstd", "recompress-lz4"],
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtRate = (n: number) => Math.round(n).toLocaleString("en-US");
const range = (xs: number[]) => `rounds from ${Math.min(...xs).toFixed(2)} to ${Math.max(...xs).toFixed(2)}`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** `count` JSON values of exactly RECORD_BYTES bytes, seeded (the same bytes every run). */
function jsonValues(count: number): Buffer[] {
  const random = seededRandom(42);
  const statuses = ["ok", "ok", "ok", "warn", "ok", "fault"];
  const out: Buffer[] = [];
  let ts = 1_767_225_600_000;
  for (let i = 0; i < count; i++) {
    ts += Math.floor(random() * 50);
    const device = String(Math.floor(random() * 500)).padStart(4, "0");
    const body = `{"device":"sensor-${device}","seq":${i},"ts":${ts},"temp":${(15 + random() * 15).toFixed(2)},"status":"${statuses[Math.floor(random() * statuses.length)]}","pad":"`;
    const line = `${body}${"x".repeat(RECORD_BYTES - body.length - 2)}"}`;
    if (line.length !== RECORD_BYTES) throw new Error(`bench: a value of ${line.length} bytes, not ${RECORD_BYTES}`);
    out.push(Buffer.from(line));
  }
  return out;
}

function storedBatches(values: Buffer[], compression: CompressionCodec, timestampMs: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let first = 0; first < values.length; first += RECORDS_PER_BATCH) {
    const records = values.slice(first, first + RECORDS_PER_BATCH).map((value) => ({ key: null, value, timestampMs }));
    out.push(encodeBatch(records, { compression }).slice());
  }
  return out;
}

/** A data directory whose log holds `passes` copies of `batches` in LOCAL_TOPIC/0. */
async function prefilledEdge(batches: Uint8Array[], passes: number): Promise<{ dir: string; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-bridge-edge-"));
  const log = await openBenchLog(join(dir, "data"), { autoCreateTopics: false });
  await log.createTopic(LOCAL_TOPIC, 1);
  let bytes = 0;
  const all = Array.from({ length: passes }, () => batches).flat();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < all.length) {
      const b = all[next++];
      bytes += b.length;
      await log.append(LOCAL_TOPIC, 0, b.slice());
    }
  }));
  await log.close();
  return { dir, bytes };
}

interface Upstream {
  name: string;
  port: number;
  pid: number;
  /** Resolves with performance.now() once `records` data records are committed upstream. */
  committed(records: number, edgeHttpPort: number, timeoutMs: number): Promise<number>;
  /** performance.now() of the first data Produce since the last CreateTopics (sink only). */
  firstDataAt(): number | null;
  stop(): Promise<void>;
}

async function startSink(): Promise<Upstream> {
  let last = 0;
  let firstData: number | null = null;
  let waiters: Array<{ records: number; resolve: (t: number) => void }> = [];
  const sink = await startChildBroker("kafka-sink.ts", 20_000, (line) => {
    if (line === "sink first data") firstData = performance.now();
    const m = /^sink commit (\d+)$/.exec(line);
    if (!m) return;
    last = Number(m[1]);
    const now = performance.now();
    waiters = waiters.filter((w) => (w.records <= last ? (w.resolve(now), false) : true));
  });
  return {
    name: "sink", port: sink.port, pid: sink.child.pid!, stop: sink.stop, firstDataAt: () => firstData,
    committed: (records, _http, timeoutMs) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sink saw ${last} of ${records} records committed within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ records, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    }),
  };
}

async function startLedgeUpstream(): Promise<Upstream> {
  const ledge = await startLedgeChild();
  return {
    name: "ledge", port: ledge.port, pid: ledge.pid, stop: ledge.stop, firstDataAt: () => null,
    committed: async (records, http, timeoutMs) => {
      const end = performance.now() + timeoutMs;
      for (;;) {
        const shipped = await metricValue(http, "ledge_bridge_shipped_records_total");
        if (shipped >= records) return performance.now();
        if (performance.now() > end) throw new Error(`the edge shipped ${shipped} of ${records} records within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, METRICS_POLL_MS));
      }
    },
  };
}

interface Drain {
  records: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  startRssBytes: number;
  /** Sampled peaks of RSS's anonymous and file-backed parts during the drain. */
  peakAnonBytes: number;
  peakFileBytes: number;
  /** CPU the upstream process spent meanwhile. */
  upstreamCpuSeconds: number;
  /** SIGCONT to the first data Produce (the bridge's session start), null when not known. */
  startupSeconds: number | null;
}

/** A field of /proc/PID/status in bytes (VmRSS, RssAnon, RssFile…). */
function statusBytes(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Peaks of the anonymous (heap, buffers) and file-backed (LMDB's read-only map) parts of a
 * process's RSS, sampled every RSS_SAMPLE_MS; VmHWM alone cannot tell them apart. */
function sampleRss(pid: number): { stop(): { anonBytes: number; fileBytes: number } } {
  let anonBytes = 0;
  let fileBytes = 0;
  const sample = () => {
    try {
      anonBytes = Math.max(anonBytes, statusBytes(pid, "RssAnon"));
      fileBytes = Math.max(fileBytes, statusBytes(pid, "RssFile"));
    } catch {
      // the process is gone
    }
  };
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  return { stop: () => (clearInterval(timer), sample(), { anonBytes, fileBytes }) };
}

/** One drain: bin/ledge on `dataDir` with a bridge to the stopped upstream; timed from SIGCONT. */
async function drain(up: Upstream, dataDir: string, round: string, records: number, timeoutMs: number, compression: BridgeConfig["compression"] = "keep"): Promise<Drain> {
  const upstreamTopic = `${round}.${LOCAL_TOPIC}`;
  // An upstream the bridge has shipped to before: its topics exist (creating them would add the
  // bridge's waits for new metadata to the drain). The data topic last: the sink's CreateTopics
  // forgets kept data.
  if (up.name === "sink") await createTopic("127.0.0.1", up.port, cursorTopic, 1);
  await createTopic("127.0.0.1", up.port, upstreamTopic, 1);
  const config = join(dataDir, `ledge-${round}.yaml`);
  writeFileSync(config, [
    `dataDir: ${join(dataDir, "data")}`,
    "storage: { sync: always, commitDelayMs: 0, maxBytes: 64GiB, overflow: reject }",
    `bridge: { brokers: ["127.0.0.1:${up.port}"], edgeId: bench-${round}, compression: ${compression}, topics: [{ from: ${LOCAL_TOPIC}, to: "${upstreamTopic}" }] }`,
    "",
  ].join("\n"));
  process.kill(up.pid, "SIGSTOP");
  let edge: Awaited<ReturnType<typeof startLedgeExecuted>> | undefined;
  try {
    edge = await startLedgeExecuted(["--config", config]);
    const pid = edge.child.pid!;
    const http = edge.ports.http!;
    const startRssBytes = statusBytes(pid, "VmRSS");
    const rss = sampleRss(pid);
    const cpu0 = processCpuSeconds(pid);
    const upCpu0 = processCpuSeconds(up.pid);
    const t0 = performance.now();
    const done = up.committed(records, http, timeoutMs);
    process.kill(up.pid, "SIGCONT");
    const t1 = await done;
    const cpuSeconds = processCpuSeconds(pid) - cpu0;
    const upstreamCpuSeconds = processCpuSeconds(up.pid) - upCpu0;
    const first = up.firstDataAt();
    const peak = peakRssBytes(pid);
    const peaks = rss.stop();
    let shipped = 0;
    for (let i = 0; i < 250 && shipped < records; i++) {
      shipped = await metricValue(http, "ledge_bridge_shipped_records_total");
      if (shipped < records) await new Promise((r) => setTimeout(r, METRICS_POLL_MS));
    }
    if (shipped !== records) throw new Error(`the edge counts ${shipped} records shipped, not ${records}`);
    const bytes = await metricValue(http, "ledge_bridge_shipped_bytes_total");
    return { records, bytes, seconds: (t1 - t0) / 1000, cpuSeconds, peakRssBytes: peak, startRssBytes, peakAnonBytes: peaks.anonBytes, peakFileBytes: peaks.fileBytes, upstreamCpuSeconds, startupSeconds: first === null ? null : (first - t0) / 1000 };
  } finally {
    process.kill(up.pid, "SIGCONT");
    if (edge) {
      edge.child.kill("SIGTERM");
      await edge.exited;
    }
  }
}

interface ClientRun {
  records: number;
  seconds: number;
  cpuSeconds: number;
}

/** kafkajs's transactional producer: a send per stored batch's records, a commit per `perTxn` sends. */
async function kafkajsTxn(up: Upstream, topic: string, messages: Array<Array<{ value: Buffer; timestamp: string }>>, perTxn: number, id: string): Promise<ClientRun> {
  await createTopic("127.0.0.1", up.port, topic, 1);
  const kafka = new Kafka({ clientId: "bench-kafkajs", brokers: [`127.0.0.1:${up.port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let records = 0;
    for (let first = 0; first < messages.length; first += perTxn) {
      const txn = await producer.transaction();
      for (const batch of messages.slice(first, first + perTxn)) {
        await txn.send({ topic, acks: -1, messages: batch });
        records += batch.length;
      }
      await txn.commit();
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { records, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await producer.disconnect();
  }
}

async function kcatIdempotent(up: Upstream, topic: string, file: string, records: number, extra: string[], overheadS: number): Promise<ClientRun> {
  await createTopic("127.0.0.1", up.port, topic, 1);
  const run = await runKcat(["-b", `127.0.0.1:${up.port}`, ...PRODUCE_FLAGS, "-X", "enable.idempotence=true", ...extra, "-p", "0", "-t", topic, file], ROUND_TIMEOUT_MS);
  return { records, seconds: Math.max(run.seconds - overheadS, 0.001), cpuSeconds: run.cpuSeconds };
}

async function kcatOverhead(up: Upstream, oneFile: string, extra: string[]): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < KCAT_OVERHEAD_RUNS; i++) xs.push((await kcatIdempotent(up, "bench-one", oneFile, 1, extra, 0)).seconds);
  return median(xs);
}

interface Rounds {
  bridge: Drain[];
  kafkajs: ClientRun[];
  kcat: ClientRun[];
  kcatOverheadS: number;
}

/** `rounds` rounds of the sides in `sides`, their order alternating. */
async function measureRounds(up: Upstream, label: string, edgeDir: string, rounds: number, sides: { kafkajs?: () => Promise<ClientRun>; kcat: (topic: string) => Promise<ClientRun> }, kcatOverheadS: number): Promise<Rounds> {
  const m: Rounds = { bridge: [], kafkajs: [], kcat: [], kcatOverheadS };
  for (let r = 0; r < rounds; r++) {
    progress(`${label} round ${r + 1}/${rounds}: bridge drain of ${RECORDS} records${sides.kafkajs ? ", kafkajs transactional" : ""}, kcat idempotent, into the ${up.name}`);
    const steps: Array<() => Promise<void>> = [
      async () => void m.bridge.push(await drain(up, edgeDir, `${label}-${r}`, RECORDS, ROUND_TIMEOUT_MS)),
      ...(sides.kafkajs ? [async () => void m.kafkajs.push(await sides.kafkajs!())] : []),
      async () => void m.kcat.push(await sides.kcat(`${label}-kcat-${r}`)),
    ];
    if (r % 2 === 1) steps.reverse();
    for (const step of steps) await step();
    const last = m.bridge[m.bridge.length - 1];
    progress(`  bridge ${fmtRate(last.records / last.seconds)} rec/s (${last.seconds.toFixed(2)} s${last.startupSeconds === null ? "" : ` of which ${last.startupSeconds.toFixed(2)} s to the first data Produce`}, edge ${last.cpuSeconds.toFixed(2)} CPU-s, ${up.name} ${last.upstreamCpuSeconds.toFixed(2)} CPU-s)` +
      (sides.kafkajs ? `, kafkajs ${fmtRate(RECORDS / m.kafkajs[m.kafkajs.length - 1].seconds)}` : "") + `, kcat ${fmtRate(RECORDS / m.kcat[m.kcat.length - 1].seconds)}`);
  }
  return m;
}

const rateOf = (x: { records: number; seconds: number }) => x.records / x.seconds;

function ratioRow(name: string, m: Rounds, side: "kafkajs" | "kcat", baselineName: string, target: number | null, notes: string): BenchResult {
  const ratios = m.bridge.map((b, i) => rateOf(b) / rateOf(m[side][i]));
  const cpuS = median(m.bridge.map((b) => b.cpuSeconds));
  const perGb = median(m.bridge.map((b) => b.cpuSeconds / (b.bytes / 1e9)));
  const clientCpu = median(m[side].map((x) => x.cpuSeconds));
  const startups = m.bridge.flatMap((b) => (b.startupSeconds === null ? [] : [b.startupSeconds]));
  const startup = startups.length > 0 ? `, ${median(startups).toFixed(2)} s of it from SIGCONT to the first data Produce` : "";
  return {
    ...result({ name, unit: "records/s", ledge: median(m.bridge.map(rateOf)), baseline: median(m[side].map(rateOf)), baselineName, target,
      notes: `${notes}; ${RECORDS} x ${RECORD_BYTES} B, ${mb(m.bridge[0].bytes)} shipped per drain; medians of ${m.bridge.length} alternating rounds (ratio: median of the rounds' ratios, ${range(ratios)}); ` +
        `per run: bridge ${median(m.bridge.map((b) => b.seconds)).toFixed(2)} s wall${startup}, edge ${cpuS.toFixed(2)} CPU-s (${perGb.toFixed(1)} CPU-s/GB), upstream ${median(m.bridge.map((b) => b.upstreamCpuSeconds)).toFixed(2)} CPU-s, peak RSS ${mb(median(m.bridge.map((b) => b.peakRssBytes)))} (anon ${mb(median(m.bridge.map((b) => b.peakAnonBytes)))}); ` +
        `${side} ${median(m[side].map((x) => x.seconds)).toFixed(2)} s wall, ${clientCpu.toFixed(2)} CPU-s` + (side === "kcat" ? ` (start/stop ${m.kcatOverheadS.toFixed(2)} s subtracted)` : "") }),
    ratio: median(ratios),
  };
}

const RECOMPRESS_CODECS = ["zstd", "lz4"] as const;

interface Recompressed {
  keep: Drain[];
  codecs: Record<(typeof RECOMPRESS_CODECS)[number], Drain[]>;
}

/** ROUNDS rounds of the same drain as stored (keep) and recompressed to each codec, alternating. */
async function measureRecompress(sink: Upstream, edgeDir: string): Promise<Recompressed> {
  const m: Recompressed = { keep: [], codecs: { zstd: [], lz4: [] } };
  for (let r = 0; r < ROUNDS; r++) {
    progress(`recompress round ${r + 1}/${ROUNDS}: bridge drains of ${RECORDS} uncompressed records as stored and with compression ${RECOMPRESS_CODECS.join(", ")}, into the sink`);
    const steps: Array<() => Promise<void>> = [
      async () => void m.keep.push(await drain(sink, edgeDir, `keep-${r}`, RECORDS, ROUND_TIMEOUT_MS)),
      ...RECOMPRESS_CODECS.map((codec) => async () => void m.codecs[codec].push(await drain(sink, edgeDir, `${codec}-${r}`, RECORDS, ROUND_TIMEOUT_MS, codec))),
    ];
    if (r % 2 === 1) steps.reverse();
    for (const step of steps) await step();
    progress(`  keep ${fmtRate(rateOf(m.keep[r]))} rec/s, ` + RECOMPRESS_CODECS.map((c) => `${c} ${fmtRate(rateOf(m.codecs[c][r]))} rec/s (${mb(m.codecs[c][r].bytes)} shipped)`).join(", "));
  }
  return m;
}

function recompressRows(m: Recompressed, storedBytes: number, load: string): BenchResult[] {
  return RECOMPRESS_CODECS.map((codec) => {
    const xs = m.codecs[codec];
    const ratios = xs.map((x, i) => rateOf(x) / rateOf(m.keep[i]));
    const cpuPerGbStored = (ds: Drain[]) => median(ds.map((d) => d.cpuSeconds / (storedBytes / 1e9))).toFixed(1);
    return {
      ...result({ name: `recompress-${codec}`, unit: "records/s", ledge: median(xs.map(rateOf)), baseline: median(m.keep.map(rateOf)), baselineName: "pass-through (keep), same drain", target: null,
        notes: `bridge.compression: ${codec} from uncompressed storage (${mb(storedBytes)} stored), shipped ${mb(median(xs.map((x) => x.bytes)))} per drain (${(storedBytes / median(xs.map((x) => x.bytes))).toFixed(2)}x smaller); ` +
          `upstream: kafka-sink.ts; ${RECORDS} x ${RECORD_BYTES} B; medians of ${xs.length} alternating rounds (ratio: median of the rounds' ratios, ${range(ratios)}); ` +
          `per run: ${median(xs.map((x) => x.seconds)).toFixed(2)} s wall vs ${median(m.keep.map((x) => x.seconds)).toFixed(2)} s, edge ${median(xs.map((x) => x.cpuSeconds)).toFixed(2)} vs ${median(m.keep.map((x) => x.cpuSeconds)).toFixed(2)} CPU-s ` +
          `(${cpuPerGbStored(xs)} vs ${cpuPerGbStored(m.keep)} CPU-s per GB stored), peak RSS ${mb(median(xs.map((x) => x.peakRssBytes)))} (anon ${mb(median(xs.map((x) => x.peakAnonBytes)))}); ${load}` }),
      ratio: median(ratios),
    };
  });
}

export default async function bridgeBench(args: string[] = []): Promise<BenchResult[]> {
  const rows = args.find((a) => a.startsWith("--rows="))?.slice("--rows=".length).split(",");
  const wanted = (group: keyof typeof ROW_GROUPS) => rows === undefined || ROW_GROUPS[group].some((n) => rows.includes(n));
  const load = () => `uptime load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
  const loadAtStart = load();
  execFileSync(process.execPath, ["bin/build-dist.mjs"], { cwd: new URL("..", import.meta.url), stdio: "inherit" });
  const work = mkdtempSync(join(tmpdir(), "ledge-bench-bridge-"));
  const cleanup: string[] = [work];
  const results: BenchResult[] = [];
  try {
    progress(`${RECORDS} JSON values of ${RECORD_BYTES} B, in batches of ${RECORDS_PER_BATCH}`);
    const values = jsonValues(RECORDS);
    const timestampMs = Date.now();
    const file = join(work, "records.txt");
    writeFileSync(file, `${values.map((v) => v.toString()).join("\n")}\n`);
    const oneFile = join(work, "one.txt");
    writeFileSync(oneFile, `${values[0].toString()}\n`);
    const plain = storedBatches(values, Compression.none, timestampMs);
    const perTxn = Math.ceil(BRIDGE.transactionBytesMax / plain[0].length);
    const messages: Array<Array<{ value: Buffer; timestamp: string }>> = [];
    for (let first = 0; first < values.length; first += RECORDS_PER_BATCH) {
      messages.push(values.slice(first, first + RECORDS_PER_BATCH).map((value) => ({ value, timestamp: String(timestampMs) })));
    }
    const edge = await prefilledEdge(plain, 1);
    cleanup.push(edge.dir);
    const shape = `bridge defaults (exactly-once, pass-through, transactionBytesMax ${BRIDGE.transactionBytesMax >> 20} MiB, memoryBytesMax ${BRIDGE.memoryBytesMax >> 20} MiB)`;

    if (wanted("sink") || wanted("lz4") || wanted("recompress") || wanted("backlog")) {
      const sink = await startSink();
      try {
        if (wanted("sink")) {
          let kafkajsRun = 0;
          const over = await kcatOverhead(sink, oneFile, []);
          const m = await measureRounds(sink, "sink", edge.dir, ROUNDS, {
            kafkajs: () => kafkajsTxn(sink, `kafkajs-${kafkajsRun}`, messages, perTxn, `bench-kafkajs-${kafkajsRun++}`),
            kcat: (topic) => kcatIdempotent(sink, topic, file, RECORDS, [], over),
          }, over);
          const loadNow = load();
          results.push(
            ratioRow("bridge-vs-kafkajs", m, "kafkajs", "kafkajs transactional, same records", 5,
              `upstream: kafka-sink.ts (memory); ${shape}; kafkajs: a send of ${RECORDS_PER_BATCH} records per Produce, ${perTxn} per transaction, acks=-1; ${loadAtStart} at start, ${loadNow} after`),
            ratioRow("bridge-vs-librdkafka", m, "kcat", "kcat -P idempotent, same records", 1.0,
              `upstream: kafka-sink.ts (memory); ${shape}; kcat: enable.idempotence, linger.ms=5, batch.num.messages=10000, batch.size=1000000; ${loadNow}`),
          );
        }
        if (wanted("lz4")) {
          const lz4Edge = await prefilledEdge(storedBatches(values, Compression.lz4, timestampMs), 1);
          cleanup.push(lz4Edge.dir);
          const lz4 = ["-X", "compression.codec=lz4"];
          const over = await kcatOverhead(sink, oneFile, lz4);
          const m = await measureRounds(sink, "lz4", lz4Edge.dir, ROUNDS, { kcat: (topic) => kcatIdempotent(sink, topic, file, RECORDS, lz4, over) }, over);
          results.push(ratioRow("bridge-vs-librdkafka-lz4", m, "kcat", "kcat -P idempotent lz4, same records", 1.0,
            `edge batches stored lz4 (${mb(lz4Edge.bytes)} for ${mb(edge.bytes)} plain), shipped as stored; kcat compression.codec=lz4; upstream: kafka-sink.ts; ${shape}; ${load()}`));
        }
        if (wanted("recompress")) results.push(...recompressRows(await measureRecompress(sink, edge.dir), edge.bytes, load()));
        if (wanted("backlog")) {
          const passes = Math.max(1, Math.round(BACKLOG_BYTES / edge.bytes));
          progress(`backlog: filling an edge log with ${passes} x ${RECORDS} records (${mb(passes * edge.bytes)})`);
          const fillStart = performance.now();
          const big = await prefilledEdge(plain, passes);
          cleanup.push(big.dir);
          progress(`backlog: filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);
          progress(`backlog: draining ${mb(big.bytes)} into the sink`);
          const d = await drain(sink, big.dir, "backlog", passes * RECORDS, BACKLOG_TIMEOUT_MS);
          rmSync(big.dir, { recursive: true, force: true });
          results.push(result({ name: "bridge-backlog", unit: "records/s", ledge: d.records / d.seconds, baseline: Number.NaN, baselineName: "none: report", target: null,
            notes: `one drain of ${d.records} records (${mb(d.bytes)} shipped) into kafka-sink.ts in ${d.seconds.toFixed(1)} s (${(d.bytes / 1e6 / d.seconds).toFixed(0)} MB/s); ` +
              `edge ${d.cpuSeconds.toFixed(1)} CPU-s = ${(d.cpuSeconds / (d.bytes / 1e9)).toFixed(1)} CPU-s per GB shipped, sink ${d.upstreamCpuSeconds.toFixed(1)} CPU-s; ` +
              `peak RSS ${mb(d.peakRssBytes)} (VmHWM; ${mb(d.startRssBytes)} before the drain), of it sampled peaks: anonymous ${mb(d.peakAnonBytes)}, file-backed ${mb(d.peakFileBytes)} (LMDB's map of the log, page cache); ${shape}; ${load()}` }));
        }
      } finally {
        await sink.stop();
      }
    }

    if (wanted("ledge")) {
      const up = await startLedgeUpstream();
      try {
        let kafkajsRun = 0;
        const over = await kcatOverhead(up, oneFile, []);
        const m = await measureRounds(up, "ledge", edge.dir, LEDGE_ROUNDS, {
          kafkajs: () => kafkajsTxn(up, `kafkajs-${kafkajsRun}`, messages, perTxn, `bench-kafkajs-${kafkajsRun++}`),
          kcat: (topic) => kcatIdempotent(up, topic, file, RECORDS, [], over),
        }, over);
        const note = `upstream: a second bin/ledge (storage.sync: always); done when the edge's ledge_bridge_shipped_records_total reaches N (polled every ${METRICS_POLL_MS} ms); ${shape}; ${load()}`;
        results.push(
          ratioRow("bridge-vs-kafkajs-ledge-upstream", m, "kafkajs", "kafkajs transactional, same records", null, note),
          ratioRow("bridge-vs-librdkafka-ledge-upstream", m, "kcat", "kcat -P idempotent, same records", null, note),
        );
      } finally {
        await up.stop();
      }
    }

  } finally {
    for (const dir of cleanup.reverse()) rmSync(dir, { recursive: true, force: true });
  }
  return rows === undefined ? results : results.filter((r) => rows.includes(r.name));
}
