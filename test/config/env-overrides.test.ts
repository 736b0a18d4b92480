// Config keys from the environment: LEDGE_ and the key path in upper snake case, over the file,
// under the flags. Every key of the schema has a distinct name; a bad value is named like a bad
// file value; a process started with them runs with them, and a misspelt one is reported.
import { describe, expect, it } from "vitest";
import { readConfig, envName, withConfigEnvironment } from "../../runtime/config/index.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";
import { schemaKeys } from "./schema-walk.ts";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";

describe("config from the environment", () => {
  it("names every key outside lists distinctly", () => {
    const names = new Map<string, string>();
    for (const { path } of schemaKeys()) {
      const name = envName(path);
      if (path.includes("[")) {
        expect(name).toBeNull();
        continue;
      }
      expect(name).toMatch(/^LEDGE_[A-Z0-9_]+$/);
      if (names.has(name!)) expect(names.get(name!)).toBe(path);
      names.set(name!, path);
    }
    expect(envName("storage.syncIntervalMs")).toBe("LEDGE_STORAGE_SYNC_INTERVAL_MS");
    expect(envName("listeners.http.token")).toBe("LEDGE_LISTENERS_HTTP_TOKEN");
    expect(envName("dataDir")).toBe("LEDGE_DATA_DIR");
  });

  it("wins over the file, reads values as YAML, creates sections the file lacks, and names a bad value's key", () => {
    const env = {
      LEDGE_STORAGE_SYNC: "interval", LEDGE_STORAGE_SYNC_INTERVAL_MS: "250", LEDGE_LISTENERS_HTTP_TOKEN: "t0k",
      LEDGE_BRIDGE_BROKERS: "[central:9092, central-2:9092]", LEDGE_MQTT_ALLOW_ANONYMOUS: "true", LEDGE_MQTT_LIMITS_CONNECTION_COUNT_MAX: "77",
    };
    const c = withConfigEnvironment(env, () => readConfig({ storage: { sync: "always" } }));
    expect(c.storage.sync).toBe("interval");
    expect(c.storage.syncIntervalMs).toBe(250);
    expect(c.listeners.http.token).toBe("t0k");
    expect(c.bridge?.brokers).toEqual(["central:9092", "central-2:9092"]);
    const mqtt = withConfigEnvironment(env, () => readMqttConfig(c.mqtt));
    expect(mqtt.auth.allowAnonymous).toBe(true);
    expect(mqtt.limits.connectionCountMax).toBe(77);
    expect(() => withConfigEnvironment({ LEDGE_STORAGE_SYNC: "sometimes" }, () => readConfig({}))).toThrow("config key 'storage.sync' must be one of always | interval");
  });

  it("a ledge started with LEDGE_ variables runs with them and reports one that sets nothing", async () => {
    const d = await ledgeDirs("ledge-env-", "");
    const env = { LEDGE_MQTT_ALLOW_ANONYMOUS: "false", LEDGE_STORAGE_SYNK: "always", LEDGE_LOG: "verbose" };
    const before = { ...process.env };
    Object.assign(process.env, env);
    try {
      const ledge = await startLedge(d.args);
      ledge.child.kill("SIGTERM");
      await ledge.exited;
      expect(ledge.stderr()).toContain("no mqtt.users are configured and mqtt.allowAnonymous is false");
      expect(ledge.stderr()).toContain("LEDGE_STORAGE_SYNK set no config key: check the spelling");
      expect(ledge.stderr()).not.toContain("LEDGE_LOG,"); // a section's own name is not a key
    } finally {
      for (const k of Object.keys(env)) if (!(k in before)) delete process.env[k];
      await d.remove();
    }
  });
});
