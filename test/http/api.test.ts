// The admin API (/api) on a real ledge process, driven over HTTP as an operator's script would,
// with kcat and kafkajs making the topics and groups it reports: every route, the bearer token,
// and the bad requests (bad JSON, unknown names, wrong methods, oversized bodies).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import mqtt from "mqtt";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";

const token = "s3cret-token";
let d: LedgeDirs;
let ledge: LedgeProcess;
let base: string;

async function api(path: string, init: RequestInit = {}, auth: string | null = `Bearer ${token}`) {
  const headers = new Headers(init.headers);
  if (auth !== null) headers.set("authorization", auth);
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  d = await ledgeDirs("ledge-api-", `mqtt:\n  allowAnonymous: true\nlisteners:\n  http:\n    token: ${token}\n`);
  ledge = await startLedge(d.args);
  base = `http://127.0.0.1:${ledge.ports.http}`;
});
afterAll(async () => {
  ledge.child.kill("SIGTERM");
  await ledge.exited;
  await d.remove();
});

describe("admin API", () => {
  it("needs the bearer token on /api and /metrics, not on /healthz", async () => {
    for (const auth of [null, "Bearer wrong", token]) {
      const r = await api("/api/topics", {}, auth);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("LEDGE_ERR_API_UNAUTHORIZED");
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
    }
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("creates, describes, lists and deletes topics that Kafka clients then see", async () => {
    const made = await api("/api/topics", { method: "POST", body: JSON.stringify({ name: "made", partitions: 3, config: { "retention.ms": "3600000" } }) });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: "made", partitionCount: 3, records: 0, config: { "retention.ms": "3600000" } });
    const meta = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-L", "-t", "made"]);
    expect(meta.stdout).toContain('topic "made" with 3 partitions');

    const lines = Array.from({ length: 25 }, (_, i) => `line-${i}`).join("\n");
    await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-P", "-t", "made", "-p", "1"], `${lines}\n`);
    const one = await api("/api/topics/made");
    expect(one.status).toBe(200);
    expect(one.body.records).toBe(25);
    expect(one.body.partitions[1]).toMatchObject({ partition: 1, logStartOffset: 0, highWatermark: 25, records: 25 });
    expect(one.body.partitions[1].storedBytes).toBeGreaterThan(25 * 7);
    expect(one.body.storedBytes).toBe(one.body.partitions[1].storedBytes);

    const all = await api("/api/topics");
    expect(all.body.map((t: { name: string }) => t.name)).toContain("made");

    const gone = await api("/api/topics/made", { method: "DELETE" });
    expect(gone).toMatchObject({ status: 200, body: { deleted: "made" } });
    expect((await api("/api/topics/made")).status).toBe(404);
  });

  it("answers bad requests with the code and a status, and changes nothing", async () => {
    await api("/api/topics", { method: "POST", body: JSON.stringify({ name: "keep" }) });
    const cases: Array<{ path: string; init: RequestInit; status: number; code: string }> = [
      { path: "/api/topics", init: { method: "POST", body: "{not json" }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics", init: { method: "POST", body: "[1,2]" }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ partitions: 2 }) }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ name: "x", partitions: 1.5 }) }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ name: "bad name!" }) }, status: 400, code: "LEDGE_ERR_INVALID_TOPIC" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ name: "x", partitions: 0 }) }, status: 400, code: "LEDGE_ERR_INVALID_PARTITIONS" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ name: "x", config: { "retention.ms": "soon" } }) }, status: 400, code: "LEDGE_ERR_INVALID_TOPIC_CONFIG" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ name: "keep" }) }, status: 409, code: "LEDGE_ERR_TOPIC_EXISTS" },
      { path: "/api/topics", init: { method: "POST", body: JSON.stringify({ name: "x", pad: "y".repeat(70_000) }) }, status: 413, code: "LEDGE_ERR_API_BODY_TOO_LARGE" },
      { path: "/api/topics/nope", init: {}, status: 404, code: "LEDGE_ERR_UNKNOWN_TOPIC" },
      { path: "/api/topics/nope", init: { method: "DELETE" }, status: 404, code: "LEDGE_ERR_UNKNOWN_TOPIC" },
      { path: "/api/topics", init: { method: "PUT" }, status: 405, code: "LEDGE_ERR_API_METHOD" },
      { path: "/api/groups/nobody", init: {}, status: 404, code: "LEDGE_ERR_API_NOT_FOUND" },
      { path: "/api/bridge", init: {}, status: 404, code: "LEDGE_ERR_API_NOT_FOUND" },
      { path: "/api/whatever", init: {}, status: 404, code: "LEDGE_ERR_API_NOT_FOUND" },
      { path: "/api/topics/keep/extra", init: {}, status: 404, code: "LEDGE_ERR_API_NOT_FOUND" },
      { path: "/api/topics/keep/records?partition=3", init: {}, status: 404, code: "LEDGE_ERR_UNKNOWN_PARTITION" },
      { path: "/api/topics/keep/records?limit=0", init: {}, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics/keep/records?offset=x", init: {}, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics/nope/records", init: {}, status: 404, code: "LEDGE_ERR_UNKNOWN_TOPIC" },
      { path: "/api/topics/keep/records", init: { method: "POST", body: JSON.stringify({ records: [] }) }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics/keep/records", init: { method: "POST", body: JSON.stringify({ records: [{ value: "v", key: 7 }] }) }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/topics/keep/records", init: { method: "POST", body: JSON.stringify({ records: [{ value: "v", partition: 1 }] }) }, status: 404, code: "LEDGE_ERR_UNKNOWN_PARTITION" },
      { path: "/api/topics/keep/records", init: { method: "POST", body: JSON.stringify({ records: [{ value: "v", headers: { h: 1 } }] }) }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/groups/g/offsets", init: { method: "POST", body: JSON.stringify({ offsets: [{ topic: "keep", partition: 0, offset: -1 }] }) }, status: 400, code: "LEDGE_ERR_API_BAD_REQUEST" },
      { path: "/api/groups/g/offsets", init: { method: "POST", body: JSON.stringify({ offsets: [{ topic: "nope", partition: 0, offset: 1 }] }) }, status: 404, code: "LEDGE_ERR_UNKNOWN_TOPIC" },
    ];
    for (const { path, init, status, code } of cases) {
      const r = await api(path, init);
      expect({ path, method: init.method, status: r.status, code: r.body?.error?.code }).toEqual({ path, method: init.method, status, code });
      expect(r.body.error.message.length).toBeGreaterThan(10);
    }
    expect((await api("/api/topics", { method: "PUT" })).headers.get("allow")).toBe("GET, POST");
    const names = (await api("/api/topics")).body.map((t: { name: string }) => t.name);
    expect(names).toContain("keep");
    expect(names).not.toContain("x");
    expect((await api("/api/topics/keep")).body.records).toBe(0); // no refused record was stored
    expect((await api("/api/groups/g")).status).toBe(404); // no refused offset was committed
  });

  it("appends records acknowledged with their offsets and reads them back, keyed to one partition, binary as base64", async () => {
    await api("/api/topics", { method: "POST", body: JSON.stringify({ name: "rec", partitions: 4 }) });
    const put = await api("/api/topics/rec/records", { method: "POST", body: JSON.stringify({ records: [
      { key: "dev-1", value: "a", headers: { unit: "C" } }, { key: "dev-1", value: { temp: 21.5 } }, { key: "dev-1", value: null },
    ] }) });
    expect(put.status).toBe(200);
    const [p] = new Set(put.body.offsets.map((o: { partition: number }) => o.partition));
    expect(put.body.offsets).toEqual([0, 1, 2].map((offset) => ({ partition: p, offset })));
    await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-P", "-t", "rec", "-p", String(p), "-K", ":"], Buffer.from([...Buffer.from("dev-2:"), 0xff, 0x0a]));
    const got = await api(`/api/topics/rec/records?partition=${p}&offset=1&limit=10`);
    expect(got.body.records.map((r: Record<string, unknown>) => [r.offset, r.key, "value" in r ? r.value : r.valueBase64])).toEqual([[1, "dev-1", '{"temp":21.5}'], [2, "dev-1", null], [3, "dev-2", "/w=="]]);
    expect(got.body.records[2]).not.toHaveProperty("value"); // not UTF-8: base64 only
    expect(got.body.nextOffset).toBe(4);
    const first = await api(`/api/topics/rec/records?partition=${p}&limit=1`);
    expect(first.body.records).toEqual([expect.objectContaining({ offset: 0, key: "dev-1", value: "a", headers: { unit: "C" } })]);
    expect(first.body.nextOffset).toBe(1);
  });

  it("reports a consumer group's members, committed offsets and lag", async () => {
    await api("/api/topics", { method: "POST", body: JSON.stringify({ name: "g-in", partitions: 2 }) });
    const kafka = new Kafka({ clientId: "api-test", brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "g-in", messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })) });
    const consumer = kafka.consumer({ groupId: "readers" });
    await consumer.connect();
    await consumer.subscribe({ topic: "g-in", fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    for (let i = 0; i < 300 && seen < 10; i++) await new Promise((r) => setTimeout(r, 50));
    expect(seen).toBe(10);
    await consumer.commitOffsets([{ topic: "g-in", partition: 0, offset: "5" }, { topic: "g-in", partition: 1, offset: "5" }]);
    const live = await api("/api/groups/readers");
    expect(live.status).toBe(200);
    expect(live.body.state).toBe("Stable");
    expect(live.body.members).toHaveLength(1);
    expect(live.body.members[0].clientId).toBe("api-test");
    const busy = await api("/api/groups/readers/offsets", { method: "POST", body: JSON.stringify({ offsets: [{ topic: "g-in", partition: 0, offset: 1 }] }) });
    expect(busy).toMatchObject({ status: 409, body: { error: { code: "LEDGE_ERR_API_GROUP_ACTIVE" } } });
    await consumer.stop();
    await producer.send({ topic: "g-in", messages: Array.from({ length: 4 }, (_, i) => ({ value: `late${i}`, partition: 0 })) });
    const lagging = await api("/api/groups/readers");
    expect(lagging.body.offsets).toEqual(expect.arrayContaining([
      { topic: "g-in", partition: 0, offset: 5, highWatermark: 9, lag: 4 },
      { topic: "g-in", partition: 1, offset: 5, highWatermark: 5, lag: 0 },
    ]));
    expect(lagging.body.lag).toBe(4);
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toContain('ledge_group_lag{group="readers",topic="g-in",partition="0"} 4');
    expect(metrics).toContain('ledge_group_lag{group="readers",topic="g-in",partition="1"} 0');
    expect(metrics).toContain('ledge_log_end_offset{topic="g-in",partition="0"} 9');
    expect(metrics).toMatch(/^process_resident_memory_bytes [1-9]\d+$/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
    const listed = await api("/api/groups");
    expect(listed.body.map((g: { groupId: string }) => g.groupId)).toContain("readers");
    const status = await api("/api/status");
    expect(status.body).toMatchObject({ bridge: null });
    expect(status.body.topics).toBeGreaterThanOrEqual(2);
    expect(status.body.groups).toEqual(expect.arrayContaining([expect.objectContaining({ groupId: "readers", lag: 4 })]));
    await consumer.disconnect();
    await producer.disconnect();
  });

  it("lists the MQTT clients connected now, with their protocol, subscriptions and address", async () => {
    const url = `mqtt://127.0.0.1:${ledge.ports.mqtt}`;
    const v5 = await mqtt.connectAsync(url, { clientId: "api-b-v5", protocolVersion: 5, reconnectPeriod: 0 });
    const v4 = await mqtt.connectAsync(url, { clientId: "api-a-v4", reconnectPeriod: 0 });
    await v5.subscribeAsync(["a/#", "b/+"], { qos: 1 });
    const view = await api("/api/mqtt");
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ connections: 2, sessions: 2, clientsOmitted: 0 });
    expect(view.body.clients).toEqual([
      { clientId: "api-a-v4", remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), user: "anonymous", protocol: "3.1.1", subscriptions: 0, queued: 0 },
      { clientId: "api-b-v5", remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), user: "anonymous", protocol: "5", subscriptions: 2, queued: 0 },
    ]);
    expect((await api("/api/status")).body.mqtt).toEqual({ connections: 2, sessions: 2 });
    expect(await api("/api/mqtt", { method: "POST", body: "{}" })).toMatchObject({ status: 405, body: { error: { code: "LEDGE_ERR_API_METHOD" } } });
    expect((await api("/api/mqtt", {}, null)).status).toBe(401);
    await v5.endAsync();
    await v4.endAsync();
    for (let i = 0; i < 100 && (await api("/api/mqtt")).body.connections > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await api("/api/mqtt")).body).toMatchObject({ connections: 0, clients: [] });
  });
});
