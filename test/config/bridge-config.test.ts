// bridge: every key validated with a message naming it; defaults as bridge/README.md states.
import { describe, expect, it } from "vitest";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { applyOverrides, readConfig } from "../../runtime/config/index.ts";
import { bridgeTlsOptions } from "../../bridge/tls.ts";

describe("config: bridge", () => {
  it("fills the documented defaults around the brokers", () => {
    const b = readConfig({ bridge: { brokers: ["central:9092"] } }).bridge!;
    expect(b).toMatchObject({
      brokers: ["central:9092"], clientId: "ledge-bridge", edgeId: hostname(), topics: null, prefix: "", partitioning: "preserve",
      compression: "keep", delivery: "exactly-once", rateLimitBytesPerS: 0, transactionBytesMax: 4 * 2 ** 20, transactionMsMax: 1000,
      memoryBytesMax: 16 * 2 ** 20, createTopics: true, tls: undefined,
    });
  });

  it("--upstream turns the bridge on with its defaults, and keeps the file's other keys", () => {
    expect(applyOverrides(readConfig({}), { upstream: ["a:1", "b:2"] }).bridge).toMatchObject({ brokers: ["a:1", "b:2"], delivery: "exactly-once" });
    const c = applyOverrides(readConfig({ bridge: { brokers: ["x:1"], edgeId: "e7" } }), { upstream: ["a:1"] });
    expect(c.bridge).toMatchObject({ brokers: ["a:1"], edgeId: "e7" });
    expect(() => applyOverrides(readConfig({}), { upstream: ["nohost"] })).toThrow(/'bridge.brokers' must be a list of upstream bootstrap addresses HOST:PORT/);
  });

  it("reads units, topic lists with priorities, and a prefix", () => {
    const b = readConfig({ bridge: { brokers: "a:1, b:2", rateLimitBytesPerS: "256KiB", transactionMsMax: "2s", topics: [{ from: "alerts", priority: 10 }, { from: "t", to: "central-t" }], prefix: "edge-7." } }).bridge!;
    expect(b.brokers).toEqual(["a:1", "b:2"]);
    expect(b.rateLimitBytesPerS).toBe(256 * 1024);
    expect(b.transactionMsMax).toBe(2000);
    expect(b.topics).toEqual([{ from: "alerts", to: "edge-7.alerts", priority: 10 }, { from: "t", to: "central-t", priority: 0 }]);
    expect(readConfig({ bridge: { brokers: ["a:1"], topics: { prefix: "edge-9." } } }).bridge!.prefix).toBe("edge-9.");
  });

  it("delivery: exactly-once by default, idempotent on request", () => {
    expect(readConfig({ bridge: { brokers: ["a:1"] } }).bridge!.delivery).toBe("exactly-once");
    expect(readConfig({ bridge: { brokers: ["a:1"], delivery: "idempotent" } }).bridge!.delivery).toBe("idempotent");
  });

  it("names the key and the expected form for each mistake", () => {
    const bad = (bridge: Record<string, unknown>) => () => readConfig({ bridge: { brokers: ["a:1"], ...bridge } });
    expect(() => readConfig({ bridge: {} })).toThrow(/'bridge.brokers'/);
    expect(bad({ brokers: ["a:0"] })).toThrow(/'bridge.brokers'/);
    expect(bad({ edgeId: "has space" })).toThrow(/'bridge.edgeId' must be 1 to 200 of/);
    expect(bad({ topics: "some" })).toThrow(/'bridge.topics' must be all, \{ prefix: PREFIX \}, or a list/);
    expect(bad({ topics: [{ from: "a", to: "bad name" }] })).toThrow(/'bridge.topics\[0\].to'/);
    expect(bad({ delivery: "at-most-once" })).toThrow(/'bridge.delivery' must be one of exactly-once \| idempotent/);
    expect(bad({ compression: "brotli" })).toThrow(/'bridge.compression' must be one of keep \| none \| gzip \| snappy \| lz4 \| zstd/);
    expect(bad({ partitioning: "key", delivery: "idempotent" })).toThrow(/'bridge.partitioning' must be preserve with delivery: idempotent/);
    expect(bad({ partitioning: "hash" })).toThrow(/'bridge.partitioning' must be one of preserve \| key/);
    expect(bad({ sasl: { mechanism: "PLAIN" } })).toThrow(/'bridge.sasl'/);
    expect(bad({ memoryBytesMax: "1KiB" })).toThrow(/'bridge.memoryBytesMax' must be a size/);
    expect(bad({ transactionMsMax: "2m", transactionTimeoutMs: "1m" })).toThrow(/'bridge.transactionMsMax' must be less than bridge.transactionTimeoutMs/);
    expect(bad({ tls: { cert: "c.pem" } })).toThrow(/'bridge.tls' must be cert and key together/);
    expect(bad({ brokerz: 1 })).toThrow(/'bridge.brokerz' must be a known key/);
  });

  it("bridge.tls: the PEM files are read at start; an unreadable one names its key", () => {
    const ca = fileURLToPath(new URL("../fixtures/tls/cert.pem", import.meta.url));
    expect(bridgeTlsOptions({ ca, serverName: "edge" })).toMatchObject({ ca: expect.any(Buffer), cert: undefined, key: undefined, servername: "edge" });
    expect(() => bridgeTlsOptions({ ca: "/nonexistent/ca.pem" })).toThrow(/'bridge\.tls\.ca' must be a readable PEM file/);
  });
});
