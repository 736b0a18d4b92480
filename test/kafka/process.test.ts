// The Kafka listener inside the real `ledge start` process: its port is in the ready line,
// kcat produces and consumes (also with a consumer group), and SIGTERM shuts down cleanly.
import { describe, it, expect, afterAll } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "./helpers/kcat.ts";

let ledge: LedgeProcess | undefined;
let dataDir = "";

afterAll(async () => {
  if (ledge && ledge.child.exitCode === null) ledge.child.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("ledge start with the Kafka listener", () => {
  it("prints the kafka port, serves kcat produce, consume and -G, and exits 0 on SIGTERM", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ledge-kafka-proc-"));
    ledge = await startLedge(["--data-dir", dataDir]);
    const port = ledge.ports.kafka!;
    expect(port).toBeGreaterThan(0);
    const p = await kcat(["-b", `127.0.0.1:${port}`, "-P", "-t", "proc", "-z", "lz4", "-X", "enable.idempotence=true"], "one\ntwo\n");
    expect(p.stderr).not.toMatch(/ERROR/);
    const c = await kcat(["-b", `127.0.0.1:${port}`, "-C", "-t", "proc", "-o", "beginning", "-e", "-X", "check.crcs=true"]);
    expect(c.stdout.trim().split("\n")).toEqual(["one", "two"]);
    const g = await kcat(["-b", `127.0.0.1:${port}`, "-G", "proc-group", "proc", "-e", "-X", "auto.offset.reset=earliest"]);
    expect(g.stdout.trim().split("\n")).toEqual(["one", "two"]);
    ledge.child.kill("SIGTERM");
    expect(await ledge.exited).toBe(0);
  });
});
