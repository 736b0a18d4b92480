// A real ledge Kafka listener over a real Log in a fresh temp dir, in-process, for interop tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Log } from "../../../runtime/log/index.ts";
import { startTestGateway, type TestGateway } from "./gateway.ts";
import { GroupCoordinator } from "../../../runtime/groups/coordinator.ts";
import { groupCoordinatorSettings } from "../../../runtime/groups/coordinator-settings.ts";
import { openGroupOffsets, type GroupOffsets } from "../../../runtime/groups/offsets.ts";
import { createLogger } from "../../../runtime/logger.ts";
import { TransactionCoordinator } from "../../../runtime/transactions/coordinator.ts";

export interface TestLedge extends TestGateway {
  log: Log;
  /** The committed group offsets, in the log's store (what bin/ wires). */
  offsets: GroupOffsets;
  dataDir: string;
}

export async function startTestLedge(kafka: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<TestLedge> {
  const dataDir = await mkdtemp(join(tmpdir(), "ledge-kafka-"));
  const doc = { dataDir, ...extra };
  // Build the config once through the real schema, then open the log with it.
  const { readConfig } = await import("../../../runtime/config/index.ts");
  const config = readConfig({ ...doc, listeners: { kafka: { host: "127.0.0.1", port: 0, ...kafka } } });
  const log = await Log.open({ dataDir, storage: config.storage, log: config.log, topics: config.topics, mapSizeBytes: 256 * 2 ** 20, logger: createLogger("log", () => {}) });
  const offsets = openGroupOffsets(log);
  // A short initial rebalance delay keeps group tests quick.
  const groups = new GroupCoordinator(groupCoordinatorSettings({ initialRebalanceDelayMs: 200 }), offsets, createLogger("groups", () => {}));
  const transactions = new TransactionCoordinator(log, {
    memberCommitStatus: (group, generation, member) => groups.memberCommitStatus(group, generation, member),
    commitOffsets: (group, list) => offsets.commitMany(group, list),
  }, config.transactions, createLogger("transactions", () => {}));
  const gw = await startTestGateway(log, kafka, doc, groups, transactions);
  return {
    ...gw, log, offsets, dataDir,
    close: async () => {
      await gw.close();
      groups.close();
      transactions.close();
      await log.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
