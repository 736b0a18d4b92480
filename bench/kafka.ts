// `npm run bench -- kafka`: the Kafka listener against the log it serves, same data, same run
// (issue #5). 100-byte records, acks=-1, storage.sync: always, one partition.
//   produce-vs-log-append: records/s of `kcat -P -l` (librdkafka, linger.ms=5,
//     batch.num.messages=10000) into ledge, vs Log.append of the very batches kcat made
//     (read back from ledge, baseOffset reset to 0) in-process into a fresh log, 5 in flight
//     (librdkafka's max.in.flight for idempotence). kafkajs's producer rate is in the notes.
//   fetch-vs-log-read: records/s of `kcat -C -e -o beginning` reading them all back, vs
//     Log.read of the same partition in-process with the same 1 MiB fetch size.
// kcat's fixed start/stop time (measured on empty input in the same run) is subtracted.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { Log } from "../runtime/log/index.ts";
import { readConfig } from "../runtime/config/index.ts";
import { Metrics } from "../runtime/metrics/index.ts";
import { startKafkaGateway } from "../gateways/kafka/server.ts";
import { progress, result, type BenchResult } from "./lib/report.ts";

const RECORDS = Number(process.env.KAFKA_BENCH_RECORDS ?? 300_000);
const RECORD_BYTES = 100;
const FETCH_BYTES = 1 << 20;
const KCAT_TIMEOUT_MS = 120_000;
/** Each side runs this many times; the median is reported (the machine is shared and noisy). */
const RUNS = 3;
const quiet = { info() {}, warn() {}, error() {}, child() { return quiet; } };

function openLog(dir: string): Promise<Log> {
  return Log.open({
    dataDir: dir,
    storage: { sync: "always", syncIntervalMs: 100, maxBytes: 64 * 2 ** 30, overflow: "reject", commitDelayMs: 0 },
    log: { autoCreateTopics: true, defaultPartitions: 1 },
    logger: quiet,
    retentionCheckIntervalMs: 3_600_000,
  });
}

/** Runs kcat to completion (bounded); returns seconds taken. */
function runKcat(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("kcat", args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), KCAT_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0 || /ERROR|failed/.test(err)) reject(new Error(`kcat ${args.join(" ")} failed (${code}): ${err.slice(0, 500)}`));
      else resolve((performance.now() - t0) / 1000);
    });
  });
}

function recordsFile(dir: string): string {
  const file = join(dir, "records.txt");
  const line = "x".repeat(RECORD_BYTES - 1);
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) lines.push(`${String(i).padStart(10, "0")}${line.slice(10)}`);
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
      const view = new DataView(copy.buffer);
      offset = Number(view.getBigInt64(0)) + view.getInt32(23) + 1;
      view.setBigInt64(0, 0n);
      out.push(copy);
    }
  }
  return out;
}

async function appendRate(batches: Uint8Array[], records: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-kafka-base-"));
  const log = await openLog(dir);
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

function readRate(log: Log, topic: string): number {
  const hwm = log.partitionState(topic, 0).highWatermark;
  const t0 = performance.now();
  let offset = 0;
  let records = 0;
  for (let guard = 0; offset < hwm && guard < 1_000_000; guard++) {
    const r = log.read(topic, 0, offset, FETCH_BYTES);
    for (const b of r.batches) {
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      records += view.getInt32(57);
      offset = Number(view.getBigInt64(0)) + view.getInt32(23) + 1;
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

export default async function kafkaBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-kafka-"));
  const log = await openLog(join(dir, "data"));
  const config = readConfig({ listeners: { kafka: { host: "127.0.0.1", port: 0 } } });
  const gateway = await startKafkaGateway({ config, log, logger: quiet, metrics: new Metrics() });
  const bootstrap = `127.0.0.1:${gateway.port}`;
  try {
    const file = recordsFile(dir);
    // kcat's own start-up and shutdown (process, librdkafka init, metadata, final flush or EOF)
    // is measured on a one-record file and an empty topic and taken off each timed run, so the
    // rates compare moving records, not starting a process.
    const one = join(dir, "one.txt");
    writeFileSync(one, `${"z".repeat(RECORD_BYTES - 1)}\n`);
    await log.createTopic("bench-empty", 1);
    // At the end of the data a consumer long-polls fetch.wait.max.ms before it sees EOF; a short
    // wait keeps that constant small (it is also inside the subtracted start/stop time).
    const fetchWait = ["-X", "fetch.wait.max.ms=20"];
    const produceOverheads: number[] = [];
    const fetchOverheads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      produceOverheads.push(await runKcat(["-b", bootstrap, "-P", "-t", "bench-empty", "-p", "0", "-l", "-X", "acks=all", one]));
      fetchOverheads.push(await runKcat(["-b", bootstrap, "-C", "-t", "bench-empty", "-p", "0", "-o", "beginning", "-e", "-q", ...fetchWait]));
    }
    const produceOverhead = median(produceOverheads);
    const fetchOverhead = median(fetchOverheads);
    const produceRates: number[] = [];
    const fetchRates: number[] = [];
    const appendRates: number[] = [];
    const readRates: number[] = [];
    let batchCount = 0;
    for (let run = 0; run < RUNS; run++) {
      const topic = `bench-${run}`;
      await log.createTopic(topic, 1);
      progress(`run ${run + 1}/${RUNS}: kcat -P -l ${RECORDS} records of ${RECORD_BYTES} B, acks=-1, linger.ms=5, batch.num.messages=10000`);
      const produceSeconds = await runKcat(["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-l", "-X", "acks=all", "-X", "linger.ms=5",
        "-X", "batch.num.messages=10000", "-X", "queue.buffering.max.messages=1000000", file]);
      const stored = log.partitionState(topic, 0).highWatermark;
      if (stored !== RECORDS) throw new Error(`ledge stored ${stored} of ${RECORDS} records`);
      produceRates.push(RECORDS / Math.max(produceSeconds - produceOverhead, 0.001));
      const batches = storedBatches(log, topic);
      batchCount = batches.length;
      progress(`run ${run + 1}/${RUNS}: Log.append of the same ${batches.length} batches in-process`);
      appendRates.push(await appendRate(batches, RECORDS));
      progress(`run ${run + 1}/${RUNS}: kcat -C -e -o beginning`);
      const fetchSeconds = await runKcat(["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o\n", "-X", `fetch.max.bytes=${FETCH_BYTES * 50}`, ...fetchWait]);
      fetchRates.push(RECORDS / Math.max(fetchSeconds - fetchOverhead, 0.001));
      readRates.push(readRate(log, topic));
    }
    progress("kafkajs producer (notes)");
    const kafkajsRate = await kafkajsProduceRate(gateway.port);
    const produceRate = median(produceRates);
    const fetchRate = median(fetchRates);
    const baseAppend = median(appendRates);
    const baseRead = median(readRates);
    return [
      result({ name: "produce-vs-log-append", unit: "records/s", ledge: produceRate, baseline: baseAppend, baselineName: "Log.append, same batches", target: 0.7,
        notes: `${RECORDS} x ${RECORD_BYTES} B via kcat -P -l, less kcat's ${produceOverhead.toFixed(2)} s start/stop; ${batchCount} batches; median of ${RUNS}; kafkajs idempotent producer ${Math.round(kafkajsRate).toLocaleString("en-US")} rec/s` }),
      result({ name: "fetch-vs-log-read", unit: "records/s", ledge: fetchRate, baseline: baseRead, baselineName: "Log.read, same data", target: 0.7,
        notes: `kcat -C -e -o beginning, less kcat's ${fetchOverhead.toFixed(2)} s start/stop; ${FETCH_BYTES} B reads in the baseline` }),
    ];
  } finally {
    await gateway.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
