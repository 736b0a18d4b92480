// With listeners.http.tls the HTTP listener speaks HTTPS only, so MQTT over WebSocket is wss://
// (MQTT.js, the CA being the test's self-signed certificate). A clear-text ws:// client gets
// no upgrade, and a client-certificate CA there is refused at start (the listener asks for none).
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const cert = readFileSync(fixture("cert.pem"));
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe("MQTT over wss:// on an HTTPS listener", () => {
  it("serves MQTT.js over wss://, /healthz over https://, and no clear-text upgrade", async () => {
    const dirs = await ledgeDirs("ledge-wss-", `mqtt: { allowAnonymous: true }\nlisteners:\n  http: { tls: { cert: ${fixture("cert.pem")}, key: ${fixture("key.pem")} } }\n`);
    cleanup.push(() => dirs.remove());
    const ledge: LedgeProcess = await startLedge(dirs.args);
    cleanup.push(async () => {
      ledge.child.kill("SIGTERM");
      await ledge.exited;
    });
    const port = ledge.ports.http!;

    const client = await mqtt.connectAsync(`wss://127.0.0.1:${port}/mqtt`, { ca: cert, reconnectPeriod: 0, connectTimeout: 5000 });
    cleanup.push(() => client.endAsync());
    await client.subscribeAsync("wss/#", { qos: 1 });
    const got = new Promise<string>((resolve) => client.once("message", (topic, payload) => resolve(`${topic}=${payload}`)));
    await client.publishAsync("wss/a", "secure", { qos: 1 });
    expect(await got).toBe("wss/a=secure");

    const health = await new Promise<string>((resolve, reject) => {
      get({ host: "127.0.0.1", port, path: "/healthz", ca: cert }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d)).on("end", () => resolve(`${res.statusCode} ${body.trim()}`));
      }).on("error", reject);
    });
    expect(health).toBe("200 ok");

    const plain = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/mqtt`, "mqtt");
      ws.on("open", () => resolve("open"));
      ws.on("error", (err) => resolve(`error: ${err.message}`));
    });
    expect(plain).toMatch(/^error/);
  });

  it("refuses a client-certificate CA on the HTTP listener at start, naming the key", async () => {
    const dirs = await ledgeDirs("ledge-wss-ca-", `listeners:\n  http: { tls: { cert: ${fixture("cert.pem")}, key: ${fixture("key.pem")}, ca: ${fixture("cert.pem")} } }\n`);
    cleanup.push(() => dirs.remove());
    await expect(startLedge(dirs.args)).rejects.toThrow(/listeners\.http\.tls\.ca/);
  });
});
