// ApiVersions (key 18) v0-v4 against the real listener: the advertised ranges equal the table,
// the v3+ response keeps header v0, a too-new request gets a v0 body with error 35, and
// kafkajs's own decoders (an independent codec) read our v0-v2 answers.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createRequire } from "node:module";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestGateway, type TestGateway } from "./helpers/gateway.ts";
import { unusedLog } from "./helpers/unused-log.ts";
import { apiTable } from "../../runtime/kafka/apis/index.ts";
import { hasHandler } from "../../gateways/kafka/handlers/index.ts";
import { apiVersionsVersions } from "../../runtime/kafka/apis/apiVersions/index.ts";
import { Reader } from "../../runtime/kafka/protocol/reader.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";

const require = createRequire(import.meta.url);
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(unusedLog);
});
afterAll(async () => {
  await gw.close();
});

const expectedRanges = () =>
  apiTable.filter((r) => hasHandler(r.apiKey) && !r.saslOnly).map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));

describe("ApiVersions codec", () => {
  for (const v of [0, 1, 2, 3, 4]) {
    it(`v${v} response round-trips byte-exact`, () => {
      const body = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 7 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: v >= 1 ? 7 : undefined };
      const w = new Writer();
      apiVersionsVersions[v].response.write(w, body);
      const bytes = w.toBytes();
      const back = apiVersionsVersions[v].response.read(new Reader(bytes));
      const w2 = new Writer();
      apiVersionsVersions[v].response.write(w2, back);
      expect(Buffer.from(w2.toBytes())).toEqual(Buffer.from(bytes));
      expect(back.apiKeys).toEqual(body.apiKeys);
      if (v >= 1) expect(back.throttleTimeMs).toBe(7);
    });
  }

  it("v3 request bytes follow the flexible grammar (compact strings, empty tag buffers)", () => {
    const w = new Writer();
    apiVersionsVersions[3].request.write(w, { clientSoftwareName: "ab", clientSoftwareVersion: "1" });
    expect(Array.from(w.toBytes())).toEqual([3, 0x61, 0x62, 2, 0x31, 0]);
  });
});

describe("ApiVersions against the listener", () => {
  it("advertises exactly the table rows that have handlers, SASL APIs hidden without SASL", async () => {
    const c = await RawKafkaClient.open(gw.port);
    const res = await c.request(18, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" });
    expect(res.body.errorCode).toBe(0);
    expect(res.body.apiKeys).toEqual(expectedRanges());
    expect(res.body.apiKeys.find((k: { apiKey: number }) => k.apiKey === 17)).toBeUndefined();
    c.destroy();
  });

  it("v3 response uses response header v0 (no tag byte after the correlation id)", async () => {
    const c = await RawKafkaClient.open(gw.port);
    c.sendPayload(c.encode(18, 3, { clientSoftwareName: "x", clientSoftwareVersion: "y" }, 77));
    const payload = (await c.next())!;
    const view = Buffer.from(payload);
    expect(view.readInt32BE(0)).toBe(77);
    expect(view.readInt16BE(4)).toBe(0); // error_code follows directly
    expect(view[6]).toBe(expectedRanges().length + 1); // compact array length
    c.destroy();
  });

  for (const v of [0, 1, 2]) {
    it(`v${v} answer decodes with kafkajs's own decoder`, async () => {
      const c = await RawKafkaClient.open(gw.port);
      c.sendPayload(c.encode(18, v, {}, 5));
      const payload = Buffer.from((await c.next())!);
      expect(payload.readInt32BE(0)).toBe(5);
      const { decode } = require(`kafkajs/src/protocol/requests/apiVersions/v${v}/response`);
      const decoded = await decode(payload.subarray(4));
      expect(decoded.errorCode).toBe(0);
      expect(decoded.apiVersions).toEqual(expectedRanges());
      c.destroy();
    });
  }

  it("a version above v4 gets a v0 body with UNSUPPORTED_VERSION (35) and our ranges", async () => {
    const c = await RawKafkaClient.open(gw.port);
    // v9 with a body we cannot know: only the header matters.
    const w = new Writer();
    w.int16(18).int16(9).int32(42).int16(-1).int8(0).int8(0x7f).int8(0x7f);
    c.sendPayload(w.toBytes());
    const payload = Buffer.from((await c.next())!);
    expect(payload.readInt32BE(0)).toBe(42);
    const { decode } = require("kafkajs/src/protocol/requests/apiVersions/v0/response");
    // kafkajs raises on 35 by design; read the raw fields instead.
    await expect(decode(payload.subarray(4))).rejects.toThrow(/version/i);
    const body = apiVersionsVersions[0].response.read(new Reader(payload.subarray(4)));
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toContainEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
    // The connection stays usable: the client retries at our maximum.
    const again = await c.request(18, 4, { clientSoftwareName: "x", clientSoftwareVersion: "y" });
    expect(again.body.errorCode).toBe(0);
    c.destroy();
  });

  it("answers pipelined requests in order", async () => {
    const c = await RawKafkaClient.open(gw.port);
    const frames = [10, 11, 12, 13].map((id) => c.encode(18, id % 2 === 0 ? 0 : 3, { clientSoftwareName: "a", clientSoftwareVersion: "b" }, id));
    for (const f of frames) c.sendPayload(f);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(Buffer.from((await c.next())!).readInt32BE(0));
    expect(ids).toEqual([10, 11, 12, 13]);
    c.destroy();
  });
});
