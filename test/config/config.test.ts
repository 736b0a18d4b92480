import { describe, it, expect } from "vitest";
import { readConfig, ConfigError, parseBytes, parseMs, applyOverrides, parseConfigText } from "../../runtime/config/index.ts";
import { deprecatedKeys } from "../../runtime/config/deprecated-keys.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";

describe("config", () => {
  it("fills every default from an empty document", () => {
    const c = readConfig({});
    expect(c.dataDir).toBe("./data");
    expect(c.storage).toMatchObject({ sync: "always", maxBytes: 8 * 2 ** 30, overflow: "drop-oldest", commitInflightCountMax: 1 });
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

  it("names a YAML alias that contains itself instead of failing to print it", () => {
    // Found by `npm run fuzz -- config-yaml --runs 1000000 --seed 20261207` (after 827,640 inputs):
    // the error message's JSON.stringify threw on the cycle, so start-up died with a TypeError.
    const doc = parseConfigText("topics:\n  a: &x [x, *x, *x]\n", "cycle.yaml");
    expect(() => readConfig(doc)).toThrow(new ConfigError("topics", "a list", { a: ["x", "(a YAML alias of itself)", "(a YAML alias of itself)"] }).message);
    expect(() => readConfig(doc)).toThrow('found {"a":["x","(a YAML alias of itself)","(a YAML alias of itself)"]}');
    const deep = parseConfigText(`storage: ${"[".repeat(20)}${"]".repeat(20)}\n`, "deep.yaml");
    expect(() => readConfig(deep)).toThrow(/must be a mapping of keys to values; found \[\[\[\[\[\[\[\["…"\]\]\]\]\]\]\]\]/);
  });

  it("names the key and the expected form on a mistake", () => {
    expect(() => readConfig({ storage: { sync: "sometimes" } })).toThrow(
      /config key 'storage.sync' must be one of always \| interval; found "sometimes"/,
    );
    expect(() => readConfig({ listeners: { kafka: { port: 70000 } } })).toThrow(/'listeners.kafka.port'/);
    expect(() => readConfig({ topics: [{ name: "bad topic!" }] })).toThrow(/'topics\[0\].name' must be a Kafka topic name/);
    expect(() => readConfig({ storage: { synk: "always" } })).toThrow(/'storage.synk' must be a known key/);
    expect(() => readConfig({ storage: { commitInflightCountMax: 0 } })).toThrow(/'storage.commitInflightCountMax'/);
    expect(() => readConfig({ listeners: { mqtt: { tls: { cert: "a.pem" } } } })).toThrow(ConfigError);
    expect(() => readConfig({ storage: { overflow: "spill" } })).toThrow(expect.objectContaining({ code: "LEDGE_ERR_CONFIG", key: "storage.overflow" }));
    expect(() => readConfig([1, 2])).toThrow(/must be a mapping/);
  });

  it("bounds the log's queues: append queue, transaction size, waiting readers per partition", () => {
    const d = readConfig({});
    expect(d.storage).toMatchObject({ appendQueueBytesMax: 64 * 2 ** 20, transactionBytesMax: 32 * 2 ** 20 });
    expect(d.log.waiterCountPerPartitionMax).toBe(10_000);
    const c = readConfig({ storage: { appendQueueBytesMax: "8MiB", transactionBytesMax: "1MiB" }, log: { waiterCountPerPartitionMax: 50 } });
    expect([c.storage.appendQueueBytesMax, c.storage.transactionBytesMax, c.log.waiterCountPerPartitionMax]).toEqual([8 * 2 ** 20, 2 ** 20, 50]);
    expect(() => readConfig({ storage: { appendQueueBytesMax: "1KiB" } })).toThrow(/'storage.appendQueueBytesMax'/);
    expect(() => readConfig({ storage: { transactionBytesMax: "2GiB" } })).toThrow(/'storage.transactionBytesMax'/);
    expect(() => readConfig({ log: { waiterCountPerPartitionMax: 0 } })).toThrow(/'log.waiterCountPerPartitionMax'/);
  });

  it("lets flags override the file", () => {
    const c = applyOverrides(readConfig({ dataDir: "/x" }), { dataDir: "/y", kafkaPort: 0, upstream: ["a:1", "b:2"] });
    expect(c.dataDir).toBe("/y");
    expect(c.listeners.kafka.port).toBe(0);
    expect(c.bridge?.brokers).toEqual(["a:1", "b:2"]);
  });

  describe("deprecated key spellings", () => {
    // Each renamed key, set under its old name to a value other than the default, reads as the
    // new key with one warning naming old -> new.
    const defaults = { storage: readConfig({}).storage, log: readConfig({}).log, mqtt: { limits: readMqttConfig({}).limits } } as Record<string, unknown>;
    const at = (doc: unknown, path: string) => path.split(".").reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], doc);
    const docWith = (path: string, value: unknown): Record<string, unknown> => {
      const names = path.split(".");
      return names.reduceRight<unknown>((inner, name) => ({ [name]: inner }), value) as Record<string, unknown>;
    };
    const effective = (doc: Record<string, unknown>, warn?: (m: string) => void) => {
      const c = readConfig(doc, warn);
      return { storage: c.storage, log: c.log, mqtt: { limits: readMqttConfig(c.mqtt).limits } };
    };

    for (const [oldKey, newKey] of deprecatedKeys) {
      it(`${oldKey} is read as ${newKey}, with a warning`, () => {
        const value = (at(defaults, newKey) as number) + 1;
        const warnings: string[] = [];
        const viaOld = effective(docWith(oldKey, value), (m) => warnings.push(m));
        expect(at(viaOld, newKey)).toBe(value);
        expect(viaOld).toEqual(effective(docWith(newKey, value)));
        expect(warnings).toEqual([`config key '${oldKey}' is deprecated and was read as '${newKey}' (names now carry their unit); rename it in the config file`]);
      });
    }

    it("refuses both spellings of one key, naming the old one", () => {
      expect(() => readConfig({ mqtt: { limits: { connectionsMax: 5, connectionCountMax: 6 } } })).toThrow(
        /config key 'mqtt.limits.connectionsMax' must be left out: it is the old spelling of 'mqtt.limits.connectionCountMax'/,
      );
    });

    it("leaves the caller's document unchanged", () => {
      const doc = { storage: { commitsInFlightMax: 2 } };
      readConfig(doc);
      expect(doc).toEqual({ storage: { commitsInFlightMax: 2 } });
    });
  });
});
