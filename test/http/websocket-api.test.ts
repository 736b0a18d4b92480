// Publish and subscribe over WebSocket at /ws against a real ledge process, with the ws client a
// browser app would stand in for: JSON and msgpack frames, acks after commit, records from
// earliest, latest and an offset (kcat's and the client's own), the token, bad frames answered
// without closing, and a reader that stops reading is paused instead of buffered without bound.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { pack, unpack } from "msgpackr";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";

const token = "ws-token";
let d: LedgeDirs;
let ledge: LedgeProcess;

type Frame = Record<string, unknown>;

/** A connected client that queues the frames it gets. */
async function client(query = `?token=${token}`): Promise<{ ws: WebSocket; next(match?: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>; send(f: Frame, binary?: boolean): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${ledge.ports.http}/ws${query}`);
  const queue: Frame[] = [];
  let wake: (() => void) | null = null;
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    queue.push(isBinary ? unpack(data) : JSON.parse(data.toString()));
    wake?.();
  });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  return {
    ws,
    send: (f, binary = false) => ws.send(binary ? pack(f) : JSON.stringify(f), { binary }),
    async next(match = () => true, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex(match);
        if (i >= 0) return queue.splice(i, 1)[0];
        if (Date.now() > end) throw new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(queue.slice(0, 3))}`);
        await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
      }
    },
  };
}

beforeAll(async () => {
  d = await ledgeDirs("ledge-ws-", `mqtt:\n  allowAnonymous: true\nlisteners:\n  http:\n    token: ${token}\ntopics:\n  - { name: ws-t, partitions: 2 }\n  - { name: big, partitions: 1 }\n`);
  ledge = await startLedge(d.args);
});
afterAll(async () => {
  ledge.child.kill("SIGTERM");
  await ledge.exited;
  await d.remove();
});

describe("WebSocket API /ws", () => {
  it("refuses an upgrade without the token", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ledge.ports.http}/ws`);
    const status = await new Promise<number>((resolve) => ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    const withHeader = new WebSocket(`ws://127.0.0.1:${ledge.ports.http}/ws`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => (withHeader.once("open", resolve), withHeader.once("error", reject)));
    withHeader.close();
  });

  it("publishes with an ack after commit (JSON and msgpack) and streams records from earliest, then live", async () => {
    const c = await client();
    c.send({ op: "publish", topic: "ws-t", key: "k1", value: { temp: 21.5 }, headers: { unit: "C" }, id: 1 });
    const ack = await c.next((f) => f.op === "ack");
    expect(ack).toMatchObject({ op: "ack", topic: "ws-t", offset: 0, id: 1 });
    c.send({ op: "publish", topic: "ws-t", key: "k1", value: "plain text", id: 2 }, true);
    expect(await c.next((f) => f.id === 2)).toMatchObject({ op: "ack", partition: ack.partition, offset: 1 });
    await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-P", "-t", "ws-t", "-p", String(ack.partition), "-K", ":"], "k2:from-kcat\n");

    const sub = await client();
    sub.send({ op: "subscribe", topic: "ws-t", partition: ack.partition, from: "earliest", id: "s" });
    expect(await sub.next((f) => f.op === "subscribed")).toMatchObject({ topic: "ws-t", partitions: [ack.partition], id: "s" });
    const records = [await sub.next((f) => f.op === "record"), await sub.next((f) => f.op === "record"), await sub.next((f) => f.op === "record")];
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([[0, "k1", { temp: 21.5 }], [1, "k1", "plain text"], [2, "k2", "from-kcat"]]);
    expect(records[0].headers).toEqual({ unit: "C" });
    expect(typeof records[0].timestamp).toBe("number");
    c.send({ op: "publish", topic: "ws-t", key: "k1", value: 7 });
    expect(await sub.next((f) => f.op === "record")).toMatchObject({ offset: 3, value: 7 });

    const latest = await client();
    latest.send({ op: "subscribe", topic: "ws-t", from: "latest" });
    await latest.next((f) => f.op === "subscribed");
    c.send({ op: "publish", topic: "ws-t", key: "k1", value: "after" });
    expect(await latest.next((f) => f.op === "record")).toMatchObject({ value: "after", offset: 4 });
    const fromOffset = await client();
    fromOffset.send({ op: "subscribe", topic: "ws-t", partition: ack.partition, from: 3 });
    expect(await fromOffset.next((f) => f.op === "record")).toMatchObject({ offset: 3 });
    for (const x of [c, sub, latest, fromOffset]) x.ws.close();
  });

  it("answers bad frames with an error and keeps the socket", async () => {
    const c = await client();
    c.ws.send("{not json");
    expect((await c.next()).reason).toMatch(/must be a JSON object/);
    c.send({ op: "dance" });
    expect((await c.next()).reason).toMatch(/unknown op "dance"/);
    c.send({ op: "subscribe", topic: "missing", id: 9 });
    expect(await c.next()).toMatchObject({ op: "error", code: "LEDGE_ERR_UNKNOWN_TOPIC", id: 9 });
    c.send({ op: "subscribe", topic: "ws-t", partition: 5 });
    expect(await c.next()).toMatchObject({ op: "error", code: "LEDGE_ERR_UNKNOWN_PARTITION" });
    c.send({ op: "subscribe", topic: "ws-t", from: "yesterday" });
    expect((await c.next()).reason).toMatch(/"from" must be/);
    c.send({ op: "publish", topic: "missing", value: "x" });
    expect(await c.next()).toMatchObject({ op: "error", code: "LEDGE_ERR_UNKNOWN_TOPIC" });
    c.send({ op: "publish", value: "x" });
    expect((await c.next()).reason).toMatch(/publish needs "topic"/);
    c.send({ op: "unsubscribe", topic: "ws-t" });
    expect((await c.next()).reason).toMatch(/no subscription/);
    c.send({ op: "publish", topic: "ws-t", key: "ok", value: "still here" });
    expect(await c.next()).toMatchObject({ op: "ack", topic: "ws-t" });
    c.ws.close();
  });

  it("pauses a subscriber that stops reading: what the server holds for it stays bounded", async () => {
    // More than loopback's socket buffers hold (a few MB each way), so ledge must hold back.
    const value = "x".repeat(16_000);
    const count = 3000; // 48 MB
    const writer = await client();
    for (let i = 0; i < count; i++) writer.send({ op: "publish", topic: "big", value, id: i });
    await writer.next((f) => f.id === count - 1, 60_000);
    const slow = await client();
    slow.send({ op: "subscribe", topic: "big", from: "earliest" });
    await slow.next((f) => f.op === "subscribed");
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading its socket
    await new Promise((r) => setTimeout(r, 3000));
    const metrics = await (await fetch(`http://127.0.0.1:${ledge.ports.http}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const held = Number(/^ledge_ws_buffered_bytes_max (\d+)$/m.exec(metrics)?.[1]);
    // Past the kernel's socket buffers ledge holds its bound (1 MiB) and one read (256 KiB and a batch).
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(1024 * 1024 + 256 * 1024 + 2 * 16_500);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    let got = 0;
    while (got < count) {
      await slow.next((f) => f.op === "record", 30_000);
      got++;
    }
    expect(got).toBe(count);
    writer.ws.close();
    slow.ws.close();
  }, 120_000);
});
