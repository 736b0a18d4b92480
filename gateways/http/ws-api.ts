// WebSocket at /ws: publish and subscribe for browsers and scripts, on the HTTP port.
// Frames are JSON text, or msgpack binary with the same fields; answers use the frame type asked
// with. An optional `id` is echoed on the ack or error that answers a frame.
//   {"op":"publish","topic","key"?,"value","headers"?,"partition"?}
//       -> {"op":"ack","topic","partition","offset"} once durable, or {"op":"error","reason","code"?}
//   {"op":"subscribe","topic","partition"?,"from":"earliest"|"latest"|OFFSET}
//       -> {"op":"subscribed",...}, then {"op":"record","topic","partition","offset","key","value",
//          "timestamp","headers"} for every committed record (value parsed as JSON when it is JSON)
//   {"op":"unsubscribe","topic"}
// Backpressure: a subscription reads on only while the socket's unsent bytes are under
// WS_BUFFERED_BYTES_MAX, so a slow reader is paused, never buffered without bound. With
// listeners.http.token set, the upgrade needs `Authorization: Bearer <token>` or `?token=`
// (browsers cannot set headers on a WebSocket).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { pack, unpack } from "msgpackr";
import type { Log } from "../../runtime/log/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { Metrics } from "../../runtime/metrics/index.ts";
import { appendRecords, readPage } from "./api-records.ts";
import { bearerMatches } from "./token.ts";

export const wsApiPath = "/ws";
/** Unsent bytes per socket past which its subscriptions stop reading. */
export const WS_BUFFERED_BYTES_MAX = 1024 * 1024;
/** Largest frame a client may send. */
const WS_FRAME_BYTES_MAX = 1024 * 1024;
const SUBSCRIPTIONS_PER_SOCKET_MAX = 64;
const RECORDS_PER_READ = 200;
/** Stored bytes one read of a subscription takes at most (whole batches, at least one). */
const READ_BYTES_MAX = 256 * 1024;
const WAIT_MS = 5_000;
const DRAIN_POLL_MS = 20;

export interface WsApiParts {
  log: Log;
  logger: Logger;
  metrics: Metrics;
  token?: string;
  onUpgrade(path: string, handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void;
}

type Frame = Record<string, unknown>;

function parseValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

class WsClient {
  readonly #ws: WebSocket;
  readonly #p: WsApiParts;
  readonly #subscriptions = new Map<string, AbortController>();
  #binary = false;

  constructor(ws: WebSocket, p: WsApiParts) {
    this.#ws = ws;
    this.#p = p;
    ws.on("message", (data: RawData, isBinary: boolean) => void this.#onFrame(data, isBinary));
    ws.on("close", () => {
      for (const ac of this.#subscriptions.values()) ac.abort();
      this.#subscriptions.clear();
    });
    ws.on("error", () => undefined); // 'close' follows
  }

  #send(frame: Frame): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(this.#binary ? pack(frame) : JSON.stringify(frame), { binary: this.#binary });
  }

  #error(reason: string, id: unknown, code?: string): void {
    this.#send({ op: "error", reason, ...(code ? { code } : {}), ...(id === undefined ? {} : { id }) });
  }

  async #onFrame(data: RawData, isBinary: boolean): Promise<void> {
    this.#binary = isBinary;
    let frame: Frame;
    try {
      const raw = data as Buffer;
      frame = isBinary ? unpack(raw) : JSON.parse(raw.toString("utf8"));
      if (frame === null || typeof frame !== "object" || Array.isArray(frame)) throw new Error("not an object");
    } catch (err) {
      return this.#error(`a frame must be a ${isBinary ? "msgpack map" : "JSON object"} with an "op" (${(err as Error).message})`, undefined);
    }
    const { op, id } = frame;
    try {
      if (op === "publish") return await this.#publish(frame);
      if (op === "subscribe") return this.#subscribe(frame);
      if (op === "unsubscribe") return this.#unsubscribe(frame);
      this.#error(`unknown op ${JSON.stringify(op)}; use publish, subscribe or unsubscribe`, id);
    } catch (err) {
      this.#error((err as Error).message, id, (err as { code?: string }).code);
    }
  }

  async #publish(f: Frame): Promise<void> {
    if (typeof f.topic !== "string") throw new Error('publish needs "topic"');
    const record = { key: f.key, value: f.value, headers: f.headers, partition: f.partition };
    const { offsets } = await appendRecords(this.#p.log, f.topic, { records: [record] });
    this.#send({ op: "ack", topic: f.topic, ...offsets[0], ...(f.id === undefined ? {} : { id: f.id }) });
  }

  #subscribe(f: Frame): void {
    const topic = f.topic;
    if (typeof topic !== "string") throw new Error('subscribe needs "topic"');
    const t = this.#p.log.describeTopic(topic);
    if (!t) throw Object.assign(new Error(`no topic '${topic}'`), { code: "LEDGE_ERR_UNKNOWN_TOPIC" });
    const from = f.from ?? "latest";
    if (from !== "earliest" && from !== "latest" && !(Number.isSafeInteger(from) && (from as number) >= 0)) {
      throw new Error(`"from" must be "earliest", "latest" or an offset; found ${JSON.stringify(from)}`);
    }
    let partitions = Array.from({ length: t.partitions }, (_, i) => i);
    if (f.partition !== undefined) {
      if (!Number.isInteger(f.partition) || (f.partition as number) < 0 || (f.partition as number) >= t.partitions) {
        throw Object.assign(new Error(`topic '${topic}' has partitions 0 to ${t.partitions - 1}; found ${JSON.stringify(f.partition)}`), { code: "LEDGE_ERR_UNKNOWN_PARTITION" });
      }
      partitions = [f.partition as number];
    }
    if (this.#subscriptions.has(topic)) this.#subscriptions.get(topic)!.abort();
    else if (this.#subscriptions.size >= SUBSCRIPTIONS_PER_SOCKET_MAX) throw new Error(`at most ${SUBSCRIPTIONS_PER_SOCKET_MAX} subscriptions per socket`);
    const ac = new AbortController();
    this.#subscriptions.set(topic, ac);
    this.#send({ op: "subscribed", topic, partitions, from, ...(f.id === undefined ? {} : { id: f.id }) });
    for (const p of partitions) {
      const state = this.#p.log.partitionState(topic, p);
      const start = from === "earliest" ? state.logStartOffset : from === "latest" ? state.highWatermark : (from as number);
      void this.#follow(topic, p, start, ac.signal).catch((err) => {
        if (!ac.signal.aborted) this.#error(`the subscription to ${topic}/${p} ended: ${(err as Error).message}`, f.id, (err as { code?: string }).code);
      });
    }
  }

  #unsubscribe(f: Frame): void {
    const ac = typeof f.topic === "string" ? this.#subscriptions.get(f.topic) : undefined;
    if (!ac) throw new Error(`no subscription to ${JSON.stringify(f.topic)}`);
    ac.abort();
    this.#subscriptions.delete(f.topic as string);
    this.#send({ op: "unsubscribed", topic: f.topic, ...(f.id === undefined ? {} : { id: f.id }) });
  }

  async #follow(topic: string, partition: number, offset: number, signal: AbortSignal): Promise<void> {
    const buffered = this.#p.metrics.gauge("ledge_ws_buffered_bytes_max", "Largest number of bytes a /ws socket holds unsent (its subscriptions pause past WS_BUFFERED_BYTES_MAX)");
    while (!signal.aborted) {
      // Backpressure: read on only once the socket has sent what it holds.
      while (this.#ws.bufferedAmount > WS_BUFFERED_BYTES_MAX && !signal.aborted) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
      const page = readPage(this.#p.log, topic, partition, offset, RECORDS_PER_READ, READ_BYTES_MAX);
      for (const r of page.records) this.#send({ op: "record", topic, ...r, value: parseValue(r.value) });
      buffered.set(Math.max(buffered.value, this.#ws.bufferedAmount));
      if (page.nextOffset === offset) await this.#p.log.waitForStable(topic, partition, offset, WAIT_MS, signal);
      offset = page.nextOffset;
    }
  }
}

/** Routes /ws upgrades on the HTTP gateway to the publish/subscribe API. */
export function attachWsApi(p: WsApiParts): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_FRAME_BYTES_MAX });
  p.onUpgrade(wsApiPath, (req, socket, head) => {
    if (p.token !== undefined) {
      const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "").get("token");
      if (!bearerMatches(req.headers.authorization ?? (query === null ? undefined : `Bearer ${query}`), p.token)) {
        socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n/ws needs Authorization: Bearer <listeners.http.token> or ?token=\n");
        return;
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => new WsClient(ws, p));
  });
  return { close: () => wss.clients.forEach((ws) => ws.terminate()) };
}
