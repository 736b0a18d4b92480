// `npm run bench -- log`: the durable log against raw lmdb on the same data in the same run
// (issue #3). 100-byte records in batches of 100, storage.sync: always.
//   append: records/s through Log.append with 64 concurrent writers, vs raw lmdb doing the same
//           puts (one per batch) batched into one transaction per commit window, acked after
//           `flushed`, no ledge logic. Also 1 and 8 writers, and the disk's fsync rate.
//   read:   MB/s of sequential Log.read over LOG_BENCH_READ_MB (default 256 MB; the issue says
//           1 GB, smaller here because the machine is shared) vs raw getRange over the same keys.
//   append-sync-interval (issue #19): storage.sync interval vs always, in a child process, on this
//           disk and with every fsync slowed by LOG_BENCH_SLOW_FSYNC_MS (default 50 ms, a worn SD
//           card) through the LD_PRELOAD shim of test/fixtures/io-fault-shim.c: one writer's ack
//           latency (what one QoS 1 publisher waits for its PUBACK) and 64 writers' records/s.
import { spawnSync } from "node:child_process";
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open, type Database, type RootDatabase } from "lmdb";
import { encodeBatch, readNextOffset } from "../runtime/core/index.ts";
import { Log } from "../runtime/log/index.ts";
import { batchKey } from "../runtime/log/keys.ts";
import { progress, result, type BenchResult } from "./lib/report.ts";
import { openBenchLog, quietLogger } from "./lib/bench-log.ts";
import { ioFaultShim } from "../test/helpers/io-fault-shim.ts";

const RECORDS_PER_BATCH = 100;
const RECORD_BYTES = 100;
const SLICES = 3;
const SLICE_SECONDS = 1;
const APPEND_BATCHES_MAX = 200_000;
const READ_MB = Number(process.env.LOG_BENCH_READ_MB ?? 256);

function makeBatch(seed: number): Uint8Array {
  const value = new Uint8Array(RECORD_BYTES).fill(97 + (seed % 26));
  const key = new TextEncoder().encode(`sensor-${seed % 1000}`);
  const now = Date.now();
  return encodeBatch(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ key, value, timestampMs: now + i })));
}

/** Runs `writers` loops of `step` for SLICE_SECONDS (bounded in count too); returns [batches, seconds]. */
async function drive(writers: number, step: (writer: number) => Promise<unknown>): Promise<[number, number]> {
  const deadline = performance.now() + SLICE_SECONDS * 1000;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    while (performance.now() < deadline && done < APPEND_BATCHES_MAX) {
      await step(w);
      done++;
    }
  }));
  return [done, (performance.now() - t0) / 1000];
}

/**
 * Append records/s with `writers` concurrent writers: ledge's Log.append against raw lmdb puts
 * acked after `flushed`, alternating one-second slices so both see the same machine load.
 */
export async function appendRates(writers: number): Promise<{ ledge: number; raw: number }> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-append-"));
  const log = await openBenchLog(join(dir, "ledge"), { autoCreateTopics: false });
  await log.createTopic("bench", 1);
  const env = open({ path: join(dir, "raw.mdb"), maxDbs: 4, overlappingSync: true });
  const db = env.openDB<Buffer, Buffer>({ name: "batches", keyEncoding: "binary", encoding: "binary" });
  const batches = Array.from({ length: writers }, (_, w) => makeBatch(w));
  const rawBatches = batches.map((b) => Buffer.from(b));
  let rawNext = 0;
  const total = { ledge: [0, 0], raw: [0, 0] };
  for (let slice = 0; slice < SLICES; slice++) {
    const l = await drive(writers, (w) => log.append("bench", 0, batches[w]));
    const r = await drive(writers, async (w) => {
      await db.put(batchKey(1, 0, rawNext++), rawBatches[w]);
      await env.flushed;
    });
    total.ledge[0] += l[0];
    total.ledge[1] += l[1];
    total.raw[0] += r[0];
    total.raw[1] += r[1];
  }
  await log.close();
  await env.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    ledge: (total.ledge[0] / total.ledge[1]) * RECORDS_PER_BATCH,
    raw: (total.raw[0] / total.raw[1]) * RECORDS_PER_BATCH,
  };
}

function fsyncRate(): number {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-fsync-"));
  const fd = openSync(join(dir, "f"), "w");
  const block = Buffer.alloc(4096, 1);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1000 && n < 100_000) {
    writeSync(fd, block, 0, block.length, (n % 256) * 4096);
    fsyncSync(fd);
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/** CPU time of this process: reads are synchronous, so this ignores other processes' load. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Raw getRange over `count` batches from `offset`; returns the bytes read. */
function rawChunk(raw: Database<Buffer, Buffer>, offset: number, end: Buffer, count: number): number {
  let bytes = 0;
  for (const { value } of raw.getRange({ start: batchKey(1, 0, offset), end, limit: count })) bytes += value.byteLength;
  return bytes;
}

/** How many whole batches a 1 MiB read returns: all batches here have the same size. */
function chunkBatches(batchBytes: number): number {
  return Math.max(1, Math.floor((1 << 20) / batchBytes));
}

/**
 * Reads the partition 1 MiB at a time, alternating: ledge's `read`, then raw getRange over the
 * same keys (same count of batches), each chunk timed separately. Alternating chunk by chunk
 * keeps both sides under the same load on this shared machine.
 */
function interleavedRead(log: Log, hwm: number): { ledgeS: number; intoS: number; rawS: number; bytes: number; rawBytes: number } {
  const env = log.envForTests as RootDatabase;
  const raw = env.openDB<Buffer, Buffer>({ name: "batches", keyEncoding: "binary", encoding: "binary" });
  const end = batchKey(1, 0, hwm);
  let ledgeS = 0;
  let intoS = 0;
  let rawS = 0;
  let bytes = 0;
  let rawBytes = 0;
  const into = new Uint8Array(1 << 20);
  const perChunk = chunkBatches(log.read("bench", 0, 0, 1).totalBytes);
  for (let offset = 0, chunk = 0; offset < hwm; chunk++) {
    // Whoever touches a chunk first pays its page faults: take turns going first.
    let rawFirst = 0;
    if (chunk % 2 === 1) {
      const t0 = cpuSeconds();
      rawFirst = rawChunk(raw, offset, end, perChunk);
      rawS += cpuSeconds() - t0;
    }
    const t0 = cpuSeconds();
    const r = log.read("bench", 0, offset, 1 << 20);
    ledgeS += cpuSeconds() - t0;
    bytes += r.totalBytes;
    const t2 = cpuSeconds();
    const again = log.readInto("bench", 0, offset, 1 << 20, into);
    intoS += cpuSeconds() - t2;
    if (again.totalBytes !== r.totalBytes) throw new Error(`bench: readInto returned ${again.totalBytes} bytes where read returned ${r.totalBytes}`);
    if (chunk % 2 === 0) {
      const t1 = cpuSeconds();
      rawBytes += rawChunk(raw, offset, end, r.batches.length);
      rawS += cpuSeconds() - t1;
    } else {
      rawBytes += rawFirst;
    }
    const last = r.batches[r.batches.length - 1];
    offset = readNextOffset(last);
  }
  return { ledgeS, intoS, rawS, bytes, rawBytes };
}

async function readRates(): Promise<{ ledge: number; into: number; raw: number; mb: number }> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-read-"));
  let log = await openBenchLog(dir, { autoCreateTopics: false });
  await log.createTopic("bench", 1);
  const template = makeBatch(1);
  const batchCount = Math.ceil((READ_MB * 1e6) / template.byteLength);
  progress(`read: filling ${batchCount} batches (${READ_MB} MB)`);
  for (let i = 0; i < batchCount; i += 256) {
    await Promise.all(Array.from({ length: Math.min(256, batchCount - i) }, () => log.append("bench", 0, new Uint8Array(template))));
  }
  const hwm = log.partitionState("bench", 0).highWatermark;
  await log.close();
  log = await openBenchLog(dir, { autoCreateTopics: false }); // start-up reads partition state from the meta table, no scan
  let ledgeS = 0;
  let intoS = 0;
  let rawS = 0;
  let bytes = 0;
  for (let pass = 0; pass < 3; pass++) {
    const r = interleavedRead(log, hwm);
    if (r.bytes !== r.rawBytes) throw new Error(`bench: read ${r.bytes} bytes through the log but ${r.rawBytes} raw`);
    if (pass === 0) continue; // the first pass warms the page cache
    ledgeS += r.ledgeS;
    intoS += r.intoS;
    rawS += r.rawS;
    bytes += r.bytes;
  }
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { ledge: bytes / 1e6 / ledgeS, into: bytes / 1e6 / intoS, raw: bytes / 1e6 / rawS, mb: bytes / 2e6 };
}

const SLOW_FSYNC_MS = Number(process.env.LOG_BENCH_SLOW_FSYNC_MS ?? 50);
const syncChild = fileURLToPath(new URL("./lib/sync-append-child.ts", import.meta.url));

interface SyncRun { batches: number; seconds: number; ackMsP50: number; ackMsP99: number }

/** One child run of sync-append-child.ts (optionally under the slow-fsync shim). */
function syncRun(sync: "always" | "interval", writers: number, seconds: number, slowFsyncMs: number): SyncRun {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-sync-"));
  const env = slowFsyncMs > 0 ? { ...process.env, LD_PRELOAD: ioFaultShim(), LEDGE_SHIM_SYNC_DELAY_MS: String(slowFsyncMs) } : process.env;
  const r = spawnSync(process.execPath, ["--import", "tsx", syncChild, dir, sync, String(writers), String(seconds)], { env, encoding: "utf8", timeout: 60_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`bench: sync child (${sync}, ${writers} writers) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as SyncRun;
}

/** storage.sync interval vs always: one writer's ack latency and 64 writers' records/s. */
function syncModeRows(disk: string, slowFsyncMs: number): BenchResult[] {
  const seconds = slowFsyncMs > 0 ? 3 : 2;
  const runs = { always: { one: syncRun("always", 1, seconds, slowFsyncMs), many: syncRun("always", 64, seconds, slowFsyncMs) }, interval: { one: syncRun("interval", 1, seconds, slowFsyncMs), many: syncRun("interval", 64, seconds, slowFsyncMs) } };
  const rate = (r: SyncRun) => (r.batches / r.seconds) * RECORDS_PER_BATCH;
  const ms = (r: SyncRun) => `p50 ${r.ackMsP50.toFixed(2)} ms, p99 ${r.ackMsP99.toFixed(2)} ms`;
  return [
    result({
      name: `append-sync-interval-${disk}`, unit: "records/s", ledge: rate(runs.interval.many), baseline: rate(runs.always.many), baselineName: "sync: always",
      target: null, notes: `64 writers; ack latency interval ${ms(runs.interval.many)}, always ${ms(runs.always.many)}`,
    }),
    result({
      name: `ack-latency-sync-interval-${disk}`, unit: "acks/s (1 writer)", ledge: rate(runs.interval.one) / RECORDS_PER_BATCH, baseline: rate(runs.always.one) / RECORDS_PER_BATCH, baselineName: "sync: always",
      target: null, notes: `one writer, one append at a time; ack latency interval ${ms(runs.interval.one)}, always ${ms(runs.always.one)}`,
    }),
  ];
}

export default async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  progress("storage.sync interval vs always on this disk (child processes)");
  out.push(...syncModeRows("this-disk", 0));
  progress(`storage.sync interval vs always with every fsync slowed to ${SLOW_FSYNC_MS} ms (LD_PRELOAD shim)`);
  out.push(...syncModeRows(`fsync-${SLOW_FSYNC_MS}ms`, SLOW_FSYNC_MS));
  progress("fsync rate of the disk (4 KiB write + fsync)");
  const fsyncs = fsyncRate();
  const rates: Record<number, { ledge: number; raw: number }> = {};
  for (const writers of [1, 8, 64]) {
    progress(`append with ${writers} writers (${SLICES} x ${SLICE_SECONDS} s slices of ledge and raw lmdb, alternating)`);
    rates[writers] = await appendRates(writers);
  }
  out.push(result({
    name: "append", unit: "records/s", ledge: rates[64].ledge, baseline: rates[64].raw, baselineName: "raw lmdb puts + flushed",
    target: 0.8, notes: `64 writers, 100 x 100 B records per batch, sync always; disk fsync ${Math.round(fsyncs)}/s`,
  }));
  for (const writers of [1, 8]) {
    out.push(result({
      name: `append-${writers}-writers`, unit: "records/s", ledge: rates[writers].ledge, baseline: rates[writers].raw,
      baselineName: "raw lmdb puts + flushed", target: null, notes: `group commit: compare with the 64-writer row`,
    }));
  }
  const read = await readRates();
  out.push(result({
    name: "read", unit: "MB/s", ledge: read.ledge, baseline: read.raw, baselineName: "raw lmdb getRange",
    target: 0.8, notes: `sequential read of ${Math.round(read.mb)} MB (issue: 1 GB; set LOG_BENCH_READ_MB=1000)`,
  }));
  out.push(result({
    name: "read-into", unit: "MB/s", ledge: read.into, baseline: read.raw, baselineName: "raw lmdb getRange",
    target: null, notes: "readInto: the same reads copied into one reused 1 MiB buffer (no Buffer per batch, so no GC to pay later)",
  }));
  out.push(result({ name: "disk-fsync", unit: "fsyncs/s", ledge: fsyncs, baseline: fsyncs, baselineName: "same", target: null, notes: "4 KiB write + fsync on the bench's temp dir" }));
  return out;
}
