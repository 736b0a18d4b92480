// Log lines as operators and log shippers read them: text for a terminal, JSON lines with time,
// level and component for journald; --log-level drops what is below it. The process test reads a
// real ledge's stderr; a bad flag value stops start-up naming the flag.
import { describe, expect, it } from "vitest";
import { createLogger, type LoggerOptions } from "../runtime/logger.ts";
import { ledgeDirs, runLedge, startLedge } from "./helpers/ledge-process.ts";

function lines(options: LoggerOptions): string[] {
  const out: string[] = [];
  const log = createLogger("ledge", (l) => out.push(l), options).child("mqtt");
  log.info("client c1 connected");
  log.warn('client "x" sent a bad packet');
  log.error("storage failed");
  return out;
}

describe("logger", () => {
  it("writes text lines by default, JSON lines with --log-format json", () => {
    const text = lines({});
    expect(text).toHaveLength(3);
    expect(text[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info mqtt: client c1 connected\n$/);
    const json = lines({ format: "json" }).map((l) => {
      expect(l.endsWith("\n")).toBe(true);
      expect(l.slice(0, -1)).not.toContain("\n");
      return JSON.parse(l);
    });
    expect(json.map((j) => [j.level, j.component, j.message])).toEqual([
      ["info", "mqtt", "client c1 connected"], ["warn", "mqtt", 'client "x" sent a bad packet'], ["error", "mqtt", "storage failed"],
    ]);
    expect(Number.isNaN(Date.parse(json[0].time))).toBe(false);
  });

  it("drops lines below --log-level", () => {
    expect(lines({ level: "warn" }).map((l) => l.split(" ")[1])).toEqual(["warn", "error"]);
    expect(lines({ level: "error", format: "json" }).map((l) => JSON.parse(l).level)).toEqual(["error"]);
  });

  it("a real ledge logs JSON lines with --log-format json; a bad value stops start-up naming the flag", async () => {
    const d = await ledgeDirs("ledge-logfmt-", "mqtt:\n  allowAnonymous: true\n");
    try {
      const ledge = await startLedge([...d.args, "--log-format", "json"]);
      ledge.child.kill("SIGTERM");
      await ledge.exited;
      const logged = ledge.stderr().split("\n").filter(Boolean);
      expect(logged.length).toBeGreaterThan(0);
      for (const l of logged) expect(JSON.parse(l)).toEqual({ time: expect.any(String), level: expect.any(String), component: expect.any(String), message: expect.any(String) });
      expect(logged.map((l) => JSON.parse(l).message)).toContain("SIGTERM received, shutting down");
      const bad = await runLedge(["start", ...d.args, "--log-level", "debug"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("config key '--log-level' must be info | warn | error");
    } finally {
      await d.remove();
    }
  });
});
