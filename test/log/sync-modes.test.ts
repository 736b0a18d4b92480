// What an acknowledgement waits for under each storage.sync mode, on a real ledge process whose
// fsyncs an LD_PRELOAD shim can hold open (test/fixtures/io-fault-shim.c): an fsync that does not
// end until the test says so. Under `interval` a QoS 1 PUBACK arrives while the fsync is held
// (and the held fsync proves one was due); under `always` no PUBACK comes while the commit's
// fsync is held, and it comes once the fsync is let go. How much faster `interval` acks on a
// slow disk is measured in bench/log.ts, not here.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ledgeBin, ledgeDirs, metricValue, startLedge, waitForMetric, type LedgeProcess } from "../helpers/ledge-process.ts";
import { ioFaultShim } from "../helpers/io-fault-shim.ts";
import { rawConnected, type RawClient } from "../mqtt/helpers/raw-client.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const config = (sync: string) => `storage: { sync: ${sync}, syncIntervalMs: 100 }\nmqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 1 }\n`;

async function waitFor(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A ledge under the shim, with its hold flag and held mark, and an MQTT 5 client that published once. */
async function ledgeWithHeldSyncs(sync: "always" | "interval"): Promise<{ ledge: LedgeProcess; c: RawClient; hold: string; held: string }> {
  const d = await ledgeDirs(`ledge-sync-${sync}-`, config(sync));
  const hold = `${d.dataDir}-hold`;
  const held = `${d.dataDir}-held`;
  const ledge = await startLedge(d.args, 20_000, { command: process.execPath, args: [], bin: ledgeBin, env: { LD_PRELOAD: ioFaultShim(), LEDGE_SHIM_SYNC_HOLD_FLAG: hold, LEDGE_SHIM_SYNC_HELD_MARK: held } });
  cleanups.push(async () => {
    rmSync(hold, { force: true });
    ledge.child.kill("SIGKILL");
    await ledge.exited;
    rmSync(held, { force: true });
    await d.remove();
  });
  const c = await rawConnected(ledge.ports.mqtt!, 5, `sync-${sync}`);
  cleanups.unshift(async () => c.end());
  const fsyncsBefore = await metricValue(ledge.ports.http!, "ledge_log_fsyncs_total");
  publish(c, 1, "warm");
  expect(await c.next("puback", 10_000)).toMatchObject({ reasonCode: 0 });
  // Let the warm-up's fsync finish before holding the next ones (a loaded machine may be slow to
  // run it; a sync that began before the warm-up commit may count first, hence the pause after).
  await waitForMetric(ledge.ports.http!, "ledge_log_fsyncs_total", fsyncsBefore + 1);
  await new Promise((r) => setTimeout(r, 300));
  return { ledge, c, hold, held };
}

function publish(c: RawClient, messageId: number, text: string): void {
  c.send({ cmd: "publish", topic: "s/x", payload: Buffer.from(text), qos: 1, messageId, dup: false, retain: false });
}

/** interval: holds fsyncs, publishes, gets the PUBACK, then sees the interval fsync held. */
async function ackedWhileSyncHeld(c: RawClient, hold: string, held: string): Promise<void> {
  writeFileSync(hold, "");
  publish(c, 2, "acked at commit");
  expect(await c.next("puback", 10_000)).toMatchObject({ messageId: 2, reasonCode: 0 });
  // The timer's fsync for that commit starts within syncIntervalMs and is held: the ack did not wait for it.
  await waitFor("the interval fsync to start", () => existsSync(held));
}

describe("storage.sync: what an acknowledgement waits for (fsync held by an LD_PRELOAD shim)", () => {
  it("interval: the PUBACK arrives while the fsync is held, and that fsync was due", async () => {
    const { c, hold, held } = await ledgeWithHeldSyncs("interval");
    await ackedWhileSyncHeld(c, hold, held);
    expect(existsSync(hold)).toBe(true);
    rmSync(hold);
  });

  it("interval: once an acknowledged commit has waited syncIntervalMs for its held fsync, the next PUBACK waits too (the loss bound)", async () => {
    const { c, hold, held } = await ledgeWithHeldSyncs("interval");
    // The fsync for the first publish starts syncIntervalMs after its commit and is held, so that
    // publish is now at least syncIntervalMs unsynced: nothing more may be acknowledged until it is synced.
    await ackedWhileSyncHeld(c, hold, held);
    publish(c, 3, "second");
    await expect(c.next("puback", 1_000)).rejects.toThrow(/no puback/);
    rmSync(hold);
    expect(await c.next("puback", 10_000)).toMatchObject({ messageId: 3, reasonCode: 0 });
  });

  it("always: no PUBACK while the commit's fsync is held; it comes once the fsync ends", async () => {
    const { c, hold, held } = await ledgeWithHeldSyncs("always");
    writeFileSync(hold, "");
    publish(c, 2, "acked after fsync");
    await waitFor("the commit's fsync to start", () => existsSync(held));
    // Held: a PUBACK now would be an ack before the fsync. Give a wrong build a second to send one.
    await expect(c.next("puback", 1_000)).rejects.toThrow(/no puback/);
    rmSync(hold);
    expect(await c.next("puback", 10_000)).toMatchObject({ messageId: 2, reasonCode: 0 });
  });
});
