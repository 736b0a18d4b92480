// Pins the ack path to durability: lmdb-js documents that with overlappingSync a write resolves
// at commit, before the fsync (3.5.6 was measured resolving after it, runtime/log/lmdb-env.ts);
// ledge relies on neither: an append (and a KV put) under sync: always also waits for
// `env.flushed`. The test holds `flushed` closed and checks nothing is acknowledged meanwhile.
// (test/log/sync-modes.test.ts holds the real fsync open, in a real process.)
import { afterEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

afterEach(async () => {
  await log.close();
  t.remove();
});

/** Replaces the environment's `flushed` promise with a gate the test opens. */
function gateFlushed(l: Log): { open(): void; waits: () => number } {
  const env = getEnv(l);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let waits = 0;
  const real = Object.getOwnPropertyDescriptor(env, "flushed");
  Object.defineProperty(env, "flushed", {
    configurable: true,
    get() {
      waits++;
      return gate;
    },
  });
  return {
    open() {
      if (real) Object.defineProperty(env, "flushed", real);
      release();
    },
    waits: () => waits,
  };
}

function getEnv(l: Log): object {
  return (l as unknown as { envForTests: object }).envForTests;
}

const settle = () => new Promise((r) => setTimeout(r, 50));

/** Waits (bounded) until the commit reached the flush wait; a busy machine may take a while. */
async function untilFlushAwaited(gate: { waits: () => number }): Promise<void> {
  for (let i = 0; i < 200 && gate.waits() === 0; i++) await settle();
}

describe("acknowledgements wait for the fsync", () => {
  it("sync: always — append resolves only after env.flushed", async () => {
    t = tempDir();
    log = await openLog(t.dir);
    await log.createTopic("d", 1);
    const gate = gateFlushed(log);
    let acked = false;
    const p = log.append("d", 0, batch(1)).then((r) => ((acked = true), r));
    try {
      await untilFlushAwaited(gate);
      await settle();
      expect(gate.waits()).toBeGreaterThan(0); // committed, now waiting for the flush
      expect(acked).toBe(false);
      expect(log.partitionState("d", 0).highWatermark).toBe(0); // readers do not see it either
    } finally {
      gate.open();
    }
    expect((await p).baseOffset).toBe(0);
    expect(log.partitionState("d", 0).highWatermark).toBe(1);
  });

  it("sync: always — a KV put resolves only after env.flushed", async () => {
    t = tempDir();
    log = await openLog(t.dir);
    const store = log.openStore<{ n: number }>("sessions");
    const gate = gateFlushed(log);
    let done = false;
    const p = store.put("a", { n: 1 }).then(() => (done = true));
    try {
      await untilFlushAwaited(gate);
      await settle();
      expect(done).toBe(false);
    } finally {
      gate.open();
    }
    await p;
    expect(store.get("a")).toEqual({ n: 1 });
  });

  it("sync: interval — append resolves at commit without waiting for the fsync", async () => {
    t = tempDir();
    log = await openLog(t.dir, { storage: { sync: "interval", syncIntervalMs: 60_000 } });
    await log.createTopic("d", 1);
    const gate = gateFlushed(log);
    const r = await log.append("d", 0, batch(1));
    expect(r.baseOffset).toBe(0);
    gate.open();
  });
});
