// Loads ledge's config: YAML file (optional) → defaults → command-line overrides.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ConfigError } from "./errors.ts";
import { readConfig, type ConfigWarn, type LedgeConfig } from "./schema.ts";
import { bridgeDefaults } from "./bridge.ts";
import { ConfigReader, unusedEnvOverrides } from "./reader.ts";

export { ConfigError } from "./errors.ts";
export { parseBytes, parseMs } from "./units.ts";
export * from "./schema.ts";
export { readPemFile, readTlsFiles, type TlsFiles } from "./tls-files.ts";
export { envName, withConfigEnvironment } from "./reader.ts";

/** LEDGE_ variables under a config section that set no key (a misspelt name), once every
 * section has been read (the gateways read theirs at start). */
export function unusedConfigEnvironment(): string[] {
  return unusedEnvOverrides(ConfigReader.keysReadBy(() => readConfig({})).filter((k) => !k.path.includes(".")));
}
export { bridgeDefaults, readBridgeConfig, type BridgeConfig, type BridgeTopicRule, type BridgeTlsConfig, type BridgeSaslConfig } from "./bridge.ts";

export interface CliOverrides {
  dataDir?: string;
  host?: string;
  mqttPort?: number;
  kafkaPort?: number;
  httpPort?: number;
  upstream?: string[];
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError("--config", "a readable YAML file", `${file} (${(err as Error).message})`);
  }
  return parseConfigText(text, file);
}

/** Parses config file text into a document for readConfig; ConfigError when it is not YAML. */
export function parseConfigText(text: string, file: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    throw new ConfigError("--config", "valid YAML", `${file}: ${(err as Error).message.split("\n")[0]}`);
  }
}

export function applyOverrides(config: LedgeConfig, o: CliOverrides, warn: ConfigWarn = () => {}): LedgeConfig {
  if (o.dataDir !== undefined) config.dataDir = o.dataDir;
  if (o.host !== undefined) {
    config.listeners.mqtt.host = o.host;
    config.listeners.kafka.host = o.host;
    config.listeners.http.host = o.host;
  }
  if (o.mqttPort !== undefined) config.listeners.mqtt.port = o.mqttPort;
  if (o.kafkaPort !== undefined) config.listeners.kafka.port = o.kafkaPort;
  if (o.httpPort !== undefined) config.listeners.http.port = o.httpPort;
  if (o.upstream !== undefined && o.upstream.length > 0) {
    config.bridge = config.bridge ? { ...config.bridge, brokers: bridgeDefaults(o.upstream).brokers } : bridgeDefaults(o.upstream);
  }
  return config;
}

/** `warn` receives what start-up must tell the operator about the config (logged, not fatal). */
export function loadConfig(file: string | undefined, overrides: CliOverrides = {}, warn: ConfigWarn = () => {}): LedgeConfig {
  const doc = file === undefined ? {} : readYaml(file);
  return applyOverrides(readConfig(doc, warn), overrides, warn);
}
