// Bad upstreams give a clear status and log line, nothing is dropped, and ingest goes on.
// The upstream here is a second ledge process (its Kafka listener): it has no transactions yet,
// which is exactly the "transactions unsupported with delivery: exactly-once" case.
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { count, partitionSeries, publishSeries, publisher, readTopic, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe("bridge: bad upstream answers", () => {
  it("an upstream without transactions: a log line naming what to change, state 4, ingest unaffected, nothing shipped", { timeout: 120_000 }, async () => {
    const up = await ledgeDirs("ledge-bridge-up-", "log: { autoCreateTopics: true }\n");
    cleanups.push(up.remove);
    const upstream = await startLedge(up.args);
    cleanups.push(async () => void upstream.child.kill("SIGKILL"));
    const edgeDirs = await ledgeDirs("ledge-bridge-bad-", `mqtt:\n  allowAnonymous: true\nbridge:\n  brokers: ["127.0.0.1:${upstream.ports.kafka}"]\n  edgeId: edge-bad\n  backoffMsMax: 1s\n`);
    cleanups.push(edgeDirs.remove);
    const edge = await startLedge(edgeDirs.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "bad-1");
    await publishSeries(c, 0, 20);
    const said = await waitFor(async () => /bridge: state backing-off: .*does not support transactions.*bridge\.delivery/.test(edge.stderr()), 30_000);
    expect(said, edge.stderr()).toBe(true);
    await publishSeries(c, 20, 40); // ingest goes on while the bridge cannot ship
    await c.endAsync();
    // The lag counts what waits locally, updated at each retry while the upstream refuses.
    let metrics = "";
    const lagShown = await waitFor(async () => {
      metrics = await (await fetch(`http://127.0.0.1:${edge.ports.http}/metrics`)).text();
      return /^ledge_bridge_lag_records 40$/m.test(metrics);
    }, 15_000);
    expect(lagShown, metrics).toBe(true);
    expect(metrics).toMatch(/^ledge_bridge_state 4$/m);
    // Per partition too; the bytes hold at least the 40 values (status.lag.test.ts checks them exactly).
    const perPartition = (name: string) => [...partitionSeries(metrics, name, "mqtt-messages").values()];
    expect(perPartition("ledge_bridge_lag_records").reduce((a, b) => a + b, 0)).toBe(40);
    expect(perPartition("ledge_bridge_lag_records").length).toBeGreaterThan(0);
    const lagBytes = Number(/^ledge_bridge_lag_bytes (\S+)$/m.exec(metrics)?.[1]);
    expect(perPartition("ledge_bridge_lag_bytes").reduce((a, b) => a + b, 0)).toBe(lagBytes);
    expect(lagBytes).toBeGreaterThan(40 * '{"seq":0,"temp":20}'.length);
    expect(Math.max(...perPartition("ledge_bridge_lag_seconds"))).toBeGreaterThan(0);
    expect(count(await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false))).toBe(40);
    const shipped = await readTopic(`127.0.0.1:${upstream.ports.kafka}`, "mqtt-messages", false).catch(() => new Map());
    expect(count(shipped)).toBe(0);
  });
});
