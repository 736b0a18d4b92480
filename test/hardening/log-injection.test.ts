// A client cannot forge log lines: control characters in peer-supplied strings (an MQTT client
// id, a Kafka client id) are written escaped, so each entry stays one line and no ESC reaches a
// terminal. Real ledge process, real MQTT.js client, a raw Kafka socket (a hostile client).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { encodeRequest } from "../kafka/reference/codec.ts";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { encodeBatch } from "../../runtime/core/index.ts";
import { createLogger, escapeControlCharacters } from "../../runtime/logger.ts";

const forged = "2020-01-01T00:00:00.000Z error ledge: FORGED";
let dirs: LedgeDirs;
let ledge: LedgeProcess;

beforeAll(async () => {
  dirs = await ledgeDirs("ledge-inject-", "mqtt: { allowAnonymous: false }\ntopics: [{ name: p, partitions: 1 }]\n");
  ledge = await startLedge(dirs.args);
});
afterAll(async () => {
  ledge?.child.kill("SIGKILL");
  await ledge?.exited;
  await dirs?.remove();
});

const forgedLines = (text: string) => text.split("\n").filter((l) => l.startsWith("2020-01-01"));

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error("condition not met in time");
  }
}

describe("log injection", () => {
  it("escapes an MQTT client id carrying a newline and ESC", async () => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { clientId: `evil\n${forged}\x1b[2J`, reconnectPeriod: 0, connectTimeout: 5000 });
    await new Promise<void>((resolve) => { client.once("error", () => resolve()); client.once("close", () => resolve()); });
    client.end(true);
    await until(() => ledge.stderr().includes("FORGED"));
    expect(forgedLines(ledge.stderr())).toEqual([]);
    expect(ledge.stderr()).not.toContain("\x1b");
    expect(ledge.stderr()).toContain("evil\\n2020-01-01");
  });

  it("escapes a Kafka client id in a rejected Produce's log line", async () => {
    const c = await RawKafkaClient.open(ledge.ports.kafka!);
    const b = encodeBatch([{ key: null, value: new Uint8Array(8), timestampMs: Date.now() }]).slice();
    b[b.length - 1] ^= 0xff; // bad CRC: refused and logged with the client id
    const body = { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "p", partitionData: [{ index: 0, records: b }] }] };
    c.sendPayload(encodeRequest({ apiKey: 0, apiVersion: 3, correlationId: 1, clientId: `k\r\n${forged}-kafka\u2028x` }, body));
    expect(await c.next()).not.toBeNull();
    c.destroy();
    await until(() => ledge.stderr().includes("FORGED-kafka"));
    expect(forgedLines(ledge.stderr())).toEqual([]);
    expect(ledge.stderr()).toContain("k\\r\\n2020-01-01");
    expect(ledge.stderr()).not.toContain("\u2028");
  });

  it("JSON lines (--log-format json): one entry per line, no raw control character, the message intact", async () => {
    const d = await ledgeDirs("ledge-inject-json-", "mqtt: { allowAnonymous: false }\n");
    const json = await startLedge([...d.args, "--log-format", "json"]);
    try {
      const id = `j\n${forged}-json\x1b[2J\u2028\u0085`;
      const client = mqtt.connect(`mqtt://127.0.0.1:${json.ports.mqtt}`, { clientId: id, reconnectPeriod: 0, connectTimeout: 5000 });
      await new Promise<void>((resolve) => { client.once("error", () => resolve()); client.once("close", () => resolve()); });
      client.end(true);
      await until(() => json.stderr().includes("FORGED-json"));
      const lines = json.stderr().split("\n").filter(Boolean);
      expect(json.stderr()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
      const entries = lines.map((l) => JSON.parse(l) as { message: string });
      expect(entries.some((e) => e.message.includes(id))).toBe(true); // decodes to the client id as sent
    } finally {
      json.child.kill("SIGKILL");
      await json.exited;
      await d.remove();
    }
    const out: string[] = [];
    createLogger("t", (l) => void out.push(l), { format: "json" }).warn("a\u007fb\u2028c\nd");
    expect(out[0]).toContain('"message":"a\\u007fb\\u2028c\\nd"');
    expect(JSON.parse(out[0]).message).toBe("a\u007fb\u2028c\nd");
  });

  it("escapes every control character and keeps printable text (both sides of the table)", () => {
    const lines: string[] = [];
    createLogger("t", (l) => void lines.push(l)).warn("a\u0000b\u0007c\u007fd\u0085e\u2029f ünï €");
    expect(lines[0].endsWith("a\\x00b\\x07c\\x7fd\\x85e\\u2029f ünï €\n")).toBe(true);
    expect(escapeControlCharacters("plain")).toBe("plain");
  });
});
