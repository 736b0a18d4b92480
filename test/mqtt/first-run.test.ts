// First run as a new user tries it: ledge with no config at all, then `mosquitto_pub -t hello -m
// world` on the same machine. The publish gets in (loopback clients need no login while no users
// are configured), lands in the log, and the start-up line says what remote devices need.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";

const run = promisify(execFile);

describe("first run with no config", () => {
  it("mosquitto_pub from this machine is let in, stored, and readable over Kafka", async () => {
    const d = await ledgeDirs("ledge-first-run-", "");
    const ledge = await startLedge(d.args);
    try {
      await run("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(ledge.ports.mqtt), "-t", "hello", "-m", "world", "-q", "1"], { timeout: 20_000 });
      const read = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-C", "-t", "mqtt-messages", "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n"]);
      expect(read.stdout).toBe("hello=world\n");
      expect(ledge.stderr()).toContain("MQTT clients on this machine connect without a login; others are refused until mqtt.users has a user");
    } finally {
      ledge.child.kill("SIGTERM");
      await ledge.exited;
      await d.remove();
    }
  });
});
