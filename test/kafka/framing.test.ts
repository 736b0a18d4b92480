// Malformed frames against the real listener: each closes only the connection that sent it
// (Kafka's behaviour, kafka-protocol.md 7), with an operator log line, while another
// connection keeps being answered.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestGateway, type TestGateway } from "./helpers/gateway.ts";
import { unusedLog } from "./helpers/unused-log.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { writeRequestHeader } from "../../runtime/kafka/protocol/headers.ts";
import { apiTable, isFlexible } from "../../runtime/kafka/apis/index.ts";
import { messageVersion } from "../../runtime/kafka/apis/codecs.ts";

let gw: TestGateway;
let bystander: RawKafkaClient;
let closedSoFar = 0;

beforeAll(async () => {
  gw = await startTestGateway(unusedLog, { maxRequestBytes: 4096 });
  bystander = await RawKafkaClient.open(gw.port);
});
afterAll(async () => {
  bystander.destroy();
  await gw.close();
});

async function bystanderStillServed() {
  const res = await bystander.request(18, 3, { clientSoftwareName: "b", clientSoftwareVersion: "1" });
  expect(res.body.errorCode).toBe(0);
}

async function expectClosedWithLog(send: (c: RawKafkaClient) => void, logPattern: RegExp) {
  const c = await RawKafkaClient.open(gw.port);
  send(c);
  expect(await c.closesWithin(3000)).toBe(true);
  expect(gw.logLines.some((l) => logPattern.test(l))).toBe(true);
  expect(gw.metrics.counters.get("ledge_kafka_connections_closed_bad_input_total")!.value).toBe(++closedSoFar);
  await bystanderStillServed();
}

const header = (apiKey: number, version: number) => new Writer().int16(apiKey).int16(version).int32(1).int16(-1);

describe("framing and dispatch errors close only that connection", () => {
  it("negative size", () => expectClosedWithLog((c) => c.write(Buffer.from([0x80, 0, 0, 0])), /request size -2147483648/));
  it("size above listeners.kafka.maxRequestBytes, before buffering the body", () =>
    expectClosedWithLog((c) => c.write(Buffer.from([0, 0, 0x10, 0x01, 1, 2, 3])), /request size 4097 .*maxRequestBytes/));
  it("frame shorter than a request header", () => expectClosedWithLog((c) => c.sendPayload(Uint8Array.from([0, 18, 0])), /shorter than a request header/));
  it("unknown API key", () => expectClosedWithLog((c) => c.sendPayload(header(999, 0).toBytes()), /unknown or unsupported API key 999/));
  it("version below the advertised range (Fetch v3)", () =>
    expectClosedWithLog((c) => c.sendPayload(header(1, 3).toBytes()), /Fetch v3 is outside the advertised v4-v11/));
  it("version above the advertised range (Metadata v9, flexible)", () =>
    expectClosedWithLog((c) => c.sendPayload(header(3, 9).int8(0).toBytes()), /Metadata v9 is outside the advertised v0-v7/));
  it("negative version", () => expectClosedWithLog((c) => c.sendPayload(header(0, -1).toBytes()), /Produce v-1 is outside/));
  it("API key ledge does not serve (SASL on a plain listener)", () =>
    expectClosedWithLog((c) => c.sendPayload(header(17, 1).toBytes()), /SaslHandshake|API key 17/));
  it("unparsable body (ApiVersions v3 string length past the end)", () =>
    expectClosedWithLog((c) => c.sendPayload(header(18, 3).int8(0).int8(40).int8(0x61).toBytes()), /ApiVersions v3 body does not parse/));

  it("a truncated frame is held, not answered, and the connection stays open", async () => {
    const c = await RawKafkaClient.open(gw.port);
    c.write(Buffer.from([0, 0, 0, 20, 0, 18]));
    expect(await c.closesWithin(300)).toBe(false);
    c.destroy();
    await bystanderStillServed();
  });
});

describe("every API version: a body cut short closes only that connection", () => {
  // SASL APIs are not served on this listener (closed for that reason, tested above); client-only
  // APIs are not served at all.
  const rows = apiTable.filter((r) => !r.saslOnly && !r.clientOnly);
  for (const row of rows) {
    for (let v = row.minVersion; v <= row.maxVersion; v++) {
      const m = messageVersion(row.apiKey, v)!;
      const w = new Writer();
      m.request.write(w, {});
      const body = w.toBytes();
      if (body.length === 0) continue; // nothing to cut (e.g. ApiVersions v0)
      it(`${row.name} v${v}`, async () => {
        const h = new Writer();
        writeRequestHeader(h, { apiKey: row.apiKey, apiVersion: v, correlationId: 5, clientId: "cut" }, isFlexible(row.apiKey, v));
        const full = new Uint8Array([...h.toBytes(), ...body.subarray(0, body.length - 1)]);
        await expectClosedWithLog((c) => c.sendPayload(full), new RegExp(`${row.name} v${v} body does not parse`));
      });
    }
  }
});

describe("listeners.kafka.connectionCountMax", () => {
  it("refuses connections past the bound with a log line; the open ones keep working", async () => {
    const small = await startTestGateway(unusedLog, { connectionCountMax: 2 });
    const a = await RawKafkaClient.open(small.port);
    const b = await RawKafkaClient.open(small.port);
    await a.request(18, 0, {});
    await b.request(18, 0, {});
    const c = await RawKafkaClient.open(small.port);
    expect(await c.closesWithin(3000)).toBe(true);
    expect(small.logLines.some((l) => /connectionCountMax/.test(l))).toBe(true);
    expect((await a.request(18, 3, { clientSoftwareName: "a", clientSoftwareVersion: "1" })).body.errorCode).toBe(0);
    a.destroy();
    b.destroy();
    await small.close();
  });
});

describe("listeners.kafka.connectionIdleMsMax", () => {
  it("closes a silent connection with a log line; an active one stays", async () => {
    const idle = await startTestGateway(unusedLog, { connectionIdleMsMax: 300 });
    const silent = await RawKafkaClient.open(idle.port);
    const active = await RawKafkaClient.open(idle.port);
    const deadline = Date.now() + 900;
    while (Date.now() < deadline) {
      expect((await active.request(18, 0, {})).body.errorCode).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(silent.isClosed).toBe(true);
    expect(active.isClosed).toBe(false);
    expect(idle.logLines.some((l) => /idle for 300 ms/.test(l))).toBe(true);
    active.destroy();
    await idle.close();
  });
});
