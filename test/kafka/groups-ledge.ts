// A real ledge Kafka listener for the group tests: a real Log in a temp dir, the listener on
// 127.0.0.1:0, and a group coordinator with a short initial rebalance delay. `restart()` closes
// everything and opens it again on the same data directory (committed offsets must survive).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfig } from "../../runtime/config/index.ts";
import { createLogger } from "../../runtime/logger.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { Log } from "../../runtime/log/index.ts";
import { GroupCoordinator } from "../../runtime/groups/coordinator.ts";
import { groupCoordinatorSettings, type GroupCoordinatorSettings } from "../../runtime/groups/coordinator-settings.ts";
import { openGroupOffsets, type GroupOffsets } from "../../runtime/groups/offsets.ts";
import { startKafkaGateway, type KafkaGateway } from "../../gateways/kafka/server.ts";

export interface GroupLedge {
  port: number;
  log: Log;
  /** The committed group offsets, in the log's store (what bin/ wires). */
  offsets: GroupOffsets;
  groups: GroupCoordinator;
  logLines: string[];
  dataDir: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startGroupLedge(settings: Partial<GroupCoordinatorSettings> = {}): Promise<GroupLedge> {
  const dataDir = await mkdtemp(join(tmpdir(), "ledge-groups-"));
  const config = readConfig({ dataDir, listeners: { kafka: { host: "127.0.0.1", port: 0 } } });
  const logLines: string[] = [];
  const logger = createLogger("test", (line) => void logLines.push(line));
  let gateway: KafkaGateway;
  const open = async () => {
    const log = await Log.open({ dataDir, storage: config.storage, log: config.log, mapSizeBytes: 256 * 2 ** 20, logger });
    const offsets = openGroupOffsets(log);
    const groups = new GroupCoordinator(groupCoordinatorSettings({ initialRebalanceDelayMs: 200, ...settings }), offsets, logger.child("groups"));
    gateway = await startKafkaGateway({ config, log, logger, metrics: new Metrics(), groups });
    Object.assign(ledge, { log, offsets, groups, port: gateway.port });
  };
  const shut = async () => {
    await gateway.close();
    ledge.groups.close();
    await ledge.log.close();
  };
  const ledge = {
    logLines, dataDir,
    restart: async () => {
      await shut();
      await open();
    },
    close: async () => {
      await shut();
      await rm(dataDir, { recursive: true, force: true });
    },
  } as unknown as GroupLedge;
  await open();
  return ledge;
}
