// Config errors never print a secret: not a value under a secret-looking key (passwordHash,
// password, token, storedKey), not a mapping that holds one, and not the value of an unknown
// key (a misspelt `pasword:` holds the plaintext password). SASL users with unknown keys are
// refused, and the gateways' config sections are validated before the data directory is made.
// log.autoCreateTopics: false on a new data directory names what to configure, without a stack.
import { existsSync } from "node:fs";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../runtime/config/index.ts";
import { readSaslSettings } from "../../gateways/kafka/sasl/config.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";
import { ledgeBin, ledgeDirs } from "../helpers/ledge-process.ts";
import { configErrorOf as errorOf } from "../helpers/config-error.ts";

/** Runs `ledge start` to its exit; resolves with the exit code and stderr. */
function runLedge(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [ledgeBin, "start", "--host", "127.0.0.1", "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => child.once("exit", (code) => {
    clearTimeout(timer);
    resolve({ code, stderr });
  }));
}

describe("secrets in config errors", () => {
  it("hides a misspelt SASL password and refuses the user", () => {
    const e = errorOf(() => readSaslSettings({ users: [{ name: "a", pasword: "hunter2-plain" }] }));
    expect(e.key).toBe("listeners.kafka.sasl.users[0].pasword");
    expect(e.message).not.toContain("hunter2");
    expect(e.message).toContain("a string (value not shown)");
  });

  it("hides secrets inside a mapping printed whole", () => {
    const e = errorOf(() => readSaslSettings({ users: [{ name: "a", password: "s3cret-pw", scram: "x" }] }));
    expect(e.message).not.toContain("s3cret-pw");
    const none = errorOf(() => readSaslSettings({ users: [{ name: "b" }], extra: { token: "tok-123" } }));
    expect(none.message).not.toContain("tok-123");
  });

  it("hides a malformed MQTT passwordHash", () => {
    const hash = "scrypt$3$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo";
    const e = errorOf(() => readMqttConfig({ users: [{ username: "u", passwordHash: hash }] }));
    expect(e.key).toMatch(/passwordHash$/);
    expect(e.message).not.toContain("aGFzaGhhc2hoYXNo");
    expect(e.message).toContain("(hidden)");
  });

  it("still shows non-secret values (the error stays useful)", () => {
    expect(new ConfigError("listeners.kafka.port", "an integer", 99999).message).toContain("found 99999");
    expect(new ConfigError("x", "y", { name: "n", passwordHash: "h" }).message).toContain('{"name":"n","passwordHash":"(hidden)"}');
  });
});

describe("ledge start with a bad gateway config", () => {
  it("refuses a SASL user with an unknown key before the data directory exists, printing no secret", async () => {
    const dirs = await ledgeDirs("ledge-secret-", "listeners:\n  kafka:\n    sasl:\n      users:\n        - { name: alice, pasword: hunter2-typo }\n");
    await dirs.remove(); // keep only the config: the data directory must not be created
    const { writeFile } = await import("node:fs/promises");
    await writeFile(dirs.configFile, "listeners:\n  kafka:\n    sasl:\n      users:\n        - { name: alice, pasword: hunter2-typo }\n");
    const r = await runLedge(dirs.args);
    await dirs.remove();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("listeners.kafka.sasl.users[0].pasword");
    expect(r.stderr).not.toContain("hunter2");
    expect(existsSync(dirs.dataDir)).toBe(false);
  });

  it("log.autoCreateTopics: false on a new data directory names the topic to configure, without a stack", async () => {
    const dirs = await ledgeDirs("ledge-noauto-", "log: { autoCreateTopics: false }\nmqtt: { allowAnonymous: true }\n");
    const r = await runLedge(dirs.args);
    await dirs.remove();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("config key 'topics' must be a list naming log topic 'mqtt-messages'");
    expect(r.stderr).toContain("set log.autoCreateTopics: true");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
