// The `groups:` config section: units accepted, defaults from the coordinator's settings, and
// mistakes stop start-up with a message naming the key.
import { describe, it, expect } from "vitest";
import { readConfig, ConfigError } from "../../runtime/config/index.ts";
import { groupCoordinatorDefaults, groupCoordinatorSettings } from "../../runtime/groups/coordinator-settings.ts";

describe("groups config", () => {
  it("defaults to Kafka's broker defaults (3 s initial rebalance delay, 6 s–30 min sessions)", () => {
    const c = readConfig({});
    expect(c.groups).toEqual(groupCoordinatorDefaults);
    expect(c.groups.initialRebalanceDelayMs).toBe(3000);
  });

  it("accepts units and feeds the coordinator's settings", () => {
    const c = readConfig({ groups: { initialRebalanceDelayMs: "250ms", sessionTimeoutMsMax: "5m", offsetMetadataBytesMax: "1KiB", memberCountMax: 10 } });
    expect(groupCoordinatorSettings(c.groups)).toMatchObject({ initialRebalanceDelayMs: 250, sessionTimeoutMsMax: 300_000, offsetMetadataBytesMax: 1024, memberCountMax: 10 });
  });

  it("names the key on mistakes", () => {
    expect(() => readConfig({ groups: { sessionTimeoutMsMin: "10m", sessionTimeoutMsMax: "1m" } })).toThrow(/groups\.sessionTimeoutMsMin/);
    expect(() => readConfig({ groups: { memberCountMax: 0 } })).toThrow(ConfigError);
    expect(() => readConfig({ groups: { rebalanceDelay: 5 } })).toThrow(/groups\.rebalanceDelay/);
  });
});
