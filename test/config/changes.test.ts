// Which keys a config reload names as changed, and which of them it applies.
import { describe, expect, it } from "vitest";
import { changedKeys, classifyChanges } from "../../runtime/config/changes.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { checkpointCarriesOver } from "../../runtime/pipelines/index.ts";

describe("config changes", () => {
  it("names changed scalars by their full path and changed lists once", () => {
    const before = readConfig({ listeners: { mqtt: { port: 1883 } }, topics: [{ name: "a" }], mqtt: { routes: [{ filter: "#", topic: "x" }] } });
    const after = readConfig({ listeners: { mqtt: { port: 1884 } }, topics: [{ name: "a" }, { name: "b" }], mqtt: { routes: [{ filter: "#", topic: "y" }] }, bridge: { brokers: ["up:9092"] } });
    expect(changedKeys(before, after).sort()).toEqual(["bridge", "listeners.mqtt.port", "mqtt.routes", "topics"]);
    expect(classifyChanges(changedKeys(before, after))).toEqual({ applied: ["mqtt.routes", "bridge"], needRestart: ["listeners.mqtt.port", "topics"] });
    expect(changedKeys(before, readConfig({ listeners: { mqtt: { port: 1883 } }, topics: [{ name: "a" }], mqtt: { routes: [{ filter: "#", topic: "x" }] } }))).toEqual([]);
  });

  it("an explicit default is no change; a bridge setting is named under bridge", () => {
    const before = readConfig({ storage: {}, bridge: { brokers: ["up:9092"] } });
    const after = readConfig({ storage: { sync: "always" }, bridge: { brokers: ["up:9092"], transactionMsMax: "200ms" } });
    expect(changedKeys(before, after)).toEqual(["bridge.transactionMsMax"]);
  });

  it("a pipeline's checkpoint carries over a new output topic, start or bound, nothing else", () => {
    const p = (extra: Record<string, unknown>) => readConfig({ pipelines: [{ name: "p", from: "a", key: "k", fields: ["t"], window: { size: "1s" }, aggregates: ["avg"], to: "o", ...extra }] }).pipelines[0];
    expect(checkpointCarriesOver(p({}), p({ to: "o2", start: "latest", openWindowCountMax: 5 }))).toBe(true);
    expect(checkpointCarriesOver(p({}), p({ fields: ["t", "h"] }))).toBe(false);
    expect(checkpointCarriesOver(p({}), p({ window: { size: "2s" } }))).toBe(false);
    expect(checkpointCarriesOver(p({}), p({ aggregates: ["avg", "p95"] }))).toBe(false);
    expect(checkpointCarriesOver(p({}), p({ from: "b" }))).toBe(false);
    expect(checkpointCarriesOver(p({}), p({ match: "s/#" }))).toBe(false);
  });
});
