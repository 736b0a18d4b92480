// SIGHUP: re-reads the config file (and the environment and flags, as at start), validates all of
// it, and applies what a running ledge can change without dropping a connection: MQTT routes,
// pipelines and the bridge. A config that fails validation changes nothing (one error line names
// the key, the bad value and the expected form); keys only a restart applies are named in one
// line and left as they are; one line sums up what was applied.
import { loadConfig, type CliOverrides, type ConfigWarn, type LedgeConfig, type BridgeConfig } from "../runtime/config/index.ts";
import type { PipelineConfig } from "../runtime/config/pipelines.ts";
import { changedKeys, classifyChanges } from "../runtime/config/changes.ts";
import type { Logger } from "../runtime/logger.ts";
import type { Pipelines } from "../runtime/pipelines/index.ts";
import { readMqttConfig, type MqttConfig } from "../gateways/mqtt/config.ts";
import type { Broker } from "../gateways/mqtt/broker.ts";
import { readSaslSettings } from "../gateways/kafka/sasl/config.ts";
import { bridgeTlsOptions } from "../bridge/tls.ts";
import { bridgeSaslAuthenticator } from "../bridge/sasl.ts";
import { mqttUsersForKafka } from "./kafka-users.ts";

type BridgeTls = ReturnType<typeof bridgeTlsOptions>;

export interface ReloadTarget {
  /** The --config file (none: defaults, environment and flags only). */
  file: string | undefined;
  overrides: CliOverrides;
  logger: Logger;
  broker: Broker;
  pipelines: Pipelines;
  /** Stops the running bridge, if any, and starts one with `config`, if given. */
  restartBridge(config: BridgeConfig | undefined, tls: BridgeTls): Promise<void>;
}

/** The config as reload compares it: `mqtt:` validated (defaults filled in), keys named as in the file. */
function comparable(config: LedgeConfig, mqtt: MqttConfig): Record<string, unknown> {
  const { auth, ...rest } = mqtt; // auth's keys (allowAnonymous, users) sit directly under mqtt: in the file
  return { ...config, mqtt: { ...auth, ...rest } };
}

interface Validated {
  config: LedgeConfig;
  mqtt: MqttConfig;
  bridgeTls: BridgeTls;
}

/** Reads and validates everything start-up validates before it opens anything; throws ConfigError. */
function readAll(target: ReloadTarget, warn: ConfigWarn): Validated {
  const config = loadConfig(target.file, target.overrides, warn);
  const mqtt = readMqttConfig(config.mqtt);
  readSaslSettings(config.listeners.kafka.sasl, mqttUsersForKafka(mqtt.auth));
  // Reads bridge.sasl.passwordFile: a bad one refuses the reload before the running bridge stops.
  bridgeSaslAuthenticator(config.bridge?.sasl);
  return { config, mqtt, bridgeTls: bridgeTlsOptions(config.bridge?.tls) };
}

/** Applies the pipelines' changes; returns summary parts and the pipelines now running from the config. */
async function applyPipelines(target: ReloadTarget, before: readonly PipelineConfig[], after: readonly PipelineConfig[]): Promise<{ parts: string[]; running: PipelineConfig[] }> {
  const old = new Map(before.map((p) => [p.name, p]));
  const parts: string[] = [];
  const running: PipelineConfig[] = [];
  const failed = (name: string, err: unknown) => {
    target.logger.error(`config reload: pipeline '${name}' did not start: ${(err as Error).message}`);
    parts.push(`pipeline ${name} failed to start`);
  };
  for (const name of old.keys()) {
    if (after.some((p) => p.name === name)) continue;
    await target.pipelines.remove(name);
    parts.push(`pipeline ${name} removed`);
  }
  for (const c of after) {
    const prev = old.get(c.name);
    if (prev !== undefined && JSON.stringify(prev) === JSON.stringify(c)) {
      running.push(c);
      continue;
    }
    try {
      if (prev === undefined) {
        await target.pipelines.add(c);
        parts.push(`pipeline ${c.name} added`);
      } else {
        const kept = await target.pipelines.replace(c);
        parts.push(`pipeline ${c.name} changed (${kept ? "resumed from its checkpoint" : "started afresh: its checkpoint no longer fits"})`);
      }
      running.push(c);
    } catch (err) {
      failed(c.name, err);
    }
  }
  return { parts, running };
}

/**
 * One reload. Resolves with the config now in effect: `current` with the applied sections
 * replaced (a pipeline that failed to start is left out, so the next reload tries it again).
 */
export async function reloadConfig(target: ReloadTarget, current: LedgeConfig): Promise<LedgeConfig> {
  const { logger } = target;
  let next: Validated;
  try {
    next = readAll(target, (message) => logger.warn(`config reload: ${message}`));
  } catch (err) {
    logger.error(`config reload refused, still running the previous config: ${(err as Error).message}; fix it and send SIGHUP again`);
    return current;
  }
  const changes = classifyChanges(changedKeys(comparable(current, readMqttConfig(current.mqtt)), comparable(next.config, next.mqtt)));
  if (changes.needRestart.length > 0) logger.warn(`config reload: needs a restart: ${changes.needRestart.join(", ")} (left unchanged until ledge restarts)`);
  const parts: string[] = [];
  const applied: LedgeConfig = { ...current };
  if (changes.applied.includes("mqtt.routes")) {
    try {
      await target.broker.setRoutes(next.mqtt.routes);
    } catch (err) {
      logger.error(`config reload refused, still running the previous config: ${(err as Error).message}`);
      return current;
    }
    applied.mqtt = { ...current.mqtt, routes: next.config.mqtt.routes };
    parts.push(`mqtt.routes swapped (${next.mqtt.routes.length} routes)`);
  }
  if (changes.applied.some((k) => k === "pipelines")) {
    const { parts: p, running } = await applyPipelines(target, current.pipelines, next.config.pipelines);
    parts.push(...p);
    applied.pipelines = running;
  }
  const bridgeKeys = changes.applied.filter((k) => k === "bridge" || k.startsWith("bridge."));
  if (bridgeKeys.length > 0) {
    await target.restartBridge(next.config.bridge, next.bridgeTls);
    applied.bridge = next.config.bridge;
    const what = current.bridge === undefined ? "started" : next.config.bridge === undefined ? "stopped" : "restarted";
    parts.push(`bridge ${what} (${bridgeKeys.join(", ")})`);
  }
  logger.info(`config reloaded: ${parts.length > 0 ? parts.join("; ") : "nothing to apply"}`);
  return applied;
}

/** Runs reloads one at a time (a SIGHUP during a reload waits for it). */
export function reloadOnSignal(target: ReloadTarget, initial: LedgeConfig): () => Promise<void> {
  let current = initial;
  let queue = Promise.resolve();
  return () => {
    queue = queue.then(async () => {
      target.logger.info("SIGHUP received, reloading the config");
      current = await reloadConfig(target, current);
    }).catch((err: Error) => target.logger.error(`config reload failed: ${err.stack ?? err.message}`));
    return queue;
  };
}
