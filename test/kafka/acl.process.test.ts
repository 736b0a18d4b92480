// The real bin/ledge with Kafka ACLs: one identity for MQTT and Kafka from mqtt.users
// (listeners.kafka.sasl.mqttUsers), and ACL config mistakes stopping start-up with the key, the
// bad value and the expected form, before the data directory is made.
import { describe, it, expect, afterAll } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { startLedge, ledgeDirs, ledgeBin, type LedgeProcess, type LedgeDirs } from "../helpers/ledge-process.ts";
import { hashPassword } from "../../gateways/mqtt/auth-password.ts";
import { kcat } from "./helpers/kcat.ts";

const run = promisify(execFile);
const cheap = { N: 1024, r: 8, p: 1 };
let ledge: LedgeProcess | undefined;
let dirs: LedgeDirs | undefined;

afterAll(async () => {
  ledge?.child.kill("SIGTERM");
  await ledge?.exited;
  await dirs?.remove();
});

const yamlOf = (o: unknown) => JSON.stringify(o, null, 1);
const plain = (user: string, password: string, mechanism = "PLAIN") =>
  ["-X", "security.protocol=SASL_PLAINTEXT", "-X", `sasl.mechanisms=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`];

describe("one user, both protocols (listeners.kafka.sasl.mqttUsers)", () => {
  it("an mqtt.users entry publishes over MQTT and reads the same data over Kafka with its one password, within its Kafka ACLs", async () => {
    dirs = await ledgeDirs("ledge-acl-", yamlOf({
      mqtt: { users: [{ username: "alice", passwordHash: hashPassword("alice-pw", cheap), acl: { publish: ["sensors/#"], subscribe: [] } }] },
      listeners: { kafka: { sasl: {
        mqttUsers: true,
        users: [{ name: "ops", password: "ops-pw" }],
        acls: [{ principal: "User:alice", resourceType: "topic", resourceName: "mqtt-messages", operations: ["READ"] }],
      } } },
    }));
    ledge = await startLedge(dirs.args);
    const { mqtt, kafka } = ledge.ports;
    await run("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(mqtt), "-u", "alice", "-P", "alice-pw", "-q", "1", "-t", "sensors/a", "-m", "from-mqtt"], { timeout: 15_000 });

    const read = await kcat(["-b", `127.0.0.1:${kafka}`, ...plain("alice", "alice-pw"), "-C", "-t", "mqtt-messages", "-o", "beginning", "-e", "-f", "%k=%s\n"]);
    expect(read.stdout).toContain("sensors/a=from-mqtt");

    // Only READ was granted: a produce is refused per topic with Kafka's code.
    const write = await kcat(["-b", `127.0.0.1:${kafka}`, ...plain("alice", "alice-pw"), "-P", "-t", "mqtt-messages", "-p", "0"], "forged\n");
    expect(write.stderr).toMatch(/Topic authorization failed/i);

    const wrong = await kcat(["-b", `127.0.0.1:${kafka}`, ...plain("alice", "not-it"), "-L", "-m", "1"], undefined, 15_000);
    expect(wrong.stderr).toMatch(/Authentication failed|SASL authentication error/i);
    // The scrypt hash gives no SCRAM credentials: such users log in with PLAIN only.
    const scram = await kcat(["-b", `127.0.0.1:${kafka}`, ...plain("alice", "alice-pw", "SCRAM-SHA-256"), "-L", "-m", "1"], undefined, 15_000);
    expect(scram.stderr).toMatch(/Authentication failed|SASL authentication error/i);
    expect(ledge.stderr()).not.toMatch(/alice-pw/);
  });
});

describe("ACL config mistakes stop start-up (exit 2) before the data directory is made", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["an ACL naming an unknown user", { principal: "User:mallory", resourceType: "topic", resourceName: "t", operations: ["READ"] },
      /config key 'listeners\.kafka\.sasl\.acls\[0\]\.principal' must be User:<name> naming a user of listeners\.kafka\.sasl\.users \(alice\), or User:\*; found "User:mallory"/],
    ["an unknown operation", { principal: "User:alice", resourceType: "topic", resourceName: "t", operations: ["READ", "PUBLISH"] },
      /config key 'listeners\.kafka\.sasl\.acls\[0\]\.operations\[1\]' must be an operation on a topic: one of ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS; found "PUBLISH"/],
    ["a bad pattern type", { principal: "User:alice", resourceType: "topic", resourceName: "t", patternType: "wildcard", operations: ["READ"] },
      /config key 'listeners\.kafka\.sasl\.acls\[0\]\.patternType' must be one of literal \| prefixed; found "wildcard"/],
  ];
  for (const [what, acl, message] of cases) {
    it(what, async () => {
      const d = await ledgeDirs("ledge-acl-bad-", yamlOf({ listeners: { kafka: { sasl: { users: [{ name: "alice", password: "alice-pw" }], acls: [acl] } } } }));
      const dataDir = `${d.dataDir}-never`;
      const r = spawnSync(process.execPath, [ledgeBin, "start", "--config", d.configFile, "--data-dir", dataDir, "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0"], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/alice-pw/);
      expect(existsSync(dataDir)).toBe(false);
      await d.remove();
    });
  }
});
