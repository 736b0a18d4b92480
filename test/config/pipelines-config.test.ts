// The `pipelines:` section: issue #13's form read with defaults, and every mistake named by its
// key path.
import { describe, expect, it } from "vitest";
import { readConfig } from "../../runtime/config/index.ts";

const base = {
  name: "temp10s", from: "telemetry", match: "sensors/+/telemetry", format: "json", key: "device", time: "ts", fields: ["temp", "hum"],
  window: { type: "tumbling", size: "10s", grace: "1s" },
  aggregates: ["count", "sum", "min", "max", "avg", "first", "last", "stddev", "p50", "p90", "p95", "p99"], emit: "final", to: "temp-10s",
};
const read = (p: Record<string, unknown>) => readConfig({ pipelines: [p] }).pipelines[0];
const bad = (p: Record<string, unknown>) => () => read(p);

describe("pipelines config", () => {
  it("reads the issue's form, with defaults for what is left out", () => {
    expect(read(base)).toEqual({
      name: "temp10s", from: "telemetry", match: "sensors/+/telemetry", format: "json", key: { field: "device" }, time: "ts", fields: ["temp", "hum"],
      window: { type: "tumbling", sizeMs: 10_000, graceMs: 1000 }, aggregates: base.aggregates, emit: "final", to: "temp-10s", start: "earliest", openWindowCountMax: 100_000,
    });
    const minimal = read({ name: "m", from: "a", key: "topic[1]", aggregates: ["count"], window: { size: 1000 }, to: "b" });
    expect(minimal).toMatchObject({ key: { topicLevel: 1 }, time: undefined, fields: [], format: "json", emit: "final", window: { type: "tumbling", sizeMs: 1000, graceMs: 0 } });
    expect(read({ ...base, window: { type: "hopping", size: "10s", advance: "5s" } }).window).toEqual({ type: "hopping", sizeMs: 10_000, advanceMs: 5000, graceMs: 0 });
    expect(read({ ...base, window: { type: "session", gap: "30s", grace: "2s" } }).window).toEqual({ type: "session", gapMs: 30_000, graceMs: 2000 });
    expect(read({ ...base, window: { type: "count", size: 100 } }).window).toEqual({ type: "count", recordCount: 100 });
    expect(read({ ...base, window: { type: "sliding", size: "1m" } }).window).toEqual({ type: "sliding", sizeMs: 60_000, graceMs: 0 });
    expect(read({ ...base, emit: "update" }).emit).toBe("update");
    expect(read({ ...base, format: "msgpack" }).format).toBe("msgpack");
    expect(bad({ ...base, format: "cbor" })).toThrow(/'pipelines\[0\]\.format' must be/);
    expect(readConfig({}).pipelines).toEqual([]);
  });

  it("names the key path of every mistake", () => {
    expect(bad({ ...base, name: "a b" })).toThrow(/'pipelines\[0\]\.name' must be a Kafka topic name/);
    expect(bad({ ...base, from: undefined })).toThrow(/'pipelines\[0\]\.from' must be a Kafka topic name/);
    expect(bad({ ...base, format: "xml" })).toThrow(/'pipelines\[0\]\.format' must be one of json \| msgpack/);
    expect(bad({ ...base, key: "a..b" })).toThrow(/'pipelines\[0\]\.key' must be a field path/);
    expect(bad({ ...base, fields: ["temp", 3] })).toThrow(/'pipelines\[0\]\.fields\[1\]' must be a field path/);
    expect(bad({ ...base, window: { type: "tumbling" } })).toThrow(/'pipelines\[0\]\.window\.size' must be a duration like 10s/);
    expect(bad({ ...base, window: { type: "tumbling", size: "10s", gap: "1s" } })).toThrow(/'pipelines\[0\]\.window\.gap' must be a known key/);
    expect(bad({ ...base, window: { type: "hopping", size: "10s", advance: "3s" } })).toThrow(/'pipelines\[0\]\.window\.advance' must be a duration that divides size/);
    expect(bad({ ...base, window: { type: "weekly", size: "1s" } })).toThrow(/'pipelines\[0\]\.window\.type' must be one of tumbling \| hopping \| session \| count \| sliding/);
    // session { gap, grace }, count { size: N } (no grace: count windows never close by time), sliding { size, grace }
    expect(bad({ ...base, window: { type: "session" } })).toThrow(/'pipelines\[0\]\.window\.gap' must be a duration like 10s \(required for this window type\)/);
    expect(bad({ ...base, window: { type: "session", gap: "0s" } })).toThrow(/'pipelines\[0\]\.window\.gap' must be/);
    expect(bad({ ...base, window: { type: "session", gap: "30s", grace: "-1s" } })).toThrow(/'pipelines\[0\]\.window\.grace' must be/);
    expect(bad({ ...base, window: { type: "session", size: "30s", gap: "30s" } })).toThrow(/'pipelines\[0\]\.window\.size' must be a known key/);
    expect(bad({ ...base, window: { type: "count" } })).toThrow(/'pipelines\[0\]\.window\.size' must be a record count \(required for count windows\)/);
    expect(bad({ ...base, window: { type: "count", size: 0 } })).toThrow(/'pipelines\[0\]\.window\.size' must be an integer from 1/);
    expect(bad({ ...base, window: { type: "count", size: 2.5 } })).toThrow(/'pipelines\[0\]\.window\.size' must be an integer from 1/);
    expect(bad({ ...base, window: { type: "count", size: "10s" } })).toThrow(/'pipelines\[0\]\.window\.size' must be an integer from 1/);
    expect(bad({ ...base, window: { type: "count", size: 10, grace: "1s" } })).toThrow(/'pipelines\[0\]\.window\.grace' must be a known key/);
    expect(bad({ ...base, window: { type: "sliding" } })).toThrow(/'pipelines\[0\]\.window\.size' must be a duration like 10s \(required for this window type\)/);
    expect(bad({ ...base, window: { type: "sliding", size: "0ms" } })).toThrow(/'pipelines\[0\]\.window\.size' must be/);
    expect(bad({ ...base, window: { type: "sliding", size: "10s", advance: "1s" } })).toThrow(/'pipelines\[0\]\.window\.advance' must be a known key/);
    expect(bad({ ...base, aggregates: ["count", "median"] })).toThrow(/'pipelines\[0\]\.aggregates\[1\]' must be one of count, sum/);
    expect(bad({ ...base, aggregates: [] })).toThrow(/'pipelines\[0\]\.aggregates' must be a non-empty list/);
    expect(bad({ ...base, emit: "sometimes" })).toThrow(/'pipelines\[0\]\.emit' must be one of final \| update/);
    expect(bad({ ...base, start: "middle" })).toThrow(/'pipelines\[0\]\.start' must be one of earliest \| latest/);
    expect(bad({ ...base, to: "telemetry" })).toThrow(/'pipelines\[0\]\.to' must be an output topic other than the source/);
    expect(bad({ ...base, colour: "red" })).toThrow(/'pipelines\[0\]\.colour' must be a known key/);
    expect(() => readConfig({ pipelines: [base, base] })).toThrow(/'pipelines\[1\]\.name' must be a name no other pipeline has/);
  });
});
