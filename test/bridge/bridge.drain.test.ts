// A backlog built while the upstream is away drains within bridge.rateLimitBytesPerS, with
// progress lines, while ingest goes on; then upstream holds exactly the edge's log.
import { describe, expect, it } from "vitest";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { bridgeYaml, count, expectSameBesidesAborted, metric, mockUpstreamSuite, publisher, publishSeries, readTopic, sleep, waitFor } from "./helpers.ts";

const { upstream, cleanups } = mockUpstreamSuite(3);

describe("bridge: draining a backlog", () => {
  it("ships a backlog no faster than rateLimitBytesPerS, logs progress, and delivers every record once", { timeout: 180_000 }, async () => {
    // Slow enough that the drain outlasts the 10 s between progress lines (merged rounds ship
    // the backlog's one-record batches in ~2/3 of their stored bytes).
    const rate = 3 * 1024;
    const d = await ledgeDirs("ledge-bridge-drain-", bridgeYaml(upstream.bootstrap, `  rateLimitBytesPerS: ${rate}\n  requestTimeoutMs: 2s\n`, "edge-drain"));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    upstream.child.kill("SIGSTOP");
    const c = await publisher(edge.ports.mqtt!, "drain-1");
    await publishSeries(c, 0, 400);
    // The gauge follows once the bridge's request to the stopped upstream times out.
    await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_lag_records")) > 0, 20_000, 200);
    const backlog = await metric(edge.ports.http!, "ledge_bridge_lag_records");
    upstream.child.kill("SIGCONT");
    const t0 = Date.now();
    await publishSeries(c, 400, 420); // live data keeps flowing during the drain
    await c.endAsync();
    const drained = await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_lag_records")) === 0 && (await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")) === 420, 120_000);
    const elapsedS = (Date.now() - t0) / 1000;
    expect(drained, edge.stderr().slice(-3000)).toBe(true);
    expect(backlog).toBeGreaterThan(0);
    const bytes = await metric(edge.ports.http!, "ledge_bridge_shipped_bytes_total");
    // The cap is a bound, not a speed claim: the drain may be slower, never faster (10% slack
    // for the window restarting after the upstream came back).
    expect(elapsedS).toBeGreaterThanOrEqual((bytes / rate) * 0.9);
    expect(edge.stderr()).toMatch(/bridge: draining: \d+ records left, \d+ records\/s, (about \d+ s to catch up|not moving)/);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    const remote = await readTopic(upstream.bootstrap, "mqtt-messages", true);
    expect(count(local)).toBe(420);
    expectSameBesidesAborted(local, remote, await metric(edge.ports.http!, "ledge_bridge_aborted_records_total"), () => edge.stderr().slice(-3000));
    await sleep(10);
  });
});
