// librdkafka (kcat 2.0.2) as a reader of kafkajs transactions: committed, aborted, one left open
// with a plain record behind it. The same producer script runs against ledge and against
// librdkafka's mock cluster, and kcat reads both at read_committed and read_uncommitted.
//
// ledge behaves as Kafka: read_committed shows committed records only and stops at the last
// stable offset (the open transaction's first offset) until it commits; read_uncommitted shows
// every data record and no control record (the markers take offsets: the gaps).
//
// librdkafka 2.0.2's mock cluster does not: it writes no markers (offsets have no gaps) and
// keeps no last stable offset, so its read_committed readers see aborted and open records
// (as test/bridge/bridge.faults.test.ts measured). That difference is asserted below, not
// hidden: only read_uncommitted (the data itself) is the same on both.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer, type Transaction } from "kafkajs";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat, startMockCluster, type MockCluster } from "../kafka/helpers/kcat.ts";

const topic = "tx-kcat";

let dirs: LedgeDirs;
let ledge: LedgeProcess;
let mock: MockCluster;

beforeAll(async () => {
  dirs = await ledgeDirs("ledge-txn-kcat-", `topics:\n  - { name: ${topic}, partitions: 1 }\n`);
  ledge = await startLedge(dirs.args);
  mock = await startMockCluster();
}, 60_000);

afterAll(async () => {
  await mock?.stop();
  ledge?.child.kill("SIGKILL");
  await dirs?.remove();
});

interface Scenario {
  /** The transaction left open (a second transactional id), with p1 behind it. */
  open: Transaction;
  close(): Promise<void>;
}

/**
 * Into partition 0: c1 c2 committed, a1 a2 aborted, c3 committed (one transactional id), then
 * o1 in a transaction of another id left open, then p1 from a plain producer. kafkajs's
 * transactional producers without `idempotent` (the mock's Metadata names no controller, which
 * kafkajs's idempotent producer asks for); transactions give the batches producer ids anyway.
 */
async function produceScenario(bootstrap: string): Promise<Scenario> {
  const kafka = new Kafka({ clientId: "txn-kcat-test", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  const producers: Producer[] = [];
  const producer = async (transactionalId?: string) => {
    const p = kafka.producer(transactionalId ? { transactionalId, maxInFlightRequests: 1 } : {});
    await p.connect();
    producers.push(p);
    return p;
  };
  const messages = (...values: string[]) => values.map((value) => ({ key: value, value, partition: 0 }));
  const main = await producer("tx-kcat-main");
  let t = await main.transaction();
  await t.send({ topic, messages: messages("c1", "c2") });
  await t.commit();
  t = await main.transaction();
  await t.send({ topic, messages: messages("a1") });
  await t.send({ topic, messages: messages("a2") });
  await t.abort();
  t = await main.transaction();
  await t.send({ topic, messages: messages("c3") });
  await t.commit();
  const open = await (await producer("tx-kcat-open")).transaction();
  await open.send({ topic, messages: messages("o1") });
  await (await producer()).send({ topic, messages: messages("p1") });
  return { open, close: async () => { for (const p of producers) await p.disconnect(); } };
}

type Isolation = "read_committed" | "read_uncommitted";

interface Read {
  /** `offset:value` per record, in order. */
  records: string[];
  /** Where kcat reached the end of the partition (librdkafka: the last stable offset at read_committed). */
  endOffset: number;
}

async function read(bootstrap: string, isolation: Isolation, from: "beginning" | number = "beginning"): Promise<Read> {
  const r = await kcat(["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", String(from), "-e", "-X", `isolation.level=${isolation}`, "-f", "%o:%s\\n"]);
  expect(r.code, `kcat ${isolation} from ${from}: ${r.stderr}`).toBe(0);
  const end = /Reached end of topic \S+ \[0\] at offset (\d+)/.exec(r.stderr);
  expect(end, r.stderr).not.toBeNull();
  return { records: r.stdout.split("\n").filter((l) => l !== ""), endOffset: Number(end![1]) };
}

/** `kcat -Q`: the partition's end offset (ListOffsets, latest) at `isolation`. */
async function latestOffset(bootstrap: string, isolation: Isolation): Promise<number> {
  const r = await kcat(["-b", bootstrap, "-Q", "-t", `${topic}:0:-1`, "-X", `isolation.level=${isolation}`]);
  const m = /\[0\] offset (-?\d+)/.exec(r.stdout);
  expect(m, `${r.stdout}${r.stderr}`).not.toBeNull();
  return Number(m![1]);
}

/** A kcat reader that keeps running (read_committed) until it has `want` records or is stopped. */
function liveReader(bootstrap: string, from: "beginning" | number) {
  const child = spawn("kcat", ["-b", bootstrap, "-C", "-u", "-t", topic, "-p", "0", "-o", String(from), "-X", "isolation.level=read_committed", "-f", "%o:%s\\n"], { stdio: ["ignore", "pipe", "pipe"] });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exited = new Promise<void>((r) => child.once("close", () => r()));
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const records = () => out.split("\n").filter((l) => l !== "");
  return {
    records,
    async waitFor(want: number, timeoutMs = 15_000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      while (records().length < want && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      return records();
    },
    async stop(): Promise<void> {
      child.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    },
  };
}

const values = (records: string[]) => records.map((r) => r.split(":")[1]);

describe("kcat read_committed over kafkajs transactions: ledge and librdkafka's mock cluster", () => {
  let onLedge: Scenario;
  let onMock: Scenario;
  const ledgeBootstrap = () => `127.0.0.1:${ledge.ports.kafka}`;

  it("ledge: read_committed sees the committed records only, up to the open transaction", { timeout: 60_000 }, async () => {
    onLedge = await produceScenario(ledgeBootstrap());
    // Offsets: c1 0, c2 1, COMMIT 2, a1 3, a2 4, ABORT 5, c3 6, COMMIT 7, o1 8 (open), p1 9.
    expect(await read(ledgeBootstrap(), "read_committed")).toEqual({ records: ["0:c1", "1:c2", "6:c3"], endOffset: 8 });
    expect(await latestOffset(ledgeBootstrap(), "read_committed")).toBe(8);
  });

  it("ledge: read_uncommitted sees every data record, the open and aborted too, and no control record", { timeout: 60_000 }, async () => {
    expect(await read(ledgeBootstrap(), "read_uncommitted")).toEqual({ records: ["0:c1", "1:c2", "3:a1", "4:a2", "6:c3", "8:o1", "9:p1"], endOffset: 10 });
    expect(await latestOffset(ledgeBootstrap(), "read_uncommitted")).toBe(10);
  });

  it("ledge: read_committed from inside the aborted transaction or at a marker still hides it", { timeout: 60_000 }, async () => {
    // From a1 (the aborted transaction's first offset), from a2 (its first offset is before the
    // fetch: the aborted list must still name it), and from the COMMIT marker after c3.
    expect((await read(ledgeBootstrap(), "read_committed", 3)).records).toEqual(["6:c3"]);
    expect((await read(ledgeBootstrap(), "read_committed", 4)).records).toEqual(["6:c3"]);
    expect(await read(ledgeBootstrap(), "read_committed", 7)).toEqual({ records: [], endOffset: 8 });
    // read_uncommitted from a marker's offset starts at the next data record.
    expect((await read(ledgeBootstrap(), "read_uncommitted", 5)).records).toEqual(["6:c3", "8:o1", "9:p1"]);
  });

  it("ledge: readers waiting at read_committed get the open transaction and what is behind it at its commit", { timeout: 60_000 }, async () => {
    const fromStart = liveReader(ledgeBootstrap(), "beginning");
    // Past the last stable offset (p1, behind the open transaction): an empty answer, not an
    // error; librdkafka waits there.
    const pastStable = liveReader(ledgeBootstrap(), 9);
    try {
      expect(await fromStart.waitFor(3)).toEqual(["0:c1", "1:c2", "6:c3"]);
      await onLedge.open.commit();
      expect(await fromStart.waitFor(5)).toEqual(["0:c1", "1:c2", "6:c3", "8:o1", "9:p1"]);
      expect(await pastStable.waitFor(1)).toEqual(["9:p1"]);
    } finally {
      await fromStart.stop();
      await pastStable.stop();
      await onLedge.close();
    }
    expect(await read(ledgeBootstrap(), "read_committed")).toEqual({ records: ["0:c1", "1:c2", "6:c3", "8:o1", "9:p1"], endOffset: 11 });
  });

  it("the mock cluster: the same data, but no markers and no isolation (librdkafka 2.0.2)", { timeout: 60_000 }, async () => {
    onMock = await produceScenario(mock.bootstrap);
    try {
      const uncommitted = await read(mock.bootstrap, "read_uncommitted");
      const ledgeUncommitted = ["c1", "c2", "a1", "a2", "c3", "o1", "p1"];
      // What both brokers agree on: the data records, in order.
      expect(values(uncommitted.records)).toEqual(ledgeUncommitted);
      // The mock's difference: no control batches, so offsets run on without gaps ...
      expect(uncommitted.records.map((r) => Number(r.split(":")[0]))).toEqual([0, 1, 2, 3, 4, 5, 6]);
      // ... and read_committed shows the aborted a1 a2 and the open o1 (and p1 behind it), which
      // ledge (and Kafka) hide. If this fails, the mock gained isolation: compare it to ledge's.
      const committed = await read(mock.bootstrap, "read_committed");
      expect(committed).toEqual({ records: uncommitted.records, endOffset: 7 });
      await onMock.open.commit();
      expect(await read(mock.bootstrap, "read_committed")).toEqual({ records: uncommitted.records, endOffset: 7 });
    } finally {
      await onMock.close();
    }
  });
});
