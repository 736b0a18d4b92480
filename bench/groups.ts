// `npm run bench -- groups`: what the group coordinator adds on top of the log's offset store
// (issue #5, part B). storage.sync: always, same data directory kind, same run.
//   offset-commit-vs-store: OffsetCommit v7 requests/s through the Kafka listener (one socket,
//     16 requests in flight, 4 partitions each, generation -1) vs GroupOffsets.commitMany of the
//     same offsets in-process with 16 in flight.
//   rebalance-vs-rejoin: groups/s rebalanced to Stable again (8 members rejoin with changed
//     metadata, new generation, vote, leader assigns, all sync) vs followers rejoining a Stable
//     group unchanged, which is answered at once (what a rebalance costs over a no-op rejoin).
import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openGroupOffsets, type GroupOffsets } from "../runtime/groups/offsets.ts";
import { readConfig } from "../runtime/config/index.ts";
import { Metrics } from "../runtime/metrics/index.ts";
import { startKafkaGateway } from "../gateways/kafka/server.ts";
import { GroupCoordinator } from "../runtime/groups/coordinator.ts";
import { groupCoordinatorSettings } from "../runtime/groups/coordinator-settings.ts";
import type { JoinGroupInput } from "../runtime/groups/coordinator-types.ts";
import { FrameReader } from "../runtime/kafka/protocol/frame.ts";
import { encodeRequest, decodeResponse, framed } from "../runtime/kafka/protocol/request-response.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import { medianRateAsync, progress, result, type BenchResult } from "./lib/report.ts";
import { openBenchLog, quietLogger } from "./lib/bench-log.ts";

const COMMITS = Number(process.env.GROUPS_BENCH_COMMITS ?? 2000);
const IN_FLIGHT = 16;
const PARTITIONS = 4;
const REBALANCES = 300;
const MEMBERS = 8;
const RUNS = 3;

const offsets = (i: number) => Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: null }));

/** Sends `count` OffsetCommit v7 requests with IN_FLIGHT outstanding; resolves when all are answered without error. */
function commitOverSocket(port: number, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    const frames = new FrameReader(1 << 20);
    let sent = 0;
    let answered = 0;
    const send = () => {
      const body = { groupId: "bench", generationId: -1, memberId: "", groupInstanceId: null, topics: [{ name: "t", partitions: offsets(sent) }] };
      socket.write(Buffer.concat(framed(encodeRequest({ apiKey: ApiKey.OffsetCommit, apiVersion: 7, correlationId: sent, clientId: "bench" }, body))));
      sent++;
    };
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("OffsetCommit bench did not finish in 120 s"))), 120_000);
    socket.once("connect", () => {
      while (sent < Math.min(IN_FLIGHT, count)) send();
    });
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      for (const e of frames.push(chunk)) {
        if (e.kind !== "frame") return reject(new Error("bad frame from ledge"));
        const { body } = decodeResponse<{ topics: { partitions: { errorCode: number }[] }[] }>(ApiKey.OffsetCommit, 7, e.payload);
        if (body.topics[0].partitions.some((p) => p.errorCode !== 0)) return reject(new Error("OffsetCommit failed"));
        answered++;
        if (sent < count) send();
        if (answered === count) {
          clearTimeout(timer);
          socket.destroy();
          resolve(count);
        }
      }
    });
  });
}

async function commitInProcess(store: GroupOffsets, count: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await store.commitMany("bench-direct", offsets(i).map((o) => ({ topic: "t", partition: o.partitionIndex, offset: o.committedOffset, leaderEpoch: -1, metadata: null })));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return count;
}

async function offsetCommitBench(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-groups-"));
  try {
    const log = await openBenchLog(dir, { autoCreateTopics: true });
    await log.createTopic("t", PARTITIONS);
    const config = readConfig({ dataDir: dir, listeners: { kafka: { host: "127.0.0.1", port: 0 } } });
    const offsets = openGroupOffsets(log);
    const groups = new GroupCoordinator(groupCoordinatorSettings(), offsets, quietLogger);
    const gateway = await startKafkaGateway({ config, log, logger: quietLogger, metrics: new Metrics(), groups });
    progress(`offset commits: ${COMMITS} requests x ${PARTITIONS} partitions, ${IN_FLIGHT} in flight, ${RUNS} runs per side`);
    const ledge = await medianRateAsync(RUNS, () => commitOverSocket(gateway.port, COMMITS));
    const baseline = await medianRateAsync(RUNS, () => commitInProcess(offsets, COMMITS));
    await gateway.close();
    groups.close();
    await log.close();
    return result({
      name: "offset-commit-vs-store", unit: "commits/s", ledge, baseline, baselineName: "GroupOffsets.commitMany", target: null,
      notes: `${PARTITIONS} partitions per commit, ${IN_FLIGHT} in flight, sync: always`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const joinInput = (groupId: string, memberId: string, metadataByte = 0): JoinGroupInput => ({
  groupId, memberId, groupInstanceId: null, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, protocolType: "consumer",
  protocols: [{ name: "range", metadata: new Uint8Array(32).fill(metadataByte) }], requireKnownMemberId: false, clientId: "bench", clientHost: "/127.0.0.1",
});

/** Every member (re)joins, then the leader assigns and everyone syncs: the group is Stable again.
 * Returns the member ids, the leader's first. */
async function rebalance(c: GroupCoordinator, groupId: string, memberIds: string[], metadataByte: number): Promise<string[]> {
  const joined = await Promise.all(memberIds.map((m) => c.joinGroup(joinInput(groupId, m, metadataByte))));
  const leader = joined.find((j) => j.leader === j.memberId)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: new Uint8Array(16) }));
  const synced = await Promise.all(joined.map((j) => c.syncGroup({ groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, assignments: j === leader ? assignments : [] })));
  if (synced.some((s) => s.errorCode !== 0)) throw new Error(`group ${groupId} did not become Stable`);
  return [leader.memberId, ...joined.filter((j) => j !== leader).map((j) => j.memberId)];
}

async function rebalanceBench(): Promise<BenchResult> {
  // The initial delay gathers each new group's members into one generation; it is not timed.
  const c = new GroupCoordinator(groupCoordinatorSettings({ initialRebalanceDelayMs: 5 }), { commit: async () => {}, fetch: () => undefined }, quietLogger);
  progress(`rebalances: ${REBALANCES} groups of ${MEMBERS} members, ${RUNS} runs per side`);
  const members: string[][] = [];
  for (let g = 0; g < REBALANCES; g++) members.push(await rebalance(c, `g${g}`, Array(MEMBERS).fill(""), 0));
  let round = 1;
  // Changed metadata makes every rejoin a real rebalance: a new generation, vote, leader, syncs.
  const ledge = await medianRateAsync(RUNS, async () => {
    round++;
    for (let g = 0; g < REBALANCES; g++) members[g] = await rebalance(c, `g${g}`, members[g], round);
    return REBALANCES;
  });
  // A follower rejoining a Stable group with unchanged metadata is answered at once.
  const baseline = await medianRateAsync(RUNS, async () => {
    for (let g = 0; g < REBALANCES; g++) {
      const followers = members[g].slice(1);
      const answers = await Promise.all(followers.map((m) => c.joinGroup(joinInput(`g${g}`, m, round))));
      if (answers.some((a) => a.errorCode !== 0 || a.generationId !== answers[0].generationId)) throw new Error("no-op rejoin changed the group");
    }
    return REBALANCES;
  });
  c.close();
  return result({
    name: "rebalance-vs-rejoin", unit: "groups/s", ledge, baseline, baselineName: "no-op follower rejoins", target: null,
    notes: `${MEMBERS} members: rejoin + vote + sync to Stable, in-process`,
  });
}

export default async function groupsBench(): Promise<BenchResult[]> {
  return [await offsetCommitBench(), await rebalanceBench()];
}
