// The `ledge` client commands against a real ledge process, run as an operator runs them
// (bin/ledge as a child process, --http and --token): topics, produce and consume (kcat reads
// what produce wrote), consumer-group offsets across two consume runs, status, and the mistakes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { ledgeDirs, runLedge, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";

const token = "cli-token";
let d: LedgeDirs;
let ledge: LedgeProcess;
let http: string;

const ledgeCli = (args: string[], input = "", env: NodeJS.ProcessEnv = {}) => runLedge(args, { input, env: { LEDGE_HTTP: http, LEDGE_TOKEN: token, ...env } });

beforeAll(async () => {
  d = await ledgeDirs("ledge-cli-", `mqtt:\n  allowAnonymous: true\nlisteners:\n  http:\n    token: ${token}\n`);
  ledge = await startLedge(d.args);
  http = `http://127.0.0.1:${ledge.ports.http}`;
});
afterAll(async () => {
  ledge.child.kill("SIGTERM");
  await ledge.exited;
  await d.remove();
});

// Each command is a process start (~0.3 s on a quiet machine, several seconds under load).
describe("ledge client commands", { timeout: 120_000 }, () => {
  it("topics create, list, describe and delete", async () => {
    const made = await ledgeCli(["topics", "create", "cli-t", "--partitions", "2", "--config", "retention.ms=60000"]);
    expect(made).toMatchObject({ code: 0, stdout: "created topic cli-t with 2 partitions\n" });
    const list = await ledgeCli(["topics", "list"]);
    expect(list.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+RECORDS\s+STORED$/m);
    expect(list.stdout).toMatch(/^cli-t\s+2\s+0\s+0 B$/m);
    const described = JSON.parse((await ledgeCli(["topics", "describe", "cli-t", "--json"])).stdout);
    expect(described).toMatchObject({ name: "cli-t", partitionCount: 2, config: { "retention.ms": "60000" } });
    expect((await ledgeCli(["topics", "delete", "cli-t"])).stdout).toBe("deleted topic cli-t\n");
    const gone = await ledgeCli(["topics", "describe", "cli-t"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("LEDGE_ERR_UNKNOWN_TOPIC");
  });

  it("produce writes one acknowledged record per line; consume and kcat read them back in order", async () => {
    await ledgeCli(["topics", "create", "lines", "--partitions", "3"]);
    const lines = Array.from({ length: 1200 }, (_, i) => `reading ${i} ${"é".repeat(i % 5)}`);
    const produced = await ledgeCli(["produce", "lines", "--key", "device-1"], `${lines.join("\n")}\n`);
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toContain("produced 1,200 records to lines");
    const consumed = await ledgeCli(["consume", "lines", "--from-beginning", "--max", "1200"]);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split("\n").slice(0, -1)).toEqual(lines);
    const viaKafka = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-C", "-t", "lines", "-o", "beginning", "-e", "-q", "-f", "%k %s\\n"]);
    expect(viaKafka.stdout.split("\n").filter(Boolean)).toEqual(lines.map((l) => `device-1 ${l}`));
    const json = await ledgeCli(["consume", "lines", "--from-beginning", "--max", "2", "--json"]);
    const first = JSON.parse(json.stdout.split("\n")[0]);
    expect(first).toMatchObject({ topic: "lines", key: "device-1", value: lines[0], offset: 0 });
  });

  it("consume --group resumes where the last run committed; groups show the offsets and lag", async () => {
    await ledgeCli(["topics", "create", "grouped"]);
    await ledgeCli(["produce", "grouped"], `${Array.from({ length: 30 }, (_, i) => `m${i}`).join("\n")}\n`);
    const a = await ledgeCli(["consume", "grouped", "--group", "ops", "--from-beginning", "--max", "12"]);
    const b = await ledgeCli(["consume", "grouped", "--group", "ops", "--max", "18"]);
    expect([...a.stdout.split("\n").slice(0, -1), ...b.stdout.split("\n").slice(0, -1)]).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    const g = JSON.parse((await ledgeCli(["groups", "describe", "ops", "--json"])).stdout);
    expect(g.offsets).toEqual([{ topic: "grouped", partition: 0, offset: 30, highWatermark: 30, lag: 0 }]);
    await ledgeCli(["produce", "grouped"], "late\n");
    expect((await ledgeCli(["groups", "list"])).stdout).toMatch(/^ops\s+Empty\s+0\s+1$/m);
    const status = await ledgeCli(["status"]);
    expect(status.stdout).toMatch(/^ledge at http:\/\/127\.0\.0\.1:\d+, up \d+ s: \d+ topics/);
    expect(status.stdout).toContain("group ops: Empty, 0 members, lag 1");
    expect(status.stdout).toContain("mqtt: 0 connections, 0 sessions");
    expect(status.stdout).toContain("bridge: not configured");
  });

  it("pipelines create from a YAML file, list, run on data, and delete; a bad one is refused with its key", async () => {
    await ledgeCli(["topics", "create", "readings"]);
    const file = `${d.dataDir}-pipeline.yaml`;
    await writeFile(file, [
      "name: avg1s", "from: readings", "format: json", "key: device", "time: ts", "fields: [temp]",
      "window: { type: tumbling, size: 1s }", "aggregates: [count, avg]", "to: readings-1s", "",
    ].join("\n"));
    const made = await ledgeCli(["pipelines", "create", file]);
    expect(made.stdout, made.stderr).toBe("created pipeline avg1s: readings -> readings-1s\n");
    expect((await ledgeCli(["pipelines", "list"])).stdout).toMatch(/^avg1s\s+readings\s+readings-1s\s+none yet$/m);
    // Two windows of device d1; the record at 2500 passes the first window's end and closes it.
    await ledgeCli(["produce", "readings"], ['{"device":"d1","ts":1000,"temp":20}', '{"device":"d1","ts":1500,"temp":22}', '{"device":"d1","ts":2500,"temp":30}', ""].join("\n"));
    // Wait for the summary over HTTP (cheap), then read it as an operator would (a process start
    // per poll took minutes under load).
    const untilMs = Date.now() + 60_000;
    let records = 0;
    while (records === 0 && Date.now() < untilMs) {
      const res = await fetch(`${http}/api/topics/readings-1s`, { headers: { authorization: `Bearer ${token}` } });
      records = res.ok ? ((await res.json()) as { records: number }).records : 0;
      if (records === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const summaries = (await ledgeCli(["consume", "readings-1s", "--from-beginning", "--max", "1"])).stdout;
    expect(JSON.parse(summaries)).toEqual({ key: "d1", window: { start: 1000, end: 2000 }, count: 2, temp: { avg: 21 } });
    const bad = await ledgeCli(["pipelines", "create", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("LEDGE_ERR_CONFIG");
    await writeFile(file, "name: x\nfrom: readings\nkey: device\naggregates: [count]\nto: y\nwindow: { type: tumbling, size: soon }\n");
    const invalid = await ledgeCli(["pipelines", "create", file]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("window.size");
    expect((await ledgeCli(["pipelines", "delete", "avg1s"])).stdout).toBe("deleted pipeline avg1s\n");
    const gone = await ledgeCli(["pipelines", "delete", "avg1s"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("LEDGE_ERR_API_NOT_FOUND");
  });

  it("says what went wrong: a wrong token, no ledge to reach, a bad flag; --help helps", async () => {
    const wrong = await ledgeCli(["topics", "list"], "", { LEDGE_TOKEN: "nope" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("LEDGE_ERR_API_UNAUTHORIZED");
    const nowhere = await ledgeCli(["status", "--http", "http://127.0.0.1:1"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("cannot reach ledge at http://127.0.0.1:1");
    const flag = await ledgeCli(["topics", "list", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("usage: ledge topics");
    const help = await ledgeCli(["consume", "--help"]);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toContain("ledge consume TOPIC [--from-beginning]");
    const missing = await ledgeCli(["produce"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ledge produce needs a topic");
  });
});
