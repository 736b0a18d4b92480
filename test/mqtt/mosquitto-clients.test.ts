// Debian's mosquitto_pub / mosquitto_sub (libmosquitto, an independent implementation) against
// the gateway: 3.1.1 and 5, each QoS, retained, user properties.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch } from "../../runtime/core/index.ts";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

const run = promisify(execFile);
let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway();
});
afterAll(async () => f?.close());

/** Runs mosquitto_sub until it has `count` messages (-C), bounded by -W seconds (generous: on a
 * loaded CI machine each mosquitto_pub process start alone can take seconds). */
function subscribe(filter: string, args: string[], count: number): { ready: Promise<void>; lines: Promise<string[]>; how: () => string } {
  const child = spawn("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(f.port), "-C", String(count), "-W", "40", "-d", "-t", filter, ...args]);
  let out = "";
  let debug = "";
  let exit = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (debug += d));
  // -d prints the client's packet log to stdout: the message lines are those of the form "topic payload".
  // "close", not "exit": a process can exit before its last output has been read from the pipe
  // (CI saw mosquitto_sub exit 0 after -C 3 with only two lines read).
  const lines = new Promise<string[]>((resolve) => child.on("close", (code, signal) => {
    exit = `exit ${code ?? signal}`;
    resolve(out.split("\n").filter((l) => l.startsWith("mq/")));
  }));
  // A failure once (CI, 374 ms, two of three lines) left nothing to go on: say what the client saw.
  const how = () => `mosquitto_sub ${exit}; its log:\n${out}${debug}\nledge's log:\n${f.logLines.join("\n")}`;
  return { ready: subscribed(filter), lines, how };
}

/** Waits (bounded) until some session holds `filter`. */
async function subscribed(filter: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    for (const s of f.gateway.broker.sessions.values()) if (s.subscriptions.has(filter)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`mosquitto_sub did not subscribe to ${filter}`);
}

const pub = (args: string[]) => run("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(f.port), ...args], { timeout: 10_000 });

describe("mosquitto_pub / mosquitto_sub", () => {
  for (const version of ["mqttv311", "mqttv5"]) {
    it(`publish and subscribe at QoS 0, 1, 2 (${version})`, async () => {
      const s = subscribe(`mq/${version}/#`, ["-V", version, "-q", "2", "-v"], 3);
      await s.ready;
      for (const q of [0, 1, 2]) await pub(["-V", version, "-t", `mq/${version}/q${q}`, "-q", String(q), "-m", `hello ${q}`]);
      expect((await s.lines).sort(), s.how()).toEqual([0, 1, 2].map((q) => `mq/${version}/q${q} hello ${q}`));
    }, 60_000);
  }

  it("mosquitto_pub -l streams lines at QoS 1; all are stored in order", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const child = spawn("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(f.port), "-t", "mq/lines", "-q", "1", "-l"]);
    child.stdin.end(`${lines.join("\n")}\n`);
    await new Promise((resolve) => child.on("close", resolve));
    const stored: string[] = [];
    for (const b of f.log.read("mqtt-messages", 0, 0, 1 << 26).batches) {
      for (const r of decodeBatch(b).records) if (Buffer.from(r.key!).toString() === "mq/lines") stored.push(Buffer.from(r.value!).toString());
    }
    expect(stored).toEqual(lines);
  });

  it("retained message and MQTT 5 user property reach mosquitto_sub", async () => {
    await pub(["-V", "mqttv5", "-t", "mq/retained", "-q", "1", "-r", "-m", "kept", "-D", "publish", "user-property", "origin", "mosquitto_pub"]);
    const s = subscribe("mq/retained", ["-V", "mqttv5", "-F", "%t %p %r %P"], 1);
    const [line] = await s.lines;
    expect(line).toBe("mq/retained kept 1 origin:mosquitto_pub");
  });
});
