// The client commands: `ledge status | topics | groups | produce | consume` reach a running ledge
// through its admin API (gateways/http/api.ts) at --http URL (default $LEDGE_HTTP, else
// http://127.0.0.1:8080), with --token (default $LEDGE_TOKEN) when listeners.http.token is set.
// Human output by default, --json for scripts. Exit 0 done, 1 the server refused (its error
// printed), 2 a usage mistake or no ledge to reach.
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

const DEFAULT_HTTP = "http://127.0.0.1:8080";
/** Records per produce request, within the API's 64 KiB body. */
const PRODUCE_BATCH_RECORDS = 500;
const PRODUCE_BATCH_BYTES = 48 * 1024;
const FOLLOW_POLL_MS = 200;

export const clientUsage: Record<string, string> = {
  status: "ledge status [--json]                      topics, MQTT clients, groups' lag and the bridge at a glance",
  topics: "ledge topics list | describe NAME | create NAME [--partitions N] [--config k=v ...] | delete NAME [--json]",
  groups: "ledge groups list | describe NAME [--json]",
  pipelines: "ledge pipelines list | create FILE | delete NAME [--json]   FILE: YAML, one pipeline or pipelines: [...]",
  produce: "ledge produce TOPIC [--key K] [--partition P] [--json]   one record per stdin line, each acknowledged",
  consume: "ledge consume TOPIC [--from-beginning] [--group G] [--max N] [--partition P] [--json]",
};
const common = "common: --http URL (default $LEDGE_HTTP or http://127.0.0.1:8080), --token T (default $LEDGE_TOKEN), --help";

class UsageError extends Error {}
class Refused extends Error {}

interface Conn {
  base: string;
  token: string | undefined;
}

async function call<T>(c: Conn, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${c.base}${path}`, {
      method,
      headers: { ...(c.token ? { authorization: `Bearer ${c.token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new UsageError(`cannot reach ledge at ${c.base} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}); is it running? set --http or $LEDGE_HTTP`);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new Refused(`${c.base}${path} answered ${res.status} with something that is not JSON; is --http pointing at ledge's HTTP port?`);
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new Refused(`${e?.message ?? `HTTP ${res.status}`}${e?.code ? ` (${e.code})` : ""}`);
  }
  return parsed as T;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const num = (n: number) => n.toLocaleString("en-US");
const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`);

function table(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out(r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}

interface TopicView {
  name: string;
  partitionCount: number;
  records: number;
  storedBytes: number;
  config: Record<string, string>;
  partitions: Array<{ partition: number; logStartOffset: number; highWatermark: number; records: number; storedBytes: number }>;
}
interface GroupView {
  groupId: string;
  state: string;
  members: Array<{ memberId: string; clientId: string; clientHost: string }> | number;
  lag: number;
  offsets?: Array<{ topic: string; partition: number; offset: number; highWatermark: number | null; lag: number | null }>;
}

async function status(c: Conn, json: boolean): Promise<void> {
  const s = await call<{ uptimeS: number; topics: number; partitions: number; records: number; storedBytes: number; groups: GroupView[]; pipelines: PipelineView[]; bridge: Record<string, unknown> | null; mqtt: { connections: number; sessions: number } }>(c, "GET", "/api/status");
  if (json) return out(JSON.stringify(s));
  out(`ledge at ${c.base}, up ${s.uptimeS} s: ${s.topics} topics, ${s.partitions} partitions, ${num(s.records)} records, ${size(s.storedBytes)} stored`);
  out(`mqtt: ${num(s.mqtt.connections)} connections, ${num(s.mqtt.sessions)} sessions`);
  for (const g of s.groups) out(`group ${g.groupId}: ${g.state}, ${g.members} members, lag ${num(g.lag)}`);
  for (const p of s.pipelines) out(`pipeline ${p.name}: ${p.from} -> ${p.to}, watermark ${watermark(p.watermarkMs)}`);
  const b = s.bridge;
  if (b) out(`bridge to ${b.upstream}: ${b.state}${b.detail ? ` (${b.detail})` : ""}, lag ${num(b.lagRecords as number)} records / ${size(b.lagBytes as number)} / ${b.lagSeconds} s${b.lastError ? `; last error: ${b.lastError}` : ""}`);
  else out("bridge: not configured");
}

function configPairs(list: string[] | undefined): Record<string, string> {
  const config: Record<string, string> = {};
  for (const kv of list ?? []) {
    const at = kv.indexOf("=");
    if (at <= 0) throw new UsageError(`--config takes key=value (e.g. retention.ms=86400000); found ${JSON.stringify(kv)}`);
    config[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return config;
}

async function topics(c: Conn, args: string[], v: { json: boolean; partitions?: string; config?: string[] }): Promise<void> {
  const [action, name] = args;
  const topicPath = () => {
    if (!name) throw new UsageError(`ledge topics ${action} needs a topic name`);
    return `/api/topics/${encodeURIComponent(name)}`;
  };
  if (action === "list" || action === undefined) {
    const list = await call<TopicView[]>(c, "GET", "/api/topics");
    if (v.json) return out(JSON.stringify(list));
    table([["TOPIC", "PARTITIONS", "RECORDS", "STORED"], ...list.map((t) => [t.name, String(t.partitionCount), num(t.records), size(t.storedBytes)])]);
  } else if (action === "describe") {
    const t = await call<TopicView>(c, "GET", topicPath());
    if (v.json) return out(JSON.stringify(t));
    out(`topic ${t.name}: ${t.partitionCount} partitions, ${num(t.records)} records, ${size(t.storedBytes)}`);
    table([["PARTITION", "LOG START", "HIGH WATERMARK", "RECORDS", "STORED"], ...t.partitions.map((p) => [String(p.partition), String(p.logStartOffset), String(p.highWatermark), num(p.records), size(p.storedBytes)])]);
    for (const [k, val] of Object.entries(t.config)) out(`  ${k}=${val}`);
  } else if (action === "create") {
    const partitions = v.partitions === undefined ? undefined : Number(v.partitions);
    if (partitions !== undefined && !Number.isInteger(partitions)) throw new UsageError(`--partitions takes a whole number; found ${v.partitions}`);
    if (!name) throw new UsageError("ledge topics create needs a topic name");
    const t = await call<TopicView>(c, "POST", "/api/topics", { name, partitions, config: configPairs(v.config) });
    if (v.json) return out(JSON.stringify(t));
    out(`created topic ${t.name} with ${t.partitionCount} partitions`);
  } else if (action === "delete") {
    const r = await call<{ deleted: string }>(c, "DELETE", topicPath());
    if (v.json) return out(JSON.stringify(r));
    out(`deleted topic ${r.deleted}`);
  } else {
    throw new UsageError(`unknown topics action ${JSON.stringify(action)}`);
  }
}

async function groups(c: Conn, args: string[], json: boolean): Promise<void> {
  const [action, name] = args;
  if (action === "list" || action === undefined) {
    const list = await call<GroupView[]>(c, "GET", "/api/groups");
    if (json) return out(JSON.stringify(list));
    table([["GROUP", "STATE", "MEMBERS", "LAG"], ...list.map((g) => [g.groupId, g.state, String(Array.isArray(g.members) ? g.members.length : g.members), num(g.lag)])]);
  } else if (action === "describe") {
    if (!name) throw new UsageError("ledge groups describe needs a group name");
    const g = await call<GroupView>(c, "GET", `/api/groups/${encodeURIComponent(name)}`);
    if (json) return out(JSON.stringify(g));
    out(`group ${g.groupId}: ${g.state}, lag ${num(g.lag)}`);
    for (const m of Array.isArray(g.members) ? g.members : []) out(`  member ${m.clientId} from ${m.clientHost} (${m.memberId})`);
    table([["TOPIC", "PARTITION", "COMMITTED", "HIGH WATERMARK", "LAG"], ...(g.offsets ?? []).map((o) => [o.topic, String(o.partition), String(o.offset), String(o.highWatermark ?? "-"), o.lag === null ? "-" : num(o.lag)])]);
  } else {
    throw new UsageError(`unknown groups action ${JSON.stringify(action)}`);
  }
}

interface PipelineView {
  name: string;
  from: string;
  to: string;
  watermarkMs: number;
}

const watermark = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : "none yet");

async function pipelines(c: Conn, args: string[], json: boolean): Promise<void> {
  const [action, arg] = args;
  if (action === "list" || action === undefined) {
    const list = await call<PipelineView[]>(c, "GET", "/api/pipelines");
    if (json) return out(JSON.stringify(list));
    table([["PIPELINE", "FROM", "TO", "WATERMARK"], ...list.map((p) => [p.name, p.from, p.to, watermark(p.watermarkMs)])]);
  } else if (action === "create") {
    if (!arg) throw new UsageError("ledge pipelines create needs a YAML file");
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(arg, "utf8"));
    } catch (err) {
      throw new UsageError(`cannot read ${arg} as YAML (${(err as Error).message.split("\n")[0]})`);
    }
    const list = doc && typeof doc === "object" && "pipelines" in doc ? (doc as { pipelines: unknown }).pipelines : [doc];
    if (!Array.isArray(list)) throw new UsageError(`${arg}: pipelines must be a list`);
    for (const p of list) {
      const made = await call<PipelineView>(c, "POST", "/api/pipelines", p);
      out(json ? JSON.stringify(made) : `created pipeline ${made.name}: ${made.from} -> ${made.to}`);
    }
  } else if (action === "delete") {
    if (!arg) throw new UsageError("ledge pipelines delete needs a pipeline name");
    const r = await call<{ deleted: string }>(c, "DELETE", `/api/pipelines/${encodeURIComponent(arg)}`);
    out(json ? JSON.stringify(r) : `deleted pipeline ${r.deleted}`);
  } else {
    throw new UsageError(`unknown pipelines action ${JSON.stringify(action)}`);
  }
}

async function produce(c: Conn, topic: string | undefined, v: { json: boolean; key?: string; partition?: string }): Promise<void> {
  if (!topic) throw new UsageError("ledge produce needs a topic");
  const partition = v.partition === undefined ? undefined : Number(v.partition);
  let pending: Array<Record<string, unknown>> = [];
  let pendingBytes = 0;
  let produced = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const r = await call<{ offsets: Array<{ partition: number; offset: number }> }>(c, "POST", `/api/topics/${encodeURIComponent(topic)}/records`, { records: pending });
    produced += pending.length;
    if (v.json) for (const o of r.offsets) out(JSON.stringify({ topic, ...o }));
    pending = [];
    pendingBytes = 0;
  };
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    pending.push({ key: v.key ?? null, value: line, ...(partition === undefined ? {} : { partition }) });
    pendingBytes += Buffer.byteLength(line) + 64;
    if (pending.length >= PRODUCE_BATCH_RECORDS || pendingBytes >= PRODUCE_BATCH_BYTES) await flush();
  }
  await flush();
  if (!v.json) process.stderr.write(`produced ${num(produced)} records to ${topic}, each acknowledged as durable\n`);
}

async function consume(c: Conn, topic: string | undefined, v: { json: boolean; group?: string; max?: string; partition?: string; "from-beginning": boolean }): Promise<void> {
  if (!topic) throw new UsageError("ledge consume needs a topic");
  const max = v.max === undefined ? Infinity : Number(v.max);
  if (!(max > 0)) throw new UsageError(`--max takes a positive number; found ${v.max}`);
  const t = await call<TopicView>(c, "GET", `/api/topics/${encodeURIComponent(topic)}`);
  const committed = new Map<number, number>();
  if (v.group) {
    const g = await call<GroupView>(c, "GET", `/api/groups/${encodeURIComponent(v.group)}`).catch((err) => {
      if (err instanceof Refused && err.message.includes("LEDGE_ERR_API_NOT_FOUND")) return null; // a new group
      throw err;
    });
    for (const o of g?.offsets ?? []) if (o.topic === topic) committed.set(o.partition, o.offset);
  }
  const partitions = v.partition === undefined ? t.partitions : t.partitions.filter((p) => p.partition === Number(v.partition));
  if (partitions.length === 0) throw new UsageError(`topic ${topic} has no partition ${v.partition}`);
  const next = new Map(partitions.map((p) => [p.partition, committed.get(p.partition) ?? (v["from-beginning"] ? p.logStartOffset : p.highWatermark)]));
  let seen = 0;
  for (;;) {
    let progressed = false;
    for (const [partition, offset] of next) {
      if (seen >= max) break;
      const limit = Math.min(max - seen, 1000);
      const page = await call<{ records: Array<Record<string, unknown>>; nextOffset: number }>(c, "GET", `/api/topics/${encodeURIComponent(topic)}/records?partition=${partition}&offset=${offset}&limit=${limit}`);
      for (const r of page.records) out(v.json ? JSON.stringify({ topic, ...r }) : String(r.value ?? r.valueBase64 ?? ""));
      seen += page.records.length;
      if (page.nextOffset !== offset) {
        progressed = true;
        next.set(partition, page.nextOffset);
        if (v.group) await call(c, "POST", `/api/groups/${encodeURIComponent(v.group)}/offsets`, { offsets: [{ topic, partition, offset: page.nextOffset }] });
      }
    }
    if (seen >= max) return;
    if (!progressed) await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

/** Runs one client command; returns the exit code. */
export async function clientCommand(command: string, argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        http: { type: "string" }, token: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false },
        partitions: { type: "string" }, config: { type: "string", multiple: true }, key: { type: "string" }, partition: { type: "string" },
        group: { type: "string" }, max: { type: "string" }, "from-beginning": { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`ledge ${command}: ${(err as Error).message}\nusage: ${clientUsage[command]}\n${common}\n`);
    return 2;
  }
  if (values.help) {
    out(`usage: ${clientUsage[command]}\n${common}`);
    return 0;
  }
  const c: Conn = { base: (values.http ?? process.env.LEDGE_HTTP ?? DEFAULT_HTTP).replace(/\/$/, ""), token: values.token ?? process.env.LEDGE_TOKEN };
  try {
    if (command === "status") await status(c, values.json);
    else if (command === "topics") await topics(c, positionals, values);
    else if (command === "groups") await groups(c, positionals, values.json);
    else if (command === "pipelines") await pipelines(c, positionals, values.json);
    else if (command === "produce") await produce(c, positionals[0], values);
    else await consume(c, positionals[0], values);
    return 0;
  } catch (err) {
    if (err instanceof Refused) {
      process.stderr.write(`ledge ${command}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ledge ${command}: ${err.message}\nusage: ${clientUsage[command]}\n`);
      return 2;
    }
    throw err;
  }
}
