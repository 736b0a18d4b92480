// A turn of thousands of deliveries (a persistent session catching up) streams to the client
// while the rest are encoded: the connection hands each full 64 KiB outbox buffer to the stream
// once 64 KiB are queued, instead of the whole turn (up to writeBufferBytesMax, 1 MiB) at its
// end, when the client could have been reading for milliseconds. Seen from the stream: its first
// write comes after a few hundred PUBLISHes were encoded, not after the thousands of the turn.
import { afterEach, describe, expect, it } from "vitest";
import { Duplex } from "node:stream";
import mqttPacket from "mqtt-packet";
import { rawClient } from "./helpers/raw-client.ts";
import { startGateway, until, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { publishSequences } from "./helpers/seq-clients.ts";

let f: GatewayFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe("the connection's outbox", () => {
  it("hands a catch-up's PUBLISHes to the stream 64 KiB at a time, within the turn that encodes them", async () => {
    const g = (f = await startGateway());
    const deliveries = () => g.metrics.counter("ledge_mqtt_deliveries_total", "").value;
    const first = await rawClient(g.port);
    first.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "streamed", clean: false, keepalive: 0 });
    await first.next("connack");
    first.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "s/#", qos: 1 }] });
    await first.next("suback");
    first.end();
    await until(() => !g.gateway.broker.sessions.get("streamed")!.connection, "the session to go offline");
    const count = 5_000;
    await publishSequences(g.port, [`s/${"x".repeat(200)}`], count, 200); // ~215-byte PUBLISHes

    // The session comes back over a stream that records, at each write, how many PUBLISHes had
    // been encoded by then (the counter moves as each is written to the outbox).
    const writes: Array<{ bytes: number; deliveredBefore: number }> = [];
    const base = deliveries();
    const tap = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        writes.push({ bytes: chunk.length, deliveredBefore: deliveries() - base });
        done();
      },
    });
    g.gateway.broker.handleConnection(tap);
    tap.push(mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "streamed", clean: false, keepalive: 0 }));
    await until(() => deliveries() - base >= count, "the catch-up to send every message", 30_000);
    const publishWrites = writes.filter((w) => w.bytes > 1024); // CONNACK is the first, small one
    expect(publishWrites.length).toBeGreaterThan(5);
    // ~215-byte PUBLISHes: the outbox's buffers (4 KiB doubling to 64 KiB) reach 64 KiB queued
    // at about 600 and go out in writes of at most two 64 KiB buffers. Before, the first write
    // came after the whole first turn: ~4,900 PUBLISHes, writeBufferBytesMax (1 MiB).
    expect(publishWrites[0].deliveredBefore).toBeLessThan(1_200);
    for (const w of publishWrites) expect(w.bytes).toBeLessThanOrEqual(2 * 64 * 1024 + 1024);
    tap.destroy();
  }, 60_000);
});
