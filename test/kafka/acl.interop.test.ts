// Kafka ACLs (listeners.kafka.sasl.acls) against real clients, kcat (librdkafka 2.0.2) and
// kafkajs 2.2, over SASL on 127.0.0.1: a user allowed the `sensors.` prefix reads and writes
// those topics and nothing else, cannot create or delete topics, cannot join another team's
// group, cannot use a transactional id it was not given; deny wins over allow; DescribeAcls
// answers operators only. Each refusal is Kafka's code, per topic or partition where the
// response has them, while the rest of the request succeeds.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } from "kafkajs";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { kcat } from "./helpers/kcat.ts";

let ledge: TestLedge;
const users = ["alice", "bob", "admin", "mallory"].map((name) => ({ name, password: `${name}-secret` }));

beforeAll(async () => {
  ledge = await startTestLedge({
    sasl: {
      users,
      acls: [
        { principal: "User:alice", resourceType: "topic", resourceName: "sensors.", patternType: "prefixed", operations: ["READ", "WRITE"] },
        { principal: "User:alice", resourceType: "topic", resourceName: "sensors.secret", operations: ["READ"], permission: "deny" },
        { principal: "User:alice", resourceType: "group", resourceName: "sensors-", patternType: "prefixed", operations: ["READ"] },
        { principal: "User:alice", resourceType: "transactional-id", resourceName: "sensors-tx", operations: ["WRITE"] },
        { principal: "User:bob", resourceType: "topic", resourceName: "billing.", patternType: "prefixed", operations: ["ALL"] },
        { principal: "User:bob", resourceType: "group", resourceName: "billing-", patternType: "prefixed", operations: ["READ"] },
        { principal: "User:admin", resourceType: "cluster", operations: ["ALL"] },
        { principal: "User:admin", resourceType: "topic", resourceName: "*", operations: ["ALL"] },
      ],
    },
  }, { topics: [{ name: "sensors.temp", partitions: 1 }, { name: "sensors.secret", partitions: 1 }, { name: "billing.invoices", partitions: 1 }] });
});
afterAll(async () => {
  await ledge?.close();
});

const sasl = (user: string) => ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", `sasl.username=${user}`, "-X", `sasl.password=${user}-secret`];
const broker = () => ["-b", `127.0.0.1:${ledge.port}`];
const kafka = (user: string) => new Kafka({
  brokers: [`127.0.0.1:${ledge.port}`], clientId: `acl-${user}`, logLevel: logLevel.NOTHING, retry: { retries: 0 },
  sasl: { mechanism: "plain", username: user, password: `${user}-secret` },
});

/** A kafkajs client whose debug log's error types are kept: kafkajs wraps some broker codes
 * (FindCoordinator's) in its own "could not find" errors and names the code only there. */
function watchedKafka(user: string): { kafka: Kafka; errors: string[] } {
  const errors: string[] = [];
  const k = new Kafka({
    brokers: [`127.0.0.1:${ledge.port}`], clientId: `acl-${user}`, logLevel: logLevel.DEBUG, retry: { retries: 0 },
    sasl: { mechanism: "plain", username: user, password: `${user}-secret` },
    logCreator: () => ({ log }) => {
      const type = (log.error as { type?: string } | undefined)?.type;
      if (type) errors.push(type);
    },
  });
  return { kafka: k, errors };
}

/** What a kafkajs call failed with: its error type(s), however kafkajs wraps them. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { type?: string; message: string; errors?: { type?: string }[]; cause?: { type?: string } };
    return [e.type, e.cause?.type, ...(e.errors ?? []).map((x) => x.type), e.message].filter(Boolean).join(" ");
  }
  return "succeeded";
}

async function rawAs(user: string): Promise<RawKafkaClient> {
  const c = await RawKafkaClient.open(ledge.port);
  expect((await c.request(17, 1, { mechanism: "PLAIN" })).body.errorCode).toBe(0);
  expect((await c.request(36, 1, { authBytes: Buffer.from(`\u0000${user}\u0000${user}-secret`) })).body.errorCode).toBe(0);
  return c;
}

describe("kcat as a user allowed the sensors. prefix", () => {
  it("produces to and consumes from sensors.temp", async () => {
    const p = await kcat([...broker(), ...sasl("alice"), "-P", "-t", "sensors.temp", "-p", "0"], "reading-1\n");
    expect(p.stderr).not.toMatch(/ERROR|failed/i);
    const c = await kcat([...broker(), ...sasl("alice"), "-C", "-t", "sensors.temp", "-p", "0", "-o", "beginning", "-e"]);
    expect(c.stdout).toContain("reading-1");
  });

  it("Metadata lists the sensors. topics only", async () => {
    const l = await kcat([...broker(), ...sasl("alice"), "-L"]);
    expect(l.stdout).toContain('topic "sensors.temp"');
    expect(l.stdout).toContain('topic "sensors.secret"');
    expect(l.stdout).not.toContain("billing.invoices");
    const all = await kcat([...broker(), ...sasl("admin"), "-L"]);
    expect(all.stdout).toContain('topic "billing.invoices"');
  });

  it("producing to another team's topic fails with Topic authorization failed, and nothing is stored", async () => {
    const p = await kcat([...broker(), ...sasl("alice"), "-P", "-t", "billing.invoices", "-p", "0"], "forged\n");
    expect(p.stderr).toMatch(/Topic authorization failed/i);
    expect((await ledge.log.partitionState("billing.invoices", 0))!.highWatermark).toBe(0);
  });

  it("consuming another team's topic fails with Topic authorization failed", async () => {
    const c = await kcat([...broker(), ...sasl("alice"), "-C", "-t", "billing.invoices", "-p", "0", "-o", "beginning", "-e"]);
    expect(c.stderr).toMatch(/Topic authorization failed/i);
  });

  it("a deny rule wins over the prefix's allow: sensors.secret is writable but not readable", async () => {
    const p = await kcat([...broker(), ...sasl("alice"), "-P", "-t", "sensors.secret", "-p", "0"], "s1\n");
    expect(p.stderr).not.toMatch(/ERROR|failed/i);
    const c = await kcat([...broker(), ...sasl("alice"), "-C", "-t", "sensors.secret", "-p", "0", "-o", "beginning", "-e"]);
    expect(c.stderr).toMatch(/Topic authorization failed/i);
    expect(c.stdout).not.toContain("s1");
  });
});

describe("kcat groups", () => {
  it("kcat -G in another team's group is refused: Not authorized to access group", async () => {
    const g = await kcat([...broker(), ...sasl("alice"), "-G", "billing-app", "sensors.temp", "-e"], undefined, 8_000);
    expect(g.stderr).toMatch(/Not authorized to access group: billing-app/);
    expect(g.stdout).toBe("");
  });
});

describe("kafkajs as a user allowed the sensors. prefix", () => {
  it("cannot create topics (TOPIC_AUTHORIZATION_FAILED), not even under its prefix; admin can", async () => {
    const admin = kafka("alice").admin();
    await admin.connect();
    try {
      expect(await failure(admin.createTopics({ topics: [{ topic: "sensors.new", numPartitions: 1 }] }))).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
      expect(await ledge.log.describeTopic("sensors.new")).toBeFalsy();
    } finally {
      await admin.disconnect();
    }
    const root = kafka("admin").admin();
    await root.connect();
    expect(await root.createTopics({ topics: [{ topic: "ops.created", numPartitions: 1 }] })).toBe(true);
    await root.disconnect();
  });

  it("cannot delete topics (TOPIC_AUTHORIZATION_FAILED); the topic stays", async () => {
    const admin = kafka("alice").admin();
    await admin.connect();
    try {
      expect(await failure(admin.deleteTopics({ topics: ["sensors.temp"] }))).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
      expect(await ledge.log.describeTopic("sensors.temp")).toBeTruthy();
    } finally {
      await admin.disconnect();
    }
  });

  it("consumes in its own group, and cannot join another team's group (GROUP_AUTHORIZATION_FAILED)", async () => {
    const k = kafka("alice");
    const own = k.consumer({ groupId: "sensors-app", retry: { retries: 0 } });
    await own.connect();
    await own.subscribe({ topic: "sensors.temp", fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no message within 20 s")), 20_000);
      void own.run({ eachMessage: async ({ message }) => {
        seen.push(String(message.value));
        clearTimeout(timer);
        resolve();
      } });
    });
    await own.disconnect();
    expect(seen).toContain("reading-1");

    const watched = watchedKafka("alice");
    const other = watched.kafka.consumer({ groupId: "billing-app", retry: { retries: 0 } });
    const crashed = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the consumer did not crash within 20 s")), 20_000);
      other.on(other.events.CRASH, (e) => {
        clearTimeout(timer);
        resolve(e.payload.error.message);
      });
    });
    await other.connect();
    await other.subscribe({ topic: "sensors.temp", fromBeginning: true });
    await other.run({ eachMessage: async () => {} });
    expect(await crashed).toMatch(/group coordinator/);
    await other.disconnect();
    expect(watched.errors).toContain("GROUP_AUTHORIZATION_FAILED");
  });

  it("a transactional producer without the transactional id's WRITE gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED; with it, commits", async () => {
    const k = kafka("alice");
    const watched = watchedKafka("alice");
    const denied = watched.kafka.producer({ transactionalId: "billing-tx", idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await denied.connect();
    // As against Kafka: FindCoordinator for the id is refused first (kafkajs words it as a
    // coordinator it could not find; the broker's code is in its debug log).
    expect(await failure(denied.transaction())).toMatch(/coordinator/);
    await denied.disconnect();
    expect(watched.errors).toContain("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    // InitProducerId itself, asked directly, says the same.
    const c = await rawAs("alice");
    expect((await c.request(22, 1, { transactionalId: "billing-tx", transactionTimeoutMs: 60_000 })).body.errorCode).toBe(53);
    c.destroy();

    const allowed = k.producer({ transactionalId: "sensors-tx", idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
    await allowed.connect();
    const txn = await allowed.transaction();
    await txn.send({ topic: "sensors.temp", messages: [{ value: "in-txn" }] });
    await txn.commit();
    // The id's WRITE does not reach other teams' topics: AddPartitionsToTxn is refused per topic.
    const txn2 = await allowed.transaction();
    expect(await failure(txn2.send({ topic: "billing.invoices", messages: [{ value: "x" }] }))).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    await txn2.abort().catch(() => {});
    await allowed.disconnect();
  });

  it("DescribeAcls (admin.describeAcls): operators get the matching rules; others CLUSTER_AUTHORIZATION_FAILED", async () => {
    const filter = {
      resourceType: AclResourceTypes.TOPIC, resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY, principal: "User:alice",
    };
    const root = kafka("admin").admin();
    await root.connect();
    const r = await root.describeAcls(filter);
    await root.disconnect();
    const flat = r.resources.flatMap((res) => res.acls.map((a) => ({ name: res.resourceName, pattern: res.resourcePatternType, op: a.operation, perm: a.permissionType, host: a.host })));
    expect(flat).toEqual([
      { name: "sensors.", pattern: ResourcePatternTypes.PREFIXED, op: AclOperationTypes.READ, perm: AclPermissionTypes.ALLOW, host: "*" },
      { name: "sensors.", pattern: ResourcePatternTypes.PREFIXED, op: AclOperationTypes.WRITE, perm: AclPermissionTypes.ALLOW, host: "*" },
      { name: "sensors.secret", pattern: ResourcePatternTypes.LITERAL, op: AclOperationTypes.READ, perm: AclPermissionTypes.DENY, host: "*" },
    ]);
    const user = kafka("alice").admin();
    await user.connect();
    expect(await failure(user.describeAcls(filter))).toMatch(/CLUSTER_AUTHORIZATION_FAILED/);
    await user.disconnect();
  });
});

describe("per-topic answers on the wire (other topics in the request still succeed)", () => {
  it("Fetch: the allowed topic is served, the other answered 29", async () => {
    const c = await rawAs("alice");
    const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 };
    const r = await c.request(1, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "sensors.temp", partitions: [part] }, { topic: "billing.invoices", partitions: [part] }], forgottenTopicsData: [], rackId: "",
    });
    const codes = Object.fromEntries(r.body.responses.map((t: any) => [t.topic, t.partitions[0].errorCode]));
    expect(codes).toEqual({ "sensors.temp": 0, "billing.invoices": 29 });
    expect(r.body.responses[0].partitions[0].highWatermark).toBeGreaterThan(0);
    c.destroy();
  });

  it("Metadata: a named topic it may not describe is 29 whether or not it exists; auto-creation needs CREATE", async () => {
    const c = await rawAs("alice");
    const r = await c.request(3, 7, { topics: [{ name: "sensors.temp" }, { name: "billing.invoices" }, { name: "billing.nope" }, { name: "sensors.auto" }], allowAutoTopicCreation: true });
    const codes = Object.fromEntries(r.body.topics.map((t: any) => [t.name, t.errorCode]));
    expect(codes).toEqual({ "sensors.temp": 0, "billing.invoices": 29, "billing.nope": 29, "sensors.auto": 29 });
    expect(await ledge.log.describeTopic("sensors.auto")).toBeFalsy();
    c.destroy();
    const root = await rawAs("admin");
    const made = await root.request(3, 7, { topics: [{ name: "sensors.auto" }], allowAutoTopicCreation: true });
    expect(made.body.topics[0].errorCode).toBe(0);
    root.destroy();
  });

  it("ListOffsets and OffsetFetch answer 29 for the other team's topic only", async () => {
    const c = await rawAs("alice");
    const lo = await c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: ["sensors.temp", "billing.invoices"].map((name) => ({ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] })) });
    expect(lo.body.topics.map((t: any) => t.partitions[0].errorCode)).toEqual([0, 29]);
    const of = await c.request(9, 5, { groupId: "sensors-app", topics: ["sensors.temp", "billing.invoices"].map((name) => ({ name, partitionIndexes: [0] })), requireStable: false });
    expect(of.body.errorCode).toBe(0);
    expect(of.body.topics.map((t: any) => [t.name, t.partitions[0].errorCode])).toEqual([["sensors.temp", 0], ["billing.invoices", 29]]);
    const otherGroup = await c.request(9, 5, { groupId: "billing-app", topics: null, requireStable: false });
    expect(otherGroup.body.errorCode).toBe(30);
    c.destroy();
  });

  it("JoinGroup in another team's group is 30, in its own group it proceeds", async () => {
    const c = await rawAs("alice");
    const join = (groupId: string) => c.request(11, 5, {
      groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer",
      protocols: [{ name: "range", metadata: Buffer.alloc(0) }],
    });
    expect((await join("billing-app")).body.errorCode).toBe(30);
    expect((await join("sensors-raw")).body.errorCode).toBe(79); // MEMBER_ID_REQUIRED: the join goes on (KIP-394)
    expect((await c.request(12, 3, { groupId: "billing-app", generationId: 1, memberId: "m", groupInstanceId: null })).body.errorCode).toBe(30);
    c.destroy();
  });

  it("DescribeGroups, ListGroups, DescribeConfigs and the transaction APIs refuse or leave out what is not allowed", async () => {
    await ledge.offsets.commitMany("billing-app", [{ topic: "billing.invoices", partition: 0, offset: 0, leaderEpoch: -1, metadata: null }]);
    await ledge.offsets.commitMany("sensors-listed", [{ topic: "sensors.temp", partition: 0, offset: 0, leaderEpoch: -1, metadata: null }]);
    const c = await rawAs("alice");
    const dg = await c.request(15, 4, { groups: ["sensors-listed", "billing-app"], includeAuthorizedOperations: false });
    expect(dg.body.groups.map((g: any) => [g.groupId, g.errorCode])).toEqual([["sensors-listed", 0], ["billing-app", 30]]);
    const listed = (await c.request(16, 2, {})).body.groups.map((g: any) => g.groupId);
    expect(listed).toContain("sensors-listed");
    expect(listed.filter((g: string) => !g.startsWith("sensors-"))).toEqual([]);
    const dc = await c.request(32, 3, { resources: [{ resourceType: 2, resourceName: "sensors.temp", configurationKeys: null }, { resourceType: 4, resourceName: "0", configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    // READ and WRITE do not imply DESCRIBE_CONFIGS (Kafka's rule).
    expect(dc.body.results.map((r: any) => r.errorCode)).toEqual([29, 31]);
    const ids = { producerId: 1, producerEpoch: 0 };
    expect((await c.request(26, 1, { transactionalId: "billing-tx", ...ids, committed: true })).body.errorCode).toBe(53);
    expect((await c.request(25, 1, { transactionalId: "sensors-tx", ...ids, groupId: "billing-app" })).body.errorCode).toBe(30);
    const toc = await c.request(28, 1, { transactionalId: "sensors-tx", groupId: "sensors-app", ...ids,
      topics: ["sensors.temp", "billing.invoices"].map((name) => ({ name, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] })) });
    expect(toc.body.topics.map((t: any) => t.partitions[0].errorCode)).toEqual([55, 29]);
    expect((await c.request(65, 0, { transactionalIds: ["billing-tx"] })).body.transactionStates[0].errorCode).toBe(53);
    // The coordinator knows billing-tx (refused above) and sensors-tx (the kafkajs test's): alice sees hers only.
    const lt = await c.request(66, 0, { stateFilters: [], producerIdFilters: [] });
    expect(lt.body.transactionStates.map((t: any) => t.transactionalId)).toEqual(["sensors-tx"]);
    c.destroy();
    const root = await rawAs("admin");
    const rootDc = await root.request(32, 3, { resources: [{ resourceType: 2, resourceName: "sensors.temp", configurationKeys: null }, { resourceType: 4, resourceName: "0", configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    expect(rootDc.body.results.map((r: any) => r.errorCode)).toEqual([0, 0]);
    root.destroy();
  });

  it("a user with no rules sees no topics and may not find a group's coordinator", async () => {
    const c = await rawAs("mallory");
    const md = await c.request(3, 7, { topics: null, allowAutoTopicCreation: false });
    expect(md.body.topics).toEqual([]);
    const fc = await c.request(10, 2, { key: "sensors-app", keyType: 0 });
    expect(fc.body.errorCode).toBe(30);
    const acl = await c.request(29, 1, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    expect(acl.body.errorCode).toBe(31);
    c.destroy();
  });

  it("DescribeAcls v0 lists literal rules only; a MATCH filter finds the rules that apply to a name", async () => {
    const c = await rawAs("admin");
    const v0 = await c.request(29, 0, { resourceTypeFilter: 2, resourceNameFilter: null, principalFilter: "User:alice", hostFilter: null, operation: 1, permissionType: 1 });
    expect(v0.body.resources.map((r: any) => r.resourceName)).toEqual(["sensors.secret"]);
    const match = await c.request(29, 1, { resourceTypeFilter: 2, resourceNameFilter: "sensors.secret", patternTypeFilter: 2, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    expect(match.body.resources.map((r: any) => [r.resourceName, r.patternType])).toEqual([["sensors.", 4], ["sensors.secret", 3], ["*", 3]]);
    const bad = await c.request(29, 1, { resourceTypeFilter: 9, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    expect(bad.body.errorCode).toBe(42);
    c.destroy();
  });
});
