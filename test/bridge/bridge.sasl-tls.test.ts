// bridge.sasl and bridge.tls against ledge upstreams configured with them (listeners.kafka.sasl
// and listeners.kafka.tls): SASL_PLAINTEXT with each mechanism, SSL, and SASL_SSL. An MQTT stream
// at the edge arrives upstream exactly once, in order per partition, as a read_committed kcat
// with the matching security settings reads it. Refusals (a wrong password, a CA that did not
// sign the upstream's certificate, SASL against a listener without it) leave the bridge in state
// 4 with a line naming what to change, ship nothing, and ingest goes on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync, writeFileSync } from "node:fs";
import { kcat } from "../kafka/helpers/kcat.ts";
import { makeTestCa, type TestCerts } from "../helpers/certs.ts";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { bridgeYaml, count, metric, publishSeries, publisher, readTopic, sleep, waitFor } from "./helpers.ts";

const records = 30;
const cleanups: Array<() => Promise<void>> = [];
let ca: TestCerts;
let otherCa: TestCerts;
/** Upstreams by security protocol, as Kafka clients name them. */
const upstream: Record<"SASL_PLAINTEXT" | "SSL" | "SASL_SSL", { process: LedgeProcess; bootstrap: string }> = {} as never;

async function startUpstream(name: keyof typeof upstream, kafkaYaml: string): Promise<void> {
  const dirs = await ledgeDirs(`ledge-up-${name.toLowerCase()}-`, `log: { autoCreateTopics: true }\nlisteners:\n  kafka:\n${kafkaYaml}`);
  cleanups.push(dirs.remove);
  const process = await startLedge(dirs.args);
  cleanups.push(async () => void process.child.kill("SIGKILL"));
  upstream[name] = { process, bootstrap: `127.0.0.1:${process.ports.kafka}` };
}

const saslUsers = "    sasl:\n      users:\n        - { name: edge, password: edge-secret }\n        - { name: reader, password: reader-secret }\n";

beforeAll(async () => {
  ca = await makeTestCa();
  await ca.issue("server", "127.0.0.1", "ca", "IP:127.0.0.1");
  otherCa = await makeTestCa();
  cleanups.push(async () => rmSync(ca.dir, { recursive: true, force: true }), async () => rmSync(otherCa.dir, { recursive: true, force: true }));
  const tls = `    tls: { cert: ${ca.path("server.pem")}, key: ${ca.path("server.key")} }\n`;
  await startUpstream("SASL_PLAINTEXT", saslUsers);
  await startUpstream("SSL", tls);
  await startUpstream("SASL_SSL", saslUsers + tls);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** kcat -X settings of the reader for an upstream. */
function readerSecurity(protocol: keyof typeof upstream, mechanism = "SCRAM-SHA-512"): string[] {
  const x = (kv: string) => ["-X", kv];
  const sasl = [...x(`sasl.mechanisms=${mechanism}`), ...x("sasl.username=reader"), ...x("sasl.password=reader-secret")];
  const ssl = x(`ssl.ca.location=${ca.path("ca.pem")}`);
  return [...x(`security.protocol=${protocol}`), ...(protocol === "SSL" ? ssl : protocol === "SASL_SSL" ? [...sasl, ...ssl] : sasl)];
}

/** Records upstream at read_committed, by partition; an empty map while the topic is not there. */
async function readUpstream(protocol: keyof typeof upstream, topic: string): Promise<Map<string, string[]>> {
  const r = await kcat(["-b", upstream[protocol].bootstrap, ...readerSecurity(protocol), "-C", "-t", topic, "-e", "-q", "-o", "beginning", "-f", "%p\t%k\t%s\t%T\t%h\n", "-X", "isolation.level=read_committed"], undefined, 60_000);
  const out = new Map<string, string[]>();
  if (r.code !== 0) return out;
  for (const line of r.stdout.split("\n")) {
    if (!line) continue;
    const p = line.split("\t")[0];
    (out.get(p) ?? out.set(p, []).get(p)!).push(line);
  }
  return out;
}

/** An edge bridging to `protocol`'s upstream with `extra` bridge keys, and `records` MQTT records published. */
async function edgeWithRecords(name: string, protocol: keyof typeof upstream, extra: string): Promise<{ edge: LedgeProcess; local: Map<string, string[]> }> {
  const dirs = await ledgeDirs(`ledge-edge-${name}-`, bridgeYaml(upstream[protocol].bootstrap, `  prefix: ${name}.\n${extra}`, name));
  cleanups.push(dirs.remove);
  const edge = await startLedge(dirs.args);
  cleanups.push(async () => void edge.child.kill("SIGKILL"));
  const pub = await publisher(edge.ports.mqtt!, `pub-${name}`);
  await publishSeries(pub, 0, records);
  await pub.endAsync();
  const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
  expect(count(local), "ingest at the edge").toBe(records);
  return { edge, local };
}

async function expectShippedExactlyOnce(name: string, protocol: keyof typeof upstream, extra: string): Promise<void> {
  const { edge, local } = await edgeWithRecords(name, protocol, extra);
  let remote = new Map<string, string[]>();
  const arrived = await waitFor(async () => count(remote = await readUpstream(protocol, `${name}.mqtt-messages`)) >= records, 60_000, 500);
  expect(arrived, `upstream has ${count(remote)} of ${records}; edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
  await sleep(1000); // a repeat would show now
  remote = await readUpstream(protocol, `${name}.mqtt-messages`);
  expect(count(remote)).toBe(records);
  for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines);
  expect(await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")).toBe(records);
  edge.child.kill("SIGTERM");
  expect(await edge.exited).toBe(0);
}

/** The bridge refuses to go on: state 4, `line` in its log, nothing shipped, the edge's ingest intact. */
async function expectRefused(name: string, protocol: keyof typeof upstream, extra: string, line: RegExp): Promise<void> {
  const { edge } = await edgeWithRecords(name, protocol, extra);
  const logged = await waitFor(async () => line.test(edge.stderr()), 30_000, 200);
  expect(logged, `edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
  expect(edge.stderr()).toMatch(/state backing-off/);
  // Each retry passes through state 1 (connecting) on its way back to 4.
  const backingOff = () => waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_state")) === 4, 10_000, 20);
  expect(await backingOff()).toBe(true);
  // Retries keep failing the same way, and ingest goes on meanwhile.
  const pub = await publisher(edge.ports.mqtt!, `pub-${name}-more`);
  await publishSeries(pub, records, records + 10);
  await pub.endAsync();
  await sleep(2500);
  expect(count(await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false))).toBe(records + 10);
  expect(await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")).toBe(0);
  expect(await backingOff()).toBe(true);
  expect(await metric(edge.ports.http!, "ledge_bridge_state")).not.toBe(2); // never shipping
  const topics = await kcat(["-b", upstream[protocol].bootstrap, ...readerSecurity(protocol), "-L"], undefined, 30_000);
  expect(topics.code, topics.stderr).toBe(0);
  expect(topics.stdout).not.toContain(`${name}.mqtt-messages`);
  edge.child.kill("SIGTERM");
  expect(await edge.exited).toBe(0);
}

describe("bridge over SASL and TLS to a ledge upstream", () => {
  it.each(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])("SASL_PLAINTEXT with %s: every record once, in order, at read_committed", { timeout: 120_000 }, async (mechanism) => {
    const name = `sasl-${mechanism.toLowerCase()}`;
    await expectShippedExactlyOnce(name, "SASL_PLAINTEXT", `  sasl: { mechanism: ${mechanism}, username: edge, password: edge-secret }\n`);
  });

  it("SSL: the upstream's certificate verified against bridge.tls.ca; every record once, in order", { timeout: 120_000 }, async () => {
    await expectShippedExactlyOnce("tls-only", "SSL", `  tls: { ca: ${ca.path("ca.pem")} }\n`);
  });

  it("SASL_SSL with SCRAM-SHA-256, the password from bridge.sasl.passwordFile: every record once, in order", { timeout: 120_000 }, async () => {
    const passwordFile = ca.path("edge-password");
    writeFileSync(passwordFile, "edge-secret\n");
    await expectShippedExactlyOnce("sasl-ssl", "SASL_SSL", `  tls: { ca: ${ca.path("ca.pem")} }\n  sasl: { mechanism: SCRAM-SHA-256, username: edge, passwordFile: ${passwordFile} }\n`);
  });

  it.each(["PLAIN", "SCRAM-SHA-512"])("a wrong password (%s): state 4, a line naming the keys, nothing shipped, ingest goes on", { timeout: 120_000 }, async (mechanism) => {
    await expectRefused(`bad-pw-${mechanism.toLowerCase()}`, "SASL_PLAINTEXT", `  sasl: { mechanism: ${mechanism}, username: edge, password: not-it }\n`,
      new RegExp(`refused SASL authentication as user 'edge' with ${mechanism}: SASL_AUTHENTICATION_FAILED \\(58\\).*check bridge\\.sasl\\.username and bridge\\.sasl\\.password`));
  });

  it("a CA that did not sign the upstream's certificate: state 4, a line naming bridge.tls.ca", { timeout: 120_000 }, async () => {
    await expectRefused("wrong-ca", "SSL", `  tls: { ca: ${otherCa.path("ca.pem")} }\n`, /TLS: .*set bridge\.tls\.ca to the CA that signed it/);
  });

  it("no bridge.sasl against a SASL listener: state 4, a line saying it offers SASL", { timeout: 120_000 }, async () => {
    await expectRefused("no-sasl", "SASL_PLAINTEXT", "", /connection closed by the broker, answering no \w+; the broker offers SASL: if its listener requires it, set bridge\.sasl/);
  });

  it("no bridge.tls against a TLS listener: state 4, a line saying it speaks TLS", { timeout: 120_000 }, async () => {
    await expectRefused("no-tls", "SSL", "", /connection closed by the broker, answering no ApiVersions; if that port is a TLS listener, set bridge\.tls/);
  });

  it("bridge.sasl against a listener without SASL: state 4, a line saying so", { timeout: 120_000 }, async () => {
    await expectRefused("sasl-to-ssl", "SSL", `  tls: { ca: ${ca.path("ca.pem")} }\n  sasl: { mechanism: PLAIN, username: edge, password: edge-secret }\n`, /offers no SASL .*bridge\.sasl is set: remove it/);
  });
});
