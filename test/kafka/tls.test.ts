// TLS on the Kafka listener (listeners.kafka.tls): kcat and kafkajs verify ledge's certificate
// against a CA file and produce and consume; SASL over TLS works; a plaintext client is refused
// without disturbing TLS clients.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { kcat } from "./helpers/kcat.ts";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { makeTestCa } from "../helpers/certs.ts";

let ledge: TestLedge;
let certFile: string;

// A committed test-only certificate (test/fixtures/tls), so the test needs no openssl binary.
const fixtures = fileURLToPath(new URL("../fixtures/tls/", import.meta.url));

beforeAll(async () => {
  certFile = join(fixtures, "cert.pem");
  ledge = await startTestLedge({ tls: { cert: certFile, key: join(fixtures, "key.pem") }, sasl: { users: [{ name: "alice", password: "pw" }] } }, { topics: [{ name: "t", partitions: 1 }] });
});
afterAll(async () => {
  await ledge?.close();
});

const tlsArgs = () => ["-X", "security.protocol=SASL_SSL", "-X", `ssl.ca.location=${certFile}`, "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", "sasl.username=alice", "-X", "sasl.password=pw"];

describe("Kafka over TLS", () => {
  it("kcat (SASL_SSL, CA-verified) produces and consumes", async () => {
    const p = await kcat(["-b", `127.0.0.1:${ledge.port}`, ...tlsArgs(), "-P", "-t", "t", "-p", "0"], "over-tls\n");
    expect(p.stderr).not.toMatch(/ERROR|fail/i);
    const c = await kcat(["-b", `127.0.0.1:${ledge.port}`, ...tlsArgs(), "-C", "-t", "t", "-p", "0", "-o", "beginning", "-e"]);
    expect(c.stdout.trim().split("\n")).toContain("over-tls");
  });

  it("kcat refuses ledge's certificate when its CA file does not vouch for it", async () => {
    const other = await makeTestCa(); // a valid CA that did not sign ledge's certificate
    try {
      const r = await kcat(["-b", `127.0.0.1:${ledge.port}`, "-X", "security.protocol=SSL", "-X", `ssl.ca.location=${other.path("ca.pem")}`, "-L", "-m", "3"], undefined, 15_000);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/SSL handshake failed: .*certificate verify failed/);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it("kafkajs over TLS with SASL PLAIN lists topics", async () => {
    const admin = new Kafka({ brokers: [`127.0.0.1:${ledge.port}`], logLevel: logLevel.NOTHING, ssl: { ca: [readFileSync(certFile)] }, sasl: { mechanism: "plain", username: "alice", password: "pw" } }).admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain("t");
    await admin.disconnect();
  });

  it("a plaintext Kafka request on the TLS port gets no Kafka answer, and TLS clients keep working", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    c.sendPayload(c.encode(18, 0, {}));
    expect(await c.closesWithin(3000)).toBe(true);
    expect(ledge.logLines.join("\n")).toMatch(/TLS handshake from 127\.0\.0\.1 failed: .*wrong version number/);
    const again = await kcat(["-b", `127.0.0.1:${ledge.port}`, ...tlsArgs(), "-L", "-t", "t"]);
    expect(again.stdout).toMatch(/topic "t"/);
  });
});
