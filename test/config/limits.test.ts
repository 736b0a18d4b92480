// Every limit in the config schema has a test that crosses it (STYLE.md habit 7: a bound on
// everything fed by the network, and a test that going past it gives a typed error or
// backpressure, never growth). The limits are found by walking the schema as the code reads it
// (./schema-walk.ts): every key ending in Max or Min, starting with max, or under a `limits`
// section. A limit added without a row here fails; so does a row whose test is gone.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { deprecatedKeys } from "../../runtime/config/deprecated-keys.ts";
import { schemaKeys } from "./schema-walk.ts";

/** Limit key → the test file (under test/) and the title of the test that crosses it. */
const limitTests: Record<string, [file: string, title: string]> = {
  "storage.maxBytes": ["log/retention.test.ts", "reject refuses appends with STORAGE_FULL, keeps stored data, and accepts again once space is freed"],
  "storage.commitInflightCountMax": ["log/pipelining.test.ts", "by default (storage.commitInflightCountMax 1) waits for the running commit and issues one transaction after it"],
  "storage.appendQueueBytesMax": ["log/append-read.test.ts", "callers past storage.appendQueueBytesMax wait for room (backpressure), then all commit in order"],
  "storage.transactionBytesMax": ["log/append-read.test.ts", "no transaction takes more append bytes than the bound; a larger batch commits alone"],
  "log.waiterCountPerPartitionMax": ["log/waiting-reads.test.ts", "parks at most that many readers on a partition; one more is refused at once, and the set never grows"],
  "log.topicCountMax": ["hardening/auto-create.test.ts", "topicCountMax and partitionCountMax: CreateTopics (kafkajs) and auto-creation past the totals get POLICY_VIOLATION"],
  "log.partitionCountMax": ["hardening/auto-create.test.ts", "topicCountMax and partitionCountMax: CreateTopics (kafkajs) and auto-creation past the totals get POLICY_VIOLATION"],
  "log.autoCreateTopicCountPerRequestMax": ["hardening/auto-create.test.ts", "autoCreateTopicCountPerRequestMax: a Metadata v0 request naming 100,000 topics creates only the bound; the rest get POLICY_VIOLATION"],
  "log.autoCreateTopicCountPerMinuteMax": ["hardening/auto-create.test.ts", "autoCreateTopicCountPerMinuteMax: creations past the minute's budget get THROTTLING_QUOTA_EXCEEDED (89)"],
  "listeners.kafka.maxRequestBytes": ["kafka/framing.test.ts", "size above listeners.kafka.maxRequestBytes, before buffering the body"],
  "listeners.kafka.inflightCountMax": ["kafka/fetch.test.ts", "inflightCountMax: a pipelining client cannot make ledge read more than the bound; all are answered in order"],
  "listeners.kafka.fetchBytesMax": ["kafka/fetch.test.ts", "fetchBytesMax caps a Fetch answer below the client's max_bytes (after the first whole batch)"],
  "listeners.kafka.connectionCountMax": ["kafka/framing.test.ts", "refuses connections past the bound with a log line; the open ones keep working"],
  "listeners.kafka.connectionIdleMsMax": ["kafka/framing.test.ts", "closes a silent connection with a log line; an active one stays"],
  "listeners.kafka.handshakeMsMax": ["hardening/connection-slots.test.ts", "closes a connection that sends no complete request in time; a client that does stays"],
  "listeners.kafka.requestReadMsMax": ["hardening/connection-slots.test.ts", "closes a connection whose request trickles in a byte at a time"],
  "listeners.kafka.connectionCountPerAddressMax": ["hardening/connection-slots.test.ts", "refuses a host's connections past its bound with a log line; its open ones keep working"],
  "listeners.mqtt.connectionCountPerAddressMax": ["hardening/connection-slots.test.ts", "listeners.http.connectionCountMax and connectionCountPerAddressMax; listeners.mqtt.connectionCountPerAddressMax"],
  "listeners.http.connectionCountPerAddressMax": ["hardening/connection-slots.test.ts", "listeners.http.connectionCountMax and connectionCountPerAddressMax; listeners.mqtt.connectionCountPerAddressMax"],
  "listeners.http.connectionCountMax": ["hardening/connection-slots.test.ts", "listeners.http.connectionCountMax and connectionCountPerAddressMax; listeners.mqtt.connectionCountPerAddressMax"],
  "groups.groupCountMax": ["kafka/groups.coordinator.test.ts", "groups past groupCountMax → COORDINATOR_NOT_AVAILABLE (15)"],
  "groups.memberCountMax": ["kafka/groups.coordinator.test.ts", "members past memberCountMax → GROUP_MAX_SIZE_REACHED (81)"],
  "groups.sessionTimeoutMsMin": ["kafka/groups.coordinator.test.ts", "session timeout outside the allowed range → INVALID_SESSION_TIMEOUT (26)"],
  "groups.sessionTimeoutMsMax": ["kafka/groups.coordinator.test.ts", "session timeout outside the allowed range → INVALID_SESSION_TIMEOUT (26)"],
  "groups.offsetMetadataBytesMax": ["kafka/groups.coordinator.test.ts", "big metadata → 12"],
  "transactions.timeoutMsMax": ["transactions/coordinator.test.ts", "timeoutMsMax: a longer transaction timeout -> INVALID_TRANSACTION_TIMEOUT (50)"],
  "transactions.openCountMax": ["transactions/coordinator.test.ts", "openCountMax: a transaction past the bound waits with CONCURRENT_TRANSACTIONS (51), then begins once one ends"],
  "transactions.partitionCountMax": ["transactions/coordinator.test.ts", "partitionCountMax: a fourth partition in one transaction -> POLICY_VIOLATION (44)"],
  "transactions.offsetCountMax": ["transactions/coordinator.test.ts", "offsetCountMax: more pending offsets than the bound -> POLICY_VIOLATION (44)"],
  "transactions.idCountMax": ["transactions/coordinator.test.ts", "idCountMax: a new transactional id past the bound -> THROTTLING_QUOTA_EXCEEDED (89); known ids go on"],
  "mqtt.limits.connectTimeoutMs": ["mqtt/limits.test.ts", "connectTimeoutMs: a socket that never sends CONNECT is closed"],
  "mqtt.limits.connectionCountMax": ["mqtt/limits.test.ts", "connectionCountMax: the connection over the limit gets CONNACK 0x97 (5) / 3 (3.1.1)"],
  "mqtt.limits.packetBytesMax": ["mqtt/malformed.test.ts", "a remaining length over mqtt.limits.packetBytesMax closes before the body is buffered"],
  "mqtt.limits.inflightCountMax": ["mqtt/mqtt5.test.ts", "a client past our Receive Maximum gets 0x93 [MQTT-3.3.4-9]; others continue"],
  "mqtt.limits.queuedCountMax": ["mqtt/session.test.ts", "bound the queue of retained messages sent on SUBSCRIBE by mqtt.limits.queuedCountMax, counting the drops"],
  "mqtt.limits.sessionLagBytesMax": ["mqtt/cursors.test.ts", "mqtt.limits.sessionLagBytesMax: a session further behind skips ahead to the newest it allows, counting what it skips"],
  "mqtt.limits.sessionLagMsMax": ["mqtt/cursors.test.ts", "mqtt.limits.sessionLagMsMax: a session skips records older than the limit, counting and logging them"],
  "mqtt.limits.publishCountPerSecondMax": ["mqtt/limits.test.ts", "publishCountPerSecondMax: 0x96 Message rate too high for the flooder only"],
  "mqtt.limits.topicLevelCountMax": ["mqtt/limits.test.ts", "topicLevelCountMax: a deeper topic is refused with 0x90"],
  "mqtt.limits.topicBytesMax": ["mqtt/limits.test.ts", "PUBLISH: a topic at the bound is stored; one over is DISCONNECT 0x90"],
  "mqtt.limits.keepAliveSecondsMax": ["mqtt/connect.test.ts", "MQTT 5 keep alive above keepAliveSecondsMax is lowered via Server Keep Alive"],
  "mqtt.limits.sessionExpirySecondsMax": ["mqtt/limits.test.ts", "MQTT 5: a longer Session Expiry Interval is capped, the client is told in CONNACK"],
  "mqtt.limits.sessionCountMax": ["mqtt/limits.test.ts", "sessionCountMax: a new session past the bound is refused with 0x97; an existing one may resume"],
  "mqtt.limits.subscriptionCountPerClientMax": ["mqtt/limits.test.ts", "subscriptionCountPerClientMax: SUBACK 0x97 for the filter past the bound"],
  "mqtt.limits.topicAliasCountMax": ["mqtt/mqtt5.test.ts", "topicAliasCountMax: an alias above the bound is DISCONNECT 0x94"],
  "mqtt.limits.retainedCountMax": ["mqtt/limits.test.ts", "past the bound a retained PUBLISH is acknowledged and delivered, not retained"],
  "mqtt.limits.batchCountMax": ["mqtt/ingest-batches.test.ts", "batchCountMax: a burst of 60 small messages is stored in batches of at most 7 records, the bound reached"],
  "mqtt.limits.batchBytesMax": ["mqtt/ingest-batches.test.ts", "batchBytesMax: a burst of 30 messages of 1 KB is stored in batches of at most 4 KiB"],
  "mqtt.limits.ingestPendingCountMax": ["mqtt/publish.test.ts", "holds at most mqtt.limits.ingestPendingCountMax messages that are not yet durable; reading pauses meanwhile"],
  "mqtt.limits.writeBufferBytesMax": ["mqtt/limits.test.ts", "QoS 0: deliveries past the socket backlog wait in the log (none dropped, none queued)"],
  "mqtt.bridgeFrom[].inflightCountMax": ["mqtt/bridge-from.unit.test.ts", "stops reading at inflightCountMax messages waiting, and resumes when they are durable"],
  "mqtt.bridgeFrom[].upstreamInflightCountMax": ["mqtt/bridge-from.unit.test.ts", "upstreamInflightCountMax: Mosquitto sends no more un-acked messages than it, then the rest as acks go out"],
  "pipelines[].openWindowCountMax": ["pipelines/window-engine.test.ts", "openWindowCountMax: a record that would open one window more per partition is dead-lettered; the open ones go on"],
  "bridge.transactionBytesMax": ["bridge/bridge.limits.test.ts", "transactionBytesMax: no upstream transaction carries more than the bound plus its last batch"],
  "bridge.transactionMsMax": ["bridge/bridge.limits.test.ts", "transactionMsMax: a rate-capped backlog far under transactionBytesMax is committed in many short transactions"],
  "bridge.memoryBytesMax": ["bridge/bridge.limits.test.ts", "memoryBytesMax: with a 64 KiB read buffer, batches larger than it still ship"],
  "bridge.backoffMsMin": ["bridge/bridge.limits.test.ts", "backoffMsMin/backoffMsMax: retry delays double from the minimum and stay within the maximum"],
  "bridge.backoffMsMax": ["bridge/bridge.limits.test.ts", "backoffMsMin/backoffMsMax: retry delays double from the minimum and stay within the maximum"],
};

/** Limits of the bridge (#12, still open) that no test crosses yet: listed by name so the gap is
 * visible, and so any other new limit without a test still fails below. */
const bridgeLimitsWithoutTest: string[] = [];

const isLimit = (path: string) => /(Max|Min)$/.test(path) || /(^|\.)max[A-Z][a-zA-Z]*$/.test(path) || /(^|\.)limits\./.test(path);

const testFile = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), "utf8");

/** The key's own name and every older spelling still accepted for it. */
function spellings(path: string): string[] {
  const name = (p: string) => p.slice(p.lastIndexOf(".") + 1);
  return [name(path), ...deprecatedKeys.filter(([, now]) => now === path).map(([old]) => name(old))];
}

describe("every config limit is crossed by a test", () => {
  const limits = schemaKeys().map((k) => k.path).filter(isLimit);

  it("the schema walk finds the limits of every section", () => {
    for (const path of ["storage.maxBytes", "listeners.kafka.connectionCountMax", "groups.memberCountMax", "mqtt.limits.topicBytesMax", "mqtt.bridgeFrom[].inflightCountMax"]) {
      expect(limits).toContain(path);
    }
  });

  it("the table lists exactly the schema's limits", () => {
    expect([...new Set(limits)].sort()).toEqual([...Object.keys(limitTests), ...bridgeLimitsWithoutTest].sort());
  });

  it("only bridge limits may wait for a test, and only ones the schema has", () => {
    for (const path of bridgeLimitsWithoutTest) {
      expect(path.startsWith("bridge.")).toBe(true);
      expect(limits).toContain(path);
      expect(limitTests[path]).toBeUndefined();
    }
  });

  for (const [path, [file, title]] of Object.entries(limitTests)) {
    it(`${path}: ${file} has the test, and it sets or names the limit`, () => {
      const source = testFile(file);
      expect(source, `no test titled "${title}…" in test/${file}`).toContain(title);
      expect(spellings(path).some((s) => source.includes(s)), `test/${file} never mentions ${spellings(path).join(" or ")}`).toBe(true);
    });
  }
});
