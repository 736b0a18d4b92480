// Operator log lines on stderr: "ledge <level> <part>: <what happened, to what, what to do>".
// stdout is reserved for the ready line and command output.

export type Level = "info" | "warn" | "error";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger whose lines name a part of ledge ("mqtt", "kafka", "log"). */
  child(part: string): Logger;
}

const quiet = process.env.LEDGE_LOG === "silent";

export function createLogger(part = "ledge", write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: Level, message: string) => {
    if (quiet) return;
    write(`${new Date().toISOString()} ${level} ${part}: ${message}\n`);
  };
  return {
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    child: (p) => createLogger(p, write),
  };
}
