// Starts the Kafka listener in-process on 127.0.0.1:0 over a given log, for tests.
import { readConfig, type LedgeConfig } from "../../../runtime/config/index.ts";
import { createLogger } from "../../../runtime/logger.ts";
import { Metrics } from "../../../runtime/metrics/index.ts";
import { startKafkaGateway, type KafkaGateway } from "../../../gateways/kafka/server.ts";
import type { KafkaLogPort } from "../../../gateways/kafka/log-port.ts";
import type { TransactionCoordinator } from "../../../runtime/transactions/coordinator.ts";
import type { GroupCoordinator } from "../../../runtime/groups/coordinator.ts";

export interface TestGateway {
  gateway: KafkaGateway;
  port: number;
  config: LedgeConfig;
  logLines: string[];
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startTestGateway(log: KafkaLogPort, kafka: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, groups?: GroupCoordinator, transactions?: TransactionCoordinator): Promise<TestGateway> {
  const config = readConfig({ listeners: { kafka: { host: "127.0.0.1", port: 0, ...kafka } }, ...extra });
  const logLines: string[] = [];
  const logger = createLogger("test", (line) => void logLines.push(line));
  const metrics = new Metrics();
  // Every line kept: tests look for the line each case logs (test/hardening checks the throttle).
  const gateway = await startKafkaGateway({ config, log, logger, metrics, groups, transactions, logThrottle: { linesMax: Number.MAX_SAFE_INTEGER } });
  return { gateway, port: gateway.port, config, logLines, metrics, close: () => gateway.close() };
}
