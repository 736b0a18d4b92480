// readTlsFiles, which every TLS listener (MQTT, Kafka, HTTP) starts from: the files are read and
// must make a TLS context, else a ConfigError names the key to fix.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, readTlsFiles } from "../../runtime/config/index.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ledge-tls-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyOf(err: unknown): string {
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).key;
}

describe("readTlsFiles", () => {
  it("reads a certificate and its key", () => {
    const files = readTlsFiles({ cert: fixture("cert.pem"), key: fixture("key.pem") }, "listeners.kafka.tls");
    expect(files.cert.toString()).toContain("BEGIN CERTIFICATE");
    expect(files.ca).toBeUndefined();
  });

  it("names the key of a file it cannot read, and the section of a key that does not match", () => {
    const otherKey = join(dir, "other.key");
    writeFileSync(otherKey, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }));
    const attempt = (cert: string, key: string, ca?: string) => {
      try {
        readTlsFiles({ cert, key, ca }, "listeners.kafka.tls");
        return "read";
      } catch (err) {
        return keyOf(err);
      }
    };
    expect(attempt("/nonexistent/cert.pem", fixture("key.pem"))).toBe("listeners.kafka.tls.cert");
    expect(attempt(fixture("cert.pem"), fixture("key.pem"), "/nonexistent/ca.pem")).toBe("listeners.kafka.tls.ca");
    expect(attempt(fixture("cert.pem"), otherKey)).toBe("listeners.kafka.tls");
  });
});
