import { describe, it, expect } from "vitest";
import { readConfig, ConfigError, parseBytes, parseMs, applyOverrides } from "../../runtime/config/index.ts";

describe("config", () => {
  it("fills every default from an empty document", () => {
    const c = readConfig({});
    expect(c.dataDir).toBe("./data");
    expect(c.storage).toMatchObject({ sync: "always", maxBytes: 8 * 2 ** 30, overflow: "drop-oldest", commitsInFlightMax: 1 });
    expect(c.listeners.mqtt.port).toBe(1883);
    expect(c.listeners.kafka.port).toBe(9092);
    expect(c.listeners.kafka.maxRequestBytes).toBe(104857600);
    expect(c.listeners.http.port).toBe(8080);
    expect(c.bridge).toBeUndefined();
  });

  it("reads units in sizes and durations", () => {
    expect(parseBytes("64KiB")).toBe(65536);
    expect(parseBytes("8GiB")).toBe(8 * 2 ** 30);
    expect(parseBytes("12 parsecs")).toBeUndefined();
    expect(parseMs("10s")).toBe(10_000);
    expect(parseMs("5m")).toBe(300_000);
    const c = readConfig({ storage: { sync: "interval", syncIntervalMs: "250ms", maxBytes: "64MiB" } });
    expect(c.storage.syncIntervalMs).toBe(250);
    expect(c.storage.maxBytes).toBe(64 * 2 ** 20);
  });

  it("names the key and the expected form on a mistake", () => {
    expect(() => readConfig({ storage: { sync: "sometimes" } })).toThrow(
      /config key 'storage.sync' must be one of always \| interval; found "sometimes"/,
    );
    expect(() => readConfig({ listeners: { kafka: { port: 70000 } } })).toThrow(/'listeners.kafka.port'/);
    expect(() => readConfig({ topics: [{ name: "bad topic!" }] })).toThrow(/'topics\[0\].name' must be a Kafka topic name/);
    expect(() => readConfig({ storage: { synk: "always" } })).toThrow(/'storage.synk' must be a known key/);
    expect(() => readConfig({ storage: { commitsInFlightMax: 0 } })).toThrow(/'storage.commitsInFlightMax'/);
    expect(() => readConfig({ listeners: { mqtt: { tls: { cert: "a.pem" } } } })).toThrow(ConfigError);
    expect(() => readConfig([1, 2])).toThrow(/must be a mapping/);
  });

  it("lets flags override the file", () => {
    const c = applyOverrides(readConfig({ dataDir: "/x" }), { dataDir: "/y", kafkaPort: 0, upstream: ["a:1", "b:2"] });
    expect(c.dataDir).toBe("/y");
    expect(c.listeners.kafka.port).toBe(0);
    expect(c.bridge?.brokers).toEqual(["a:1", "b:2"]);
  });
});
