// The composition root: parses the command line, loads the config, wires the parts together.
import { parseArgs } from "node:util";
import { loadConfig, ConfigError, type CliOverrides } from "../runtime/config/index.ts";
import { start } from "./start.ts";
import { createLogger, logFormats, logLevels, type Level, type LogFormat } from "../runtime/logger.ts";
import { hashPassword } from "../gateways/mqtt/auth-password.ts";
import { verifyCommand } from "./verify.ts";
import { backupCommand } from "./backup.ts";
import { clientCommand, clientUsage } from "./client.ts";
import { benchCommand, benchUsage } from "./bench.ts";

const usage = `usage: ${Object.values(clientUsage).join("\n       ")}
       ledge hash-password            (password on stdin; prints an mqtt.users passwordHash)
       ledge verify [--data-dir DIR]     (checks every stored batch; exit 1 names the first bad one)
       ledge backup DIR [--data-dir DATA]  (a compacted copy of the log, safe while ledge runs)
       ${benchUsage}
       ledge start [--config FILE] [--data-dir DIR] [--mqtt-port N] [--kafka-port N]
                   [--http-port N] [--upstream HOST:PORT[,HOST:PORT]] [--host ADDR]
                   [--log-format text|json] [--log-level info|warn|error]`;

function portFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--${name}`, "a port number from 0 to 65535 (0 = any free port)", value);
  }
  return port;
}

async function hashPasswordCommand(): Promise<void> {
  if (process.stdin.isTTY) process.stderr.write("password (then Enter, Ctrl-D): ");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password === "") {
    process.stderr.write("ledge: hash-password read an empty password; pipe it in: printf %s 'pw' | ledge hash-password\n");
    process.exit(2);
  }
  process.stdout.write(`${hashPassword(password)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "hash-password") return hashPasswordCommand();
  if (command === "verify") {
    const { values } = parseArgs({ args: rest, options: { "data-dir": { type: "string" } }, strict: true });
    process.exitCode = await verifyCommand(values["data-dir"] ?? "./data");
    return;
  }
  if (command !== undefined && command in clientUsage) {
    process.exitCode = await clientCommand(command, rest);
    return;
  }
  if (command === "bench") {
    process.exitCode = await benchCommand(rest);
    return;
  }
  if (command === "backup") {
    const { values, positionals } = parseArgs({ args: rest, options: { "data-dir": { type: "string" } }, allowPositionals: true, strict: true });
    process.exitCode = await backupCommand(values["data-dir"] ?? "./data", positionals[0]);
    return;
  }
  if (command !== "start") {
    process.stderr.write(`${usage}\n`);
    process.exit(command === undefined || command === "--help" || command === "help" ? 0 : 2);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: "string" },
      "data-dir": { type: "string" },
      "mqtt-port": { type: "string" },
      "kafka-port": { type: "string" },
      "http-port": { type: "string" },
      upstream: { type: "string" },
      host: { type: "string" },
      "log-format": { type: "string" },
      "log-level": { type: "string" },
    },
    strict: true,
  });
  const format = values["log-format"] ?? "text";
  if (!logFormats.includes(format as LogFormat)) throw new ConfigError("--log-format", logFormats.join(" | "), format);
  const level = values["log-level"] ?? "info";
  if (!logLevels.includes(level as Level)) throw new ConfigError("--log-level", logLevels.join(" | "), level);
  const overrides: CliOverrides = {
    dataDir: values["data-dir"],
    host: values.host,
    mqttPort: portFlag("mqtt-port", values["mqtt-port"]),
    kafkaPort: portFlag("kafka-port", values["kafka-port"]),
    httpPort: portFlag("http-port", values["http-port"]),
    upstream: values.upstream?.split(",").filter(Boolean),
  };
  const logger = createLogger("ledge", undefined, { format: format as LogFormat, level: level as Level });
  const configLogger = logger.child("config");
  const config = loadConfig(values.config, overrides, (message) => configLogger.warn(message));
  await start(config, logger, { file: values.config, overrides });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    process.stderr.write(`ledge: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  // ledge's own typed errors (LEDGE_ERR_*) already say what happened and what to do: no stack.
  const typed = /^LEDGE_ERR_/.test(String((err as { code?: unknown }).code));
  process.stderr.write(`ledge: failed to start: ${typed ? (err as Error).message : (err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
