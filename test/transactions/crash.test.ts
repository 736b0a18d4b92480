// Exactly once under crashes: a consume-transform-produce application (ctp-app.ts, kafkajs, its
// own process) reads an input topic in a consumer group and writes each chunk of records, with
// the group's next offset, in one transaction. ledge is SIGKILLed 10 times and the application
// 10 times, at moments drawn from a seed; ledge comes back on the same data dir and port, the
// application is restarted whenever it exits. At the end a read_committed reader sees every
// input record transformed exactly once, and the group's committed offsets are the input's end.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { freePort } from "../helpers/mosquitto.ts";
import { kcat } from "../kafka/helpers/kcat.ts";

const appScript = fileURLToPath(new URL("./ctp-app.ts", import.meta.url));
const recordCount = 2_000;
const recordsPerTxn = 10;
const inputPartitions = 2;
const killsEach = 10;
/** How long the loop may make no progress before the test gives up (a hang is a failure). */
const stallMsMax = 60_000;
/** Restarts of the application the test allows in all (it also exits on its own when ledge dies). */
const appStartsMax = 300;

// LEDGE_TEST_SEED=N replays the kill schedule (the processes' own timing still varies).
const seed = Number(process.env.LEDGE_TEST_SEED ?? Date.now() % 1_000_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dirs: LedgeDirs | undefined;
let ledge: LedgeProcess | undefined;
let app: ReturnType<typeof superviseApp> | undefined;
afterAll(async () => {
  await app?.stop();
  ledge?.child.kill("SIGKILL");
  await ledge?.exited;
  await dirs?.remove();
});

/**
 * Keeps one instance of the application running: starts it again whenever it exits (it exits 1
 * on errors such as ledge going away) or is killed, and records the offsets it reports committed.
 */
function superviseApp(broker: string) {
  const committed = new Map<number, number>();
  let child: ChildProcess | undefined;
  let alive = false;
  let exited: Promise<void> = Promise.resolve();
  let starts = 0;
  let ownExits = 0;
  let stopped = false;
  let stderrTail = "";
  const start = () => {
    if (stopped || starts >= appStartsMax) return; // waitProgress reports the stall
    starts++;
    const c = spawn(process.execPath, ["--import", "tsx", appScript, broker, "ctp-in", "ctp-out", "ctp-group", "ctp-txn", String(recordsPerTxn)], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    alive = true;
    createInterface({ input: c.stdout! }).on("line", (line) => {
      const m = /^committed (\d+) (\d+)$/.exec(line);
      if (m) committed.set(Number(m[1]), Math.max(committed.get(Number(m[1])) ?? 0, Number(m[2])));
    });
    c.stderr!.on("data", (d) => (stderrTail = (stderrTail + d).slice(-4000)));
    exited = new Promise((resolve) => c.once("exit", (code, signal) => {
      alive = false;
      resolve();
      if (stopped) return;
      if (signal !== "SIGKILL") ownExits++; // it gave up (ledge away, fenced, rebalanced)
      setTimeout(start, 200); // one instance at a time: the next starts only after this one is gone
    }));
  };
  start();
  return {
    committedTotal: () => [...committed.values()].reduce((a, b) => a + b, 0),
    stats: () => ({ starts, ownExits }),
    stderrTail: () => stderrTail,
    /** SIGKILLs the running instance (once one runs); the next one starts 200 ms after. */
    async kill() {
      for (let waitedMs = 0; !alive && !stopped && waitedMs < stallMsMax; waitedMs += 10) await sleep(10);
      child?.kill("SIGKILL");
      await exited;
    },
    async stop() {
      stopped = true;
      child?.kill("SIGKILL");
      await exited;
    },
  };
}

describe("consume-transform-produce under SIGKILL (kafkajs, transactions)", () => {
  it(`ledge killed ${killsEach} times and the application ${killsEach} times: every input record transformed exactly once (seed ${seed})`, { timeout: 300_000 }, async () => {
    const startedMs = Date.now();
    const random = seededRandom(seed);
    dirs = await ledgeDirs("ledge-txn-crash-", [
      "topics:",
      `  - { name: ctp-in, partitions: ${inputPartitions} }`,
      "  - { name: ctp-out, partitions: 3 }",
      // A restarted application rejoins quickly: the killed member's session ends within 3 s.
      "groups: { sessionTimeoutMsMin: 1s, initialRebalanceDelayMs: 0 }",
    ].join("\n") + "\n");
    const kafkaPort = await freePort();
    const broker = `127.0.0.1:${kafkaPort}`;
    const ledgeArgs = [...dirs.args, "--kafka-port", String(kafkaPort)];
    ledge = await startLedge(ledgeArgs);

    const kafka = new Kafka({ clientId: "ctp-test", brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    const input = kafka.producer();
    await input.connect();
    for (let from = 0; from < recordCount; from += 500) {
      const messages = Array.from({ length: Math.min(500, recordCount - from) }, (_, j) => ({ key: `k-${from + j}`, value: `i-${from + j}`, partition: (from + j) % inputPartitions }));
      await input.send({ topic: "ctp-in", acks: -1, messages });
    }
    await input.disconnect();
    const inputEnd = (p: number) => Math.ceil((recordCount - p) / inputPartitions);

    // The schedule: ledge and application kills shuffled, each at a point of progress (records
    // committed) spread over the input, plus a delay that lands it anywhere in a transaction.
    const kinds = [...Array(killsEach).fill("ledge"), ...Array(killsEach).fill("app")] as Array<"ledge" | "app">;
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
    }
    const points = kinds.map(() => Math.floor(recordCount * (0.05 + 0.85 * random()))).sort((a, b) => a - b);
    const delaysMs = kinds.map(() => Math.floor(random() * 150));

    app = superviseApp(broker);
    const ledgeLogs: string[] = [];
    const waitProgress = async (atLeast: number, what: string) => {
      let last = app!.committedTotal();
      let lastMoveMs = Date.now();
      while (app!.committedTotal() < atLeast) {
        if (app!.committedTotal() !== last) [last, lastMoveMs] = [app!.committedTotal(), Date.now()];
        if (Date.now() - lastMoveMs > stallMsMax) {
          throw new Error(`no progress for ${stallMsMax} ms waiting for ${what}: ${last} of ${atLeast} records committed; app stderr:\n${app!.stderrTail()}\nledge stderr:\n${ledge!.stderr().slice(-4000)}`);
        }
        await sleep(20);
      }
    };
    for (let k = 0; k < kinds.length; k++) {
      await waitProgress(points[k], `kill ${k + 1} (${kinds[k]})`);
      await sleep(delaysMs[k]);
      if (kinds[k] === "app") {
        await app.kill();
      } else {
        ledge.child.kill("SIGKILL");
        await ledge.exited;
        ledgeLogs.push(ledge.stderr());
        ledge = await startLedge(ledgeArgs);
      }
    }
    await waitProgress(recordCount, "the end of the input");
    await app.stop();
    const { starts, ownExits } = app.stats();

    // Everything a read_committed reader sees: each input record transformed, exactly once.
    const read = async (isolation: string) => {
      const r = await kcat(["-C", "-b", broker, "-t", "ctp-out", "-o", "beginning", "-e", "-q", "-X", `isolation.level=${isolation}`, "-f", "%s\\n"], undefined, 60_000);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.split("\n").filter(Boolean);
    };
    const seen = await read("read_committed");
    const counts = new Map<string, number>();
    for (const v of seen) counts.set(v, (counts.get(v) ?? 0) + 1);
    const expected = Array.from({ length: recordCount }, (_, i) => `o-${i}`);
    const missing = expected.filter((v) => !counts.has(v));
    const twice = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
    const extra = [...counts.keys()].filter((v) => !/^o-\d+$/.test(v) || Number(v.slice(2)) >= recordCount);
    expect({ missing: missing.slice(0, 20), missingCount: missing.length, twice: twice.slice(0, 20), twiceCount: twice.length, extra: extra.slice(0, 20) }).toEqual({ missing: [], missingCount: 0, twice: [], twiceCount: 0, extra: [] });
    expect(seen.length).toBe(recordCount);

    // The group's committed offsets are the input's end, partition by partition.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: "ctp-group", topics: ["ctp-in"] });
      const byPartition = offsets.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]);
      expect(byPartition).toEqual(Array.from({ length: inputPartitions }, (_, p) => [p, inputEnd(p)]));
    } finally {
      await admin.disconnect();
    }
    const uncommitted = (await read("read_uncommitted")).length;
    // What the kills hit, from ledge's own log lines: decided transactions completed at start,
    // open ones aborted when the next instance fenced its predecessor.
    const logs = [...ledgeLogs, ledge.stderr()].join("");
    const completedAtStart = logs.match(/completing transaction of 'ctp-txn' left in Prepare/g)?.length ?? 0;
    const fencedOpen = logs.match(/'ctp-txn' re-initialised while a transaction was open/g)?.length ?? 0;
    console.log(`crash test (seed ${seed}): ${recordCount} records, ${killsEach} ledge kills, ${killsEach} app kills, ${starts} app starts (${ownExits} exits on its own), ${fencedOpen} open transactions aborted by fencing, ${completedAtStart} completed at ledge start, ${uncommitted - recordCount} aborted output records, ${Math.round((Date.now() - startedMs) / 1000)} s`);
  });
});
