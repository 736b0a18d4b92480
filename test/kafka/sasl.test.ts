// SASL on the Kafka listener (listeners.kafka.sasl): PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
// with kcat and kafkajs; salted SCRAM credentials from config; wrong passwords refused and the
// connection closed; nothing but ApiVersions/SASL before authentication; the v0 raw-token form.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { kcat } from "./helpers/kcat.ts";
import { deriveScramCredential } from "../../gateways/kafka/sasl/scram.ts";
import { readSaslSettings } from "../../gateways/kafka/sasl/config.ts";
import { ConfigError } from "../../runtime/config/index.ts";
import type { ApiVersionsResponse } from "../../runtime/kafka/apis/apiVersions/index.ts";

let ledge: TestLedge;
const bob = deriveScramCredential("SCRAM-SHA-512", "bob-secret", 4096);
const b64 = (b: Buffer) => b.toString("base64");

beforeAll(async () => {
  ledge = await startTestLedge({
    sasl: {
      users: [
        { name: "alice", password: "alice-secret" },
        { name: "bob", scram: { "SCRAM-SHA-512": { salt: b64(bob.salt), iterations: 4096, storedKey: b64(bob.storedKey), serverKey: b64(bob.serverKey) } } },
      ],
    },
  }, { topics: [{ name: "s", partitions: 1 }] });
});
afterAll(async () => {
  await ledge?.close();
});

const saslArgs = (mechanism: string, user: string, password: string) =>
  ["-X", "security.protocol=SASL_PLAINTEXT", "-X", `sasl.mechanisms=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`];

describe("kcat with SASL", () => {
  for (const [mechanism, user, password] of [["PLAIN", "alice", "alice-secret"], ["SCRAM-SHA-256", "alice", "alice-secret"], ["SCRAM-SHA-512", "alice", "alice-secret"], ["SCRAM-SHA-512", "bob", "bob-secret"]]) {
    it(`${mechanism} as ${user}: produce and consume`, async () => {
      const p = await kcat(["-b", `127.0.0.1:${ledge.port}`, ...saslArgs(mechanism, user, password), "-P", "-t", "s", "-p", "0"], `${mechanism}-${user}\n`);
      expect(p.stderr).not.toMatch(/ERROR|failed/i);
      const c = await kcat(["-b", `127.0.0.1:${ledge.port}`, ...saslArgs(mechanism, user, password), "-C", "-t", "s", "-p", "0", "-o", "beginning", "-e"]);
      expect(c.stdout).toContain(`${mechanism}-${user}`);
    });
  }

  for (const [mechanism, user, password] of [["PLAIN", "alice", "wrong"], ["SCRAM-SHA-256", "alice", "wrong"], ["SCRAM-SHA-512", "nobody", "x"], ["PLAIN", "bob", "bob-secret"]]) {
    it(`${mechanism} as ${user} with a bad password is refused`, async () => {
      const r = await kcat(["-b", `127.0.0.1:${ledge.port}`, ...saslArgs(mechanism, user, password), "-L", "-m", "1"], undefined, 15_000);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Authentication failed|SASL authentication error|authentication failed/i);
    });
  }
});

describe("kafkajs with SASL", () => {
  for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
    it(`${mechanism}: admin lists topics; a wrong password is rejected`, async () => {
      const ok = new Kafka({ brokers: [`127.0.0.1:${ledge.port}`], logLevel: logLevel.NOTHING, sasl: { mechanism, username: "alice", password: "alice-secret" } as never }).admin();
      await ok.connect();
      expect(await ok.listTopics()).toContain("s");
      await ok.disconnect();
      const bad = new Kafka({ brokers: [`127.0.0.1:${ledge.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism, username: "alice", password: "nope" } as never }).admin();
      await expect(bad.connect()).rejects.toThrow(/SASL|auth/i);
    });
  }
});

describe("SASL state on the wire", () => {
  it("ApiVersions advertises SaslHandshake 0-1 and SaslAuthenticate 0-1 on a SASL listener", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    const r = await c.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(r.body.apiKeys).toContainEqual({ apiKey: 17, minVersion: 0, maxVersion: 1 });
    expect(r.body.apiKeys).toContainEqual({ apiKey: 36, minVersion: 0, maxVersion: 1 });
    c.destroy();
  });

  it("a Metadata request before authenticating closes the connection", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    c.sendPayload(c.encode(3, 1, { topics: null }));
    expect(await c.closesWithin(3000)).toBe(true);
  });

  it("an unknown mechanism gets UNSUPPORTED_SASL_MECHANISM (33) and the list", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    const r = await c.request(17, 1, { mechanism: "GSSAPI" });
    expect(r.body).toEqual({ errorCode: 33, mechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] });
    c.destroy();
  });

  it("SaslHandshake v0 then a raw PLAIN token (kafka-python 2.0.2's way) authenticates", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    expect((await c.request(17, 0, { mechanism: "PLAIN" })).body.errorCode).toBe(0);
    c.sendPayload(Buffer.from("\u0000alice\u0000alice-secret"));
    expect((await c.next())!.length).toBe(0);
    const md = await c.request(3, 1, { topics: [{ name: "s" }] });
    expect(md.body.topics[0].errorCode).toBe(0);
    c.destroy();
  });

  it("a failed SaslAuthenticate answers SASL_AUTHENTICATION_FAILED (58) with a message, then closes", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    await c.request(17, 1, { mechanism: "PLAIN" });
    const r = await c.request(36, 1, { authBytes: Buffer.from("\u0000alice\u0000bad") });
    expect(r.body.errorCode).toBe(58);
    expect(r.body.errorMessage).toMatch(/alice/);
    expect(await c.closesWithin(3000)).toBe(true);
  });
});

describe("listeners.kafka.sasl config", () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["not a mapping", "yes", /listeners\.kafka\.sasl/],
    ["no users", { users: [] }, /listeners\.kafka\.sasl\.users/],
    ["unknown mechanism", { mechanisms: ["GSSAPI"], users: [{ name: "a", password: "b" }] }, /mechanisms/],
    ["user without secret", { users: [{ name: "a" }] }, /users\[0\]/],
    ["low iterations", { users: [{ name: "a", scram: { "SCRAM-SHA-256": { salt: "AA==", iterations: 10, storedKey: "AA==", serverKey: "AA==" } } }] }, /iterations/],
    ["duplicate user", { users: [{ name: "a", password: "b" }, { name: "a", password: "c" }] }, /users\[1\]\.name/],
    ["unknown key", { users: [{ name: "a", password: "b" }], realm: "x" }, /sasl\.realm/],
  ];
  for (const [name, raw, key] of bad) {
    it(`rejects ${name} with a ConfigError naming the key`, () => {
      expect(() => readSaslSettings(raw as Record<string, unknown>)).toThrow(ConfigError);
      expect(() => readSaslSettings(raw as Record<string, unknown>)).toThrow(key);
    });
  }
});
