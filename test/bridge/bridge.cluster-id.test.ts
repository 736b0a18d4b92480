// A different upstream cluster behind the same address (exactly-once delivery): two ledge
// upstreams with their own data directories, so their own cluster ids, take turns on one port.
// Each swap is logged with both ids and counted (ledge_bridge_upstream_replaced_total), and the
// bridge goes on with the cluster now there, from that cluster's cursors: the new one (no
// cursors) gets every record from the start of the local log, and the old one, back again,
// gets only what it lacks. Either way a read_committed reader sees each record once, in order.
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { bridgeYaml, count, metric, publishSeries, publisher, readTopic, sleep, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function startUpstream(dirs: LedgeDirs, kafkaPort?: number): Promise<LedgeProcess> {
  const up = await startLedge(kafkaPort === undefined ? dirs.args : [...dirs.args, "--kafka-port", String(kafkaPort)]);
  cleanups.push(async () => void up.child.kill("SIGKILL"));
  return up;
}

async function stop(p: LedgeProcess): Promise<void> {
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
}

const replacedLine = (port: number) => new RegExp(`upstream at 127\\.0\\.0\\.1:${port} is now Kafka cluster (\\S+), not cluster (\\S+) that this edge shipped to before`, "g");

describe("bridge: the upstream cluster id changes behind the same address", () => {
  it("logs both ids and counts each swap; ships to the cluster now there from its cursors, once each", { timeout: 240_000 }, async () => {
    const a = await ledgeDirs("ledge-upstream-a-", "log: { autoCreateTopics: true }\n");
    const b = await ledgeDirs("ledge-upstream-b-", "log: { autoCreateTopics: true }\n");
    cleanups.push(a.remove, b.remove);
    let up = await startUpstream(a);
    const port = up.ports.kafka!;
    const bootstrap = `127.0.0.1:${port}`;
    const d = await ledgeDirs("ledge-edge-cid-", bridgeYaml(bootstrap, "  prefix: edge-c.\n  requestTimeoutMs: 3s\n", "edge-c"));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const edgeBootstrap = `127.0.0.1:${edge.ports.kafka}`;
    const pub = await publisher(edge.ports.mqtt!, "cid");
    cleanups.push(async () => void pub.end(true));

    const shippedAll = async (what: string) => {
      const local = await readTopic(edgeBootstrap, "mqtt-messages", false);
      let remote = new Map<string, string[]>();
      const arrived = await waitFor(async () => count(remote = await readTopic(bootstrap, "edge-c.mqtt-messages", true).catch(() => new Map())) >= count(local), 60_000, 500);
      expect(arrived, `${what}: upstream has ${count(remote)} of ${count(local)}; edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
      await sleep(1500); // a repeat would show now
      remote = await readTopic(bootstrap, "edge-c.mqtt-messages", true);
      expect(count(remote), what).toBe(count(local));
      for (const [p, lines] of local) expect(remote.get(p), `${what}: partition ${p}`).toEqual(lines);
    };

    await publishSeries(pub, 0, 20);
    await shippedAll("cluster A");
    expect(await metric(edge.ports.http!, "ledge_bridge_upstream_replaced_total")).toBe(0);

    // B, a fresh cluster, takes A's port.
    await stop(up);
    up = await startUpstream(b, port);
    await publishSeries(pub, 20, 30);
    await shippedAll("cluster B after A");
    const first = [...edge.stderr().matchAll(replacedLine(port))];
    expect(first, edge.stderr().slice(-3000)).toHaveLength(1);
    const [, idB, idA] = first[0];
    expect(idB).not.toBe(idA);
    expect(await metric(edge.ports.http!, "ledge_bridge_upstream_replaced_total")).toBe(1);
    expect(edge.stderr()).toMatch(/reads its cursors from that cluster's __ledge_bridge_cursors.*nothing is lost/);

    // A again, on its own data: its cursors say 20 records per the first round, so only the rest goes.
    await stop(up);
    up = await startUpstream(a, port);
    await publishSeries(pub, 30, 35);
    await shippedAll("cluster A again");
    const swaps = [...edge.stderr().matchAll(replacedLine(port))];
    expect(swaps).toHaveLength(2);
    expect([swaps[1][1], swaps[1][2]]).toEqual([idA, idB]);
    expect(await metric(edge.ports.http!, "ledge_bridge_upstream_replaced_total")).toBe(2);
    // A never got the records twice (read_uncommitted would show aborted repeats, read_committed none).
    expect(count(await readTopic(bootstrap, "edge-c.mqtt-messages", true))).toBe(35);
    await stop(edge);
  });
});
