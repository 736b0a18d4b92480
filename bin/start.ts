// `ledge start`: opens the log, starts every listener, prints the ready line, and shuts down
// cleanly on SIGTERM/SIGINT (in-flight commits finish, LMDB closes); SIGHUP reloads the config
// (bin/reload.ts).
import { unusedConfigEnvironment, type BridgeConfig, type CliOverrides, type LedgeConfig } from "../runtime/config/index.ts";
import { reloadOnSignal } from "./reload.ts";
import { startHttpGateway } from "../gateways/http/server.ts";
import { attachWsApi } from "../gateways/http/ws-api.ts";
import type { Logger } from "../runtime/logger.ts";
import { Metrics } from "../runtime/metrics/index.ts";
import { Log } from "../runtime/log/index.ts";
import { startMqttGateway } from "../gateways/mqtt/gateway.ts";
import { startKafkaGateway } from "../gateways/kafka/server.ts";
import { persistentClusterId } from "../gateways/kafka/cluster-id.ts";
import { GroupCoordinator } from "../runtime/groups/coordinator.ts";
import { groupCoordinatorSettings } from "../runtime/groups/coordinator-settings.ts";
import { openGroupOffsets } from "../runtime/groups/offsets.ts";
import { watchGroupLag } from "../runtime/groups/lag-metrics.ts";
import { watchProcess } from "../runtime/metrics/process.ts";
import { TransactionCoordinator } from "../runtime/transactions/coordinator.ts";
import { Bridge } from "../bridge/replicator.ts";
import { Pipelines } from "../runtime/pipelines/index.ts";
import { bridgeTlsOptions } from "../bridge/tls.ts";
import { readSaslSettings } from "../gateways/kafka/sasl/config.ts";
import { readMqttConfig } from "../gateways/mqtt/config.ts";
import { mqttClientsView } from "../gateways/mqtt/clients-view.ts";
import { mqttUsersForKafka } from "./kafka-users.ts";
import { openFilesLimit, watchOpenFiles } from "../runtime/connection-limits.ts";

interface Closable {
  close(): Promise<void>;
}

/**
 * The exit code after the data directory's disk failed (fail-stop; sysexits' EX_IOERR): distinct
 * from 1 (failed to start) and 2 (usage), so a supervisor (systemd Restart=on-failure) restarts
 * ledge and an operator can tell a dying disk from a ledge crash.
 */
export const STORAGE_FAILED_EXIT_CODE = 74;
/** How long the shutdown after a disk failure may take before ledge exits anyway. */
const STORAGE_FAILED_EXIT_WITHIN_MS = 5_000;

/** Where the config came from, so that SIGHUP can read it again (bin/reload.ts). */
export interface ConfigSource {
  file: string | undefined;
  overrides: CliOverrides;
}

export async function start(config: LedgeConfig, logger: Logger, source: ConfigSource = { file: undefined, overrides: {} }): Promise<void> {
  const startedAtMs = Date.now();
  // SIGHUP's default action ends the process: one that arrives while starting (systemd's
  // ExecReload right after ExecStart) is kept and served once everything runs.
  let reloadWhileStarting = false;
  const onEarlyHangup = () => void (reloadWhileStarting = true);
  process.on("SIGHUP", onEarlyHangup);
  const opened: Closable[] = [];
  const ports: Record<string, number> = {};

  const metrics = new Metrics();
  // The gateways' own config sections are validated before the data directory is touched: a
  // config mistake stops start-up with nothing created.
  const mqttConfig = readMqttConfig(config.mqtt);
  const sasl = readSaslSettings(config.listeners.kafka.sasl, mqttUsersForKafka(mqttConfig.auth));
  const processWatch = watchProcess(metrics);
  opened.push({ close: async () => processWatch.stop() });

  let failStop = (error: Error, _how: { exitAtOnce: boolean }): void => {
    logger.error(`storage failed, ledge stops: ${error.message} (exit code ${STORAGE_FAILED_EXIT_CODE})`);
    process.exit(STORAGE_FAILED_EXIT_CODE);
  };
  const onStorageFailure = (error: Error, how: { exitAtOnce: boolean }) => failStop(error, how);
  const log = await Log.open({ dataDir: config.dataDir, ownerRole: "ledge start", storage: config.storage, log: config.log, topics: config.topics, logger: logger.child("log"), metrics, onStorageFailure });
  opened.push(log);

  const http = await startHttpGateway(config.listeners.http, metrics, {
    logger,
    degraded: () => {
      const refusal = log.storageRefusal();
      return refusal === null ? null : `storage full: writes are refused (${refusal}); free disk space, raise storage.maxBytes or lower retention`;
    },
  });
  opened.push(http);
  ports.http = http.port;

  const wsApi = attachWsApi({ log, logger: logger.child("ws"), metrics, token: config.listeners.http.token, onUpgrade: http.onUpgrade });
  opened.push({ close: async () => wsApi.close() });

  const mqtt = await startMqttGateway({ config, mqttConfig, log, http, logger, metrics });
  opened.push(mqtt);
  ports.mqtt = mqtt.port;

  const offsets = openGroupOffsets(log);
  watchGroupLag(metrics, offsets, log);
  const groups = new GroupCoordinator(groupCoordinatorSettings(config.groups), offsets, logger.child("groups"), metrics);
  opened.push({ close: async () => groups.close() });
  const transactions = new TransactionCoordinator(log, {
    memberCommitStatus: (group, generation, member) => groups.memberCommitStatus(group, generation, member),
    commitOffsets: (group, list) => offsets.commitMany(group, list),
  }, config.transactions, logger.child("transactions"));
  opened.push({ close: async () => transactions.close() });
  // Transactions a previous run decided (PrepareCommit/PrepareAbort) complete before clients come.
  await transactions.recover();
  const clusterId = await persistentClusterId(log.openStore<string>("kafka-cluster-id"));
  const kafka = await startKafkaGateway({ config, sasl, log, logger, metrics, groups, transactions, clusterId });
  opened.push(kafka);
  ports.kafka = kafka.port;

  // Pipelines read committed data only, so they start once transactions are recovered.
  const pipelines = new Pipelines({ log, logger: logger.child("pipelines"), metrics });
  opened.push(pipelines);
  await pipelines.startAll(config.pipelines);

  let bridge: Bridge | null = null;
  const startBridge = (bridgeConfig: BridgeConfig | undefined, tls: ReturnType<typeof bridgeTlsOptions>) => {
    if (!bridgeConfig) return;
    bridge = new Bridge({ log, config: bridgeConfig, logger: logger.child("bridge"), metrics, tls });
    bridge.start();
  };
  // Started after the listeners: ingest never waits for the upstream.
  startBridge(config.bridge, bridgeTlsOptions(config.bridge?.tls));
  opened.push({ close: async () => bridge?.close() });
  http.attachApi({ log, groups, offsets, pipelines, bridge: () => bridge?.status.snapshot() ?? null, mqtt: () => mqttClientsView(mqtt.broker), startedAtMs });

  const unused = unusedConfigEnvironment();
  if (unused.length > 0) {
    logger.warn(`${unused.join(", ")} set no config key: check the spelling (LEDGE_ and the key path in upper snake case, e.g. LEDGE_STORAGE_SYNC_INTERVAL_MS for storage.syncIntervalMs)`);
  }
  const stopWatchingFiles = watchOpenFiles(logger.child("ledge"));
  opened.push({ close: async () => stopWatchingFiles() });
  const filesLimit = openFilesLimit();
  const connectionsMax = mqttConfig.limits.connectionCountMax + config.listeners.kafka.connectionCountMax + config.listeners.http.connectionCountMax;
  if (filesLimit !== undefined && connectionsMax > filesLimit) {
    logger.warn(`the connection bounds allow ${connectionsMax} connections (mqtt.limits.connectionCountMax + listeners.kafka.connectionCountMax + listeners.http.connectionCountMax) ` +
      `but the open-files limit is ${filesLimit}: raise it (ulimit -n, systemd LimitNOFILE=) or lower the bounds`);
  }

  let stopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    if (exitCode === 0) logger.info(`${signal} received, shutting down`);
    // Close in reverse order of opening: listeners first, the log last.
    for (const part of opened.reverse()) await part.close();
    process.exit(exitCode);
  };
  // Fail-stop: the log already refuses every write with LEDGE_ERR_STORAGE_FAILED (listeners
  // answer with it); one line says what failed where, the listeners close, the log makes one last
  // sync attempt without trusting its LMDB handle further, and the process exits.
  failStop = (error, { exitAtOnce }) => {
    if (stopping) return;
    logger.error(`storage failed, ledge stops: ${error.message} (exit code ${STORAGE_FAILED_EXIT_CODE})`);
    if (exitAtOnce) {
      // A commit failed inside lmdb-js, whose heap may be corrupt: answer what was refused
      // (those answers go out in this turn's promise callbacks) and exit before anything else
      // allocates on the write thread.
      stopping = true;
      setImmediate(() => process.exit(STORAGE_FAILED_EXIT_CODE));
      return;
    }
    setTimeout(() => process.exit(STORAGE_FAILED_EXIT_CODE), STORAGE_FAILED_EXIT_WITHIN_MS);
    void stop("storage failure", STORAGE_FAILED_EXIT_CODE).catch(() => process.exit(STORAGE_FAILED_EXIT_CODE));
  };
  const reload = reloadOnSignal({
    ...source, logger: logger.child("config"), broker: mqtt.broker, pipelines,
    restartBridge: async (bridgeConfig, tls) => {
      const running = bridge;
      bridge = null;
      // The old bridge finishes what is in flight upstream before the new one opens its session
      // (exactly-once: its InitProducerId then aborts anything left open; idempotent: it resends
      // the batches marked in flight with the same producer id and sequences).
      await running?.close("the config was reloaded");
      if (!stopping) startBridge(bridgeConfig, tls);
    },
  }, config);
  process.off("SIGHUP", onEarlyHangup);
  process.on("SIGHUP", () => {
    if (!stopping) void reload();
  });
  if (reloadWhileStarting) void reload();
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  // The contract scripts wait for (DESIGN.md): one line, real ports. Only once the signal
  // handlers are in place: a script that stops ledge as soon as it reads this line would
  // otherwise kill it with the default action, before any commit finishes or LMDB closes.
  process.stdout.write(`ledge ready ${JSON.stringify(ports)}\n`);
}
