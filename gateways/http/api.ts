// The admin API under /api: JSON over HTTP for operators, the `ledge` client commands and the
// dashboard. Topics (list, create, describe, delete), consumer groups with their lag, the
// bridge's status, the MQTT clients, and one summary. Errors are JSON, `{"error":{"code","message"}}`, with the
// HTTP status of the code: the log's codes (LogError) and this room's (errors.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Log } from "../../runtime/log/index.ts";
import { LogError, type LogErrorCode } from "../../runtime/log/errors.ts";
import type { DescribedGroup, ListedGroup } from "../../runtime/groups/coordinator-types.ts";
import type { GroupPartitionOffset } from "../../runtime/groups/offsets.ts";
import { groupLag } from "../../runtime/groups/lag.ts";
import { ApiError } from "./errors.ts";
import { appendRecords, readRecords } from "./api-records.ts";
import { ConfigError } from "../../runtime/config/errors.ts";

/** Request bodies are small JSON documents. */
export const API_BODY_BYTES_MAX = 64 * 1024;

export interface AdminSources {
  log: Log;
  groups: { listGroups(): ListedGroup[]; describeGroups(ids: string[]): DescribedGroup[] };
  offsets: {
    list(group: string): GroupPartitionOffset[];
    groups(): string[];
    commit(group: string, topic: string, partition: number, value: { offset: number; leaderEpoch: number; metadata: string | null }): Promise<void>;
  };
  /** Running pipelines: started from a mapping of the config file's form, stopped by name. */
  pipelines: {
    list(): Array<Record<string, unknown>>;
    addMapping(mapping: unknown): Promise<void>;
    remove(name: string): Promise<boolean>;
  };
  /** The bridge's status as plain data, or null when no bridge is configured. */
  bridge: () => Record<string, unknown> | null;
  /** MQTT connections and sessions, and the connected clients (a bounded list). */
  mqtt: () => { connections: number; sessions: number; clients: unknown[]; clientsOmitted: number };
  startedAtMs: number;
}

/** HTTP status for a log error a request ran into. */
const logStatus: Partial<Record<LogErrorCode, number>> = {
  LEDGE_ERR_UNKNOWN_TOPIC: 404, LEDGE_ERR_UNKNOWN_PARTITION: 404, LEDGE_ERR_TOPIC_EXISTS: 409,
  LEDGE_ERR_INVALID_TOPIC: 400, LEDGE_ERR_INVALID_PARTITIONS: 400, LEDGE_ERR_INVALID_TOPIC_CONFIG: 400,
  LEDGE_ERR_STORAGE_FULL: 507, LEDGE_ERR_STORAGE: 503, LEDGE_ERR_STORAGE_FAILED: 503, LEDGE_ERR_LOG_CLOSED: 503,
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) return send(res, err.status, { error: { code: err.code, message: err.message } });
  if (err instanceof LogError) return send(res, logStatus[err.code] ?? 500, { error: { code: err.code, message: err.message } });
  if (err instanceof ConfigError) return send(res, 400, { error: { code: err.code, message: err.message } });
  send(res, 500, { error: { code: "internal", message: `${(err as Error).message} (a ledge bug; please report it)` } });
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      if (tooLarge) return;
      bytes += c.length;
      if (bytes > API_BODY_BYTES_MAX) {
        // Answered at once; the rest is read and dropped (the client sees the answer, not a reset),
        // and the connection closes after it.
        tooLarge = true;
        chunks.length = 0;
        reject(new ApiError("LEDGE_ERR_API_BODY_TOO_LARGE", `the request body passed ${API_BODY_BYTES_MAX} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (tooLarge) return;
      try {
        const value = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
        resolve(value as Record<string, unknown>);
      } catch (err) {
        reject(new ApiError("LEDGE_ERR_API_BAD_REQUEST", `the body is not a JSON object (${(err as Error).message})`));
      }
    });
    req.on("error", reject);
  });
}

function topicView(log: Log, name: string) {
  const t = log.describeTopic(name);
  if (!t) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `no topic '${name}'`);
  const partitions = Array.from({ length: t.partitions }, (_, partition) => {
    const s = log.partitionState(name, partition);
    return { partition, logStartOffset: s.logStartOffset, highWatermark: s.highWatermark, records: s.highWatermark - s.logStartOffset, storedBytes: log.storedBytes(name, partition) };
  });
  return {
    name, partitionCount: t.partitions, config: t.config,
    records: partitions.reduce((n, p) => n + p.records, 0), storedBytes: partitions.reduce((n, p) => n + p.storedBytes, 0), partitions,
  };
}

function groupIds(s: AdminSources): string[] {
  return [...new Set([...s.groups.listGroups().map((g) => g.groupId), ...s.offsets.groups()])].sort();
}

function groupView(s: AdminSources, id: string) {
  const described = s.groups.describeGroups([id])[0];
  const offsets = groupLag(s.offsets, id, (topic, partition) => {
    try {
      return s.log.partitionState(topic, partition).highWatermark;
    } catch {
      return null; // the topic was deleted since the commit
    }
  });
  const live = described && described.state !== "Dead";
  if (!live && offsets.length === 0) throw new ApiError("LEDGE_ERR_API_NOT_FOUND", `no consumer group '${id}' (GET /api/groups lists them)`);
  return {
    groupId: id, state: live ? described.state : "Empty", protocolType: live ? described.protocolType : "",
    members: live ? described.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost })) : [],
    lag: offsets.reduce((n, o) => n + (o.lag ?? 0), 0), offsets,
  };
}

function status(s: AdminSources) {
  const topics = s.log.listTopics().map((t) => topicView(s.log, t.name));
  const mqtt = s.mqtt();
  return {
    uptimeS: Math.round((Date.now() - s.startedAtMs) / 1000),
    topics: topics.length, partitions: topics.reduce((n, t) => n + t.partitionCount, 0),
    records: topics.reduce((n, t) => n + t.records, 0), storedBytes: topics.reduce((n, t) => n + t.storedBytes, 0),
    groups: groupIds(s).map((id) => groupView(s, id)).map((g) => ({ groupId: g.groupId, state: g.state, members: g.members.length, lag: g.lag })),
    pipelines: s.pipelines.list(),
    bridge: s.bridge(),
    mqtt: { connections: mqtt.connections, sessions: mqtt.sessions },
  };
}

function allow(req: IncomingMessage, methods: string[]): void {
  if (!methods.includes(req.method ?? "GET")) {
    throw new ApiError("LEDGE_ERR_API_METHOD", `${req.method} is not served here; use ${methods.join(" or ")}`, methods);
  }
}

/** A simple consumer's offsets for a group with no live members (Kafka allows the same). */
async function commitGroupOffsets(s: AdminSources, group: string, body: Record<string, unknown>): Promise<{ committed: number }> {
  const described = s.groups.describeGroups([group])[0];
  if (described && described.state !== "Dead" && described.state !== "Empty") {
    throw new ApiError("LEDGE_ERR_API_GROUP_ACTIVE", `consumer group '${group}' has live members (${described.state}); they commit their own offsets`);
  }
  const list = body.offsets;
  if (!Array.isArray(list) || list.length === 0) throw new ApiError("LEDGE_ERR_API_BAD_REQUEST", 'give {"offsets": [{"topic": "t", "partition": 0, "offset": 42}, ...]}');
  for (const [i, o] of list.entries()) {
    const ok = o && typeof o === "object" && typeof o.topic === "string" && Number.isInteger(o.partition) && Number.isSafeInteger(o.offset) && o.offset >= 0;
    if (!ok) throw new ApiError("LEDGE_ERR_API_BAD_REQUEST", `offsets[${i}] must be {"topic": string, "partition": integer, "offset": integer >= 0}`);
    s.log.partitionState(o.topic, o.partition); // an unknown topic or partition refuses the whole request
  }
  for (const o of list) await s.offsets.commit(group, o.topic, o.partition, { offset: o.offset, leaderEpoch: -1, metadata: null });
  return { committed: list.length };
}

async function route(s: AdminSources, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
  const parts = path.split("/").slice(2).map(decodeURIComponent); // "/api/topics/x" -> ["topics", "x"]
  const [what, name, sub, extra] = parts;
  if (extra !== undefined) throw new ApiError("LEDGE_ERR_API_NOT_FOUND", `no route for ${path}`);
  if (what === "topics" && name !== undefined && sub === "records") {
    allow(req, ["GET", "POST"]);
    if (req.method === "GET") return send(res, 200, readRecords(s.log, name, query));
    return send(res, 200, await appendRecords(s.log, name, await readJson(req)));
  }
  if (what === "groups" && name !== undefined && sub === "offsets") {
    allow(req, ["POST"]);
    return send(res, 200, await commitGroupOffsets(s, name, await readJson(req)));
  }
  if (sub !== undefined) throw new ApiError("LEDGE_ERR_API_NOT_FOUND", `no route for ${path}`);
  if (what === "status" && name === undefined) return (allow(req, ["GET"]), send(res, 200, status(s)));
  if (what === "topics" && name === undefined) {
    allow(req, ["GET", "POST"]);
    if (req.method === "GET") return send(res, 200, s.log.listTopics().map((t) => topicView(s.log, t.name)));
    const body = await readJson(req);
    if (typeof body.name !== "string") throw new ApiError("LEDGE_ERR_API_BAD_REQUEST", "give the topic's name: {\"name\": \"telemetry\", \"partitions\": 3, \"config\": {}}");
    if (body.partitions !== undefined && !Number.isInteger(body.partitions)) throw new ApiError("LEDGE_ERR_API_BAD_REQUEST", `partitions must be an integer; found ${JSON.stringify(body.partitions)}`);
    const config = body.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) throw new ApiError("LEDGE_ERR_API_BAD_REQUEST", "config must be an object of topic config keys, e.g. {\"retention.ms\": \"86400000\"}");
    await s.log.createTopic(body.name, (body.partitions as number | undefined) ?? 1, config as Record<string, string | number>);
    return send(res, 201, topicView(s.log, body.name));
  }
  if (what === "topics") {
    allow(req, ["GET", "DELETE"]);
    if (req.method === "GET") return send(res, 200, topicView(s.log, name));
    if (!s.log.describeTopic(name)) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `no topic '${name}'`);
    await s.log.deleteTopic(name);
    return send(res, 200, { deleted: name });
  }
  if (what === "groups") {
    allow(req, ["GET"]);
    if (name === undefined) return send(res, 200, groupIds(s).map((id) => groupView(s, id)));
    return send(res, 200, groupView(s, name));
  }
  if (what === "pipelines") {
    if (name === undefined) {
      allow(req, ["GET", "POST"]);
      if (req.method === "GET") return send(res, 200, s.pipelines.list());
      const body = await readJson(req);
      await s.pipelines.addMapping(body);
      return send(res, 201, s.pipelines.list().find((p) => p.name === body.name) ?? { name: body.name });
    }
    allow(req, ["DELETE"]);
    if (!(await s.pipelines.remove(name))) throw new ApiError("LEDGE_ERR_API_NOT_FOUND", `no running pipeline '${name}' (GET /api/pipelines lists them)`);
    return send(res, 200, { deleted: name });
  }
  if (what === "mqtt" && name === undefined) return (allow(req, ["GET"]), send(res, 200, s.mqtt()));
  if (what === "bridge" && name === undefined) {
    allow(req, ["GET"]);
    const bridge = s.bridge();
    if (!bridge) throw new ApiError("LEDGE_ERR_API_NOT_FOUND", "no bridge is configured (the bridge: section, or ledge start --upstream)");
    return send(res, 200, bridge);
  }
  throw new ApiError("LEDGE_ERR_API_NOT_FOUND", `no route for ${req.method} ${path} (routes: /api/status, /api/topics, /api/groups, /api/pipelines, /api/bridge, /api/mqtt)`);
}

/** Serves one /api request; every failure becomes a JSON error answer. */
export function serveApi(s: AdminSources, req: IncomingMessage, res: ServerResponse, path: string): void {
  const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
  route(s, req, res, path, query).catch((err) => {
    if (err instanceof ApiError && err.allow) res.setHeader("allow", err.allow.join(", "));
    if (err instanceof ApiError && err.code === "LEDGE_ERR_API_BODY_TOO_LARGE") res.setHeader("connection", "close");
    sendError(res, err);
  });
}
