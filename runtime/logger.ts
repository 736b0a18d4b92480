// Operator log lines on stderr: "ledge <level> <part>: <what happened, to what, what to do>".
// stdout is reserved for the ready line and command output.
//
// Two formats: text for a terminal (`<time> <level> <part>: <message>`), and JSON lines for
// journald and log shippers (`{"time","level","component","message"}`), chosen with
// `ledge start --log-format`. `--log-level` drops lines below it.

export type Level = "info" | "warn" | "error";
export type LogFormat = "text" | "json";

export const logLevels: readonly Level[] = ["info", "warn", "error"];
export const logFormats: readonly LogFormat[] = ["text", "json"];

export interface LoggerOptions {
  format?: LogFormat;
  /** Lines below this level are dropped (default info: everything). */
  level?: Level;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger whose lines name a part of ledge ("mqtt", "kafka", "log"). */
  child(part: string): Logger;
}

const quiet = process.env.LEDGE_LOG === "silent";

export function createLogger(part = "ledge", write: (line: string) => void = (l) => process.stderr.write(l), options: LoggerOptions = {}): Logger {
  const { format = "text", level = "info" } = options;
  const least = logLevels.indexOf(level);
  const emit = (at: Level, message: string) => {
    if (quiet || logLevels.indexOf(at) < least) return;
    const time = new Date().toISOString();
    write(format === "json"
      ? `${JSON.stringify({ time, level: at, component: part, message })}\n`
      : `${time} ${at} ${part}: ${message}\n`);
  };
  return {
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    child: (p) => createLogger(p, write, options),
  };
}
