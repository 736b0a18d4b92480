// The Kafka listener inside the real `ledge start` process: its port is in the ready line,
// kcat produces and consumes (also with a consumer group), and SIGTERM shuts down cleanly.
import { describe, it, expect, afterAll } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "./helpers/kcat.ts";

let ledge: LedgeProcess | undefined;
let bridged: LedgeProcess | undefined;
let dataDir = "";
const run = promisify(execFile);

afterAll(async () => {
  for (const p of [ledge, bridged]) if (p && p.child.exitCode === null) p.child.kill("SIGKILL");
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

describe("MQTT and Kafka meet in the log", () => {
  it("an MQTT 5 publish is read by kcat with its key and headers; a kcat record reaches an MQTT subscriber", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ledge-kafka-mqtt-"));
    await writeFile(join(dir, "ledge.yaml"), "mqtt:\n  allowAnonymous: true\n");
    bridged = await startLedge(["--config", join(dir, "ledge.yaml"), "--data-dir", join(dir, "data")]);
    const { kafka, mqtt } = bridged.ports as { kafka: number; mqtt: number };
    await run("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(mqtt), "-V", "mqttv5", "-q", "1", "-t", "sensors/a/temp", "-m", '{"t":21}', "-D", "publish", "user-property", "site", "north"], { timeout: 10_000 });
    const c = await kcat(["-b", `127.0.0.1:${kafka}`, "-C", "-t", "mqtt-messages", "-o", "beginning", "-e", "-f", "%k|%h|%s\n"]);
    const [key, headers, value] = c.stdout.trim().split("|");
    expect([key, value]).toEqual(["sensors/a/temp", '{"t":21}']);
    // The MQTT gateway owns the header set; the QoS and the MQTT 5 user property must be there.
    expect(headers.split(",")).toEqual(expect.arrayContaining(["mqtt.qos=1", "site=north"]));

    // -d prints the SUBACK (line-buffered by stdbuf, as stdout is a pipe): produce only once
    // the subscription is in place.
    const sub = spawn("stdbuf", ["-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p", String(mqtt), "-t", "back/#", "-C", "1", "-W", "15", "-v"], { stdio: ["ignore", "pipe", "pipe"] });
    let got = "";
    let subscribed: () => void = () => {};
    const subacked = new Promise<void>((r) => (subscribed = r));
    sub.stdout.on("data", (d) => {
      got += d;
      if (got.includes("received SUBACK")) subscribed();
    });
    const subDone = new Promise<void>((r) => sub.once("close", () => r()));
    await Promise.race([subacked, subDone]);
    expect(got).toContain("received SUBACK");
    const p = await kcat(["-b", `127.0.0.1:${kafka}`, "-P", "-t", "mqtt-messages", "-k", "back/x"], "hello-from-kafka\n");
    expect(p.code).toBe(0);
    await subDone;
    expect(got.split("\n").filter((l) => l.startsWith("back/")), got).toEqual(["back/x hello-from-kafka"]);
    bridged.child.kill("SIGTERM");
    expect(await bridged.exited).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });
});
