// kafka-python 2.0.2 (Debian's python3-kafka, run by Debian's /usr/bin/python3) against a real
// ledge: it probes versions its own way (kafka-protocol.md 1b), must infer a 2.3 broker (magic 2
// batches, Produce v7), produce gzip with acks=all and read everything back, also over SASL PLAIN.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";

const run = promisify(execFile);
const client = fileURLToPath(new URL("./helpers/kafka_python_client.py", import.meta.url));
let plain: TestLedge;
let sasl: TestLedge;

beforeAll(async () => {
  plain = await startTestLedge({}, { topics: [{ name: "py", partitions: 1 }] });
  sasl = await startTestLedge({ sasl: { mechanisms: ["PLAIN"], users: [{ name: "py", password: "py-secret" }] } }, { topics: [{ name: "py", partitions: 1 }] });
});
afterAll(async () => {
  await plain?.close();
  await sasl?.close();
});

async function kafkaPython(port: number, ...extra: string[]) {
  const { stdout } = await run("/usr/bin/python3", [client, `127.0.0.1:${port}`, "py", "20", ...extra], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { apiVersion: string; offsets: number[]; values: string[] };
}

const expected = Array.from({ length: 20 }, (_, i) => `py-${i}`);

describe("kafka-python 2.0.2", () => {
  it("infers a 2.3 broker, produces gzip with acks=all and reads every record back", async () => {
    const r = await kafkaPython(plain.port);
    expect(r.apiVersion).toBe("2.3.0");
    expect(r.offsets).toEqual(expected.map((_, i) => i));
    expect(r.values).toEqual(expected);
  });

  it("authenticates with SASL PLAIN and does the same", async () => {
    const r = await kafkaPython(sasl.port, "py", "py-secret");
    expect(r.values).toEqual(expected);
    expect(sasl.logLines.some((l) => /authenticated as py with PLAIN/.test(l))).toBe(true);
  });

  it("a wrong SASL password fails the client, and ledge logs the failed authentication", async () => {
    const err = await kafkaPython(sasl.port, "py", "wrong").then(() => null, (e: Error & { stderr?: string }) => e);
    expect(err, "kafka-python must fail").not.toBeNull();
    // kafka-python 2.0.2 (SaslHandshake v0, raw tokens) sees the connection closed and reports
    // no broker; ledge's log names the cause.
    expect(err!.stderr).toMatch(/kafka\.errors\.NoBrokersAvailable/);
    expect(sasl.logLines.some((l) => /SASL PLAIN authentication (from \S+ )?failed: .*; check the client's user and password/.test(l))).toBe(true);
  });
});
