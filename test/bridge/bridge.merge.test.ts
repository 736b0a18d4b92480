// Small stored batches (an MQTT QoS 1 message each, one commit apiece) go upstream merged: a
// round trip per stored batch was what capped the bridge on a link with latency. Exactly-once
// merges (a failed transaction is aborted and resent from the upstream cursors, cut as it may
// be); idempotent does not (a resend repeats a stored batch under its sequence). Upstream is a
// second ledge, whose stored batches are what the edge's Produce requests carried.
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { bridgeYaml, count, metric, publisher, publishSeries, readTopic, storedDataBatches, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function started(args: string[]): Promise<LedgeProcess> {
  const p = await startLedge(args);
  cleanups.push(async () => void p.child.kill("SIGKILL"));
  return p;
}

/** A backlog of `messages` one-message batches built while upstream is stopped, then drained. */
async function drain(delivery: "exactly-once" | "idempotent", messages: number): Promise<{ local: number; upstream: number }> {
  const up = await ledgeDirs(`ledge-merge-up-${delivery}-`, "log: { autoCreateTopics: true }\n");
  cleanups.push(up.remove);
  const upstream = await started(up.args);
  const bootstrap = `127.0.0.1:${upstream.ports.kafka}`;
  const d = await ledgeDirs(`ledge-merge-edge-${delivery}-`, bridgeYaml(bootstrap, `  delivery: ${delivery}\n  prefix: m.\n`, `edge-merge-${delivery}`));
  cleanups.push(d.remove);
  upstream.child.kill("SIGSTOP");
  const edge = await started(d.args);
  const c = await publisher(edge.ports.mqtt!, `merge-${delivery}`);
  await publishSeries(c, 0, messages, 1); // one device: one local partition, one batch a message
  await c.endAsync();
  upstream.child.kill("SIGCONT");
  const shipped = await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")) === messages, 60_000, 100);
  expect(shipped, edge.stderr().slice(-3000)).toBe(true);
  const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
  const remote = await readTopic(bootstrap, "m.mqtt-messages", true);
  expect(count(remote)).toBe(messages);
  for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines); // order, keys, values, headers, timestamps
  const [partition] = [...local.keys()].map(Number);
  const localBatches = (await storedDataBatches(edge.ports.kafka!, "mqtt-messages", partition)).length;
  const upstreamBatches = (await storedDataBatches(upstream.ports.kafka!, "m.mqtt-messages", partition)).length;
  edge.child.kill("SIGTERM");
  expect(await edge.exited).toBe(0);
  return { local: localBatches, upstream: upstreamBatches };
}

describe("bridge: small stored batches", () => {
  it("exactly-once merges a backlog of one-message batches into a few upstream batches, every record once and in order", { timeout: 120_000 }, async () => {
    const { local, upstream } = await drain("exactly-once", 200);
    expect(local).toBe(200);
    expect(upstream).toBeLessThanOrEqual(20);
  });

  it("idempotent ships them one stored batch to one upstream batch", { timeout: 120_000 }, async () => {
    const { local, upstream } = await drain("idempotent", 60);
    expect(upstream).toBe(local);
  });
});
