// A real MQTT gateway over a real Log in a fresh temp dir, on a free loopback port.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { readConfig, type LedgeConfig } from "../../../runtime/config/index.ts";
import { createLogger, type Logger } from "../../../runtime/logger.ts";
import { Log } from "../../../runtime/log/index.ts";
import { Metrics } from "../../../runtime/metrics/index.ts";
import { startMqttGateway, type MqttGateway } from "../../../gateways/mqtt/gateway.ts";

export interface GatewayFixture {
  dataDir: string;
  config: LedgeConfig;
  log: Log;
  gateway: MqttGateway;
  metrics: Metrics;
  port: number;
  logLines: string[];
  /** Closes gateway and log (keeps the data dir). */
  stop(): Promise<void>;
  /** Stops and starts again on the same data dir (new port). */
  restart(): Promise<GatewayFixture>;
  /** Stops and removes the data dir. */
  close(): Promise<void>;
  connect(options?: IClientOptions, beforeConnect?: (c: MqttClient) => void): Promise<MqttClient>;
  /** Connects with an inbox attached before CONNACK (messages right after it are kept). */
  connectWithInbox(options?: IClientOptions): Promise<{ client: MqttClient; inbox: Inbox }>;
}

export type Inbox = ReturnType<typeof collect>;

export async function startGateway(doc: Record<string, unknown> = {}, dataDir?: string): Promise<GatewayFixture> {
  dataDir ??= await mkdtemp(join(tmpdir(), "ledge-mqtt-"));
  const config = readConfig({
    dataDir,
    listeners: { mqtt: { host: "127.0.0.1", port: 0 } },
    mqtt: { allowAnonymous: true },
    ...doc,
  });
  const logLines: string[] = [];
  const logger: Logger = createLogger("test", (line) => void logLines.push(line));
  const metrics = new Metrics();
  const log = await Log.open({ dataDir, storage: config.storage, log: config.log, topics: config.topics, logger, metrics, mapSizeBytes: 256 * 2 ** 20 });
  const gateway = await startMqttGateway({ config, log, logger, metrics });
  const clients: MqttClient[] = [];
  let stopped = false;
  const fixture: GatewayFixture = {
    dataDir, config, log, gateway, metrics, port: gateway.port, logLines,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of clients) c.end(true);
      await gateway.close();
      await log.close();
    },
    async restart() {
      await fixture.stop();
      return startGateway(doc, dataDir);
    },
    async close() {
      await fixture.stop();
      await rm(dataDir!, { recursive: true, force: true });
    },
    async connectWithInbox(options = {}) {
      let inbox: Inbox | undefined;
      const client = await fixture.connect(options, (c) => (inbox = collect(c)));
      return { client, inbox: inbox! };
    },
    connect(options = {}, beforeConnect?: (c: MqttClient) => void) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${gateway.port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
      clients.push(client);
      beforeConnect?.(client);
      return new Promise((resolve, reject) => {
        client.once("connect", () => resolve(client));
        client.once("error", reject);
      });
    },
  };
  return fixture;
}

/** Collects messages a client receives; `next(n)` waits (bounded) for n of them. */
export function collect(client: MqttClient, timeoutMs = 5000) {
  const got: Array<{ topic: string; payload: Buffer; packet: mqtt.IPublishPacket }> = [];
  let wake: (() => void) | undefined;
  client.on("message", (topic, payload, packet) => {
    got.push({ topic, payload, packet });
    wake?.();
  });
  return {
    got,
    async next(n: number): Promise<typeof got> {
      const deadline = Date.now() + timeoutMs;
      while (got.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} messages, got ${got.length}: ${got.map((g) => g.topic).join(", ")}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
      return got;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds, polling; fails naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
