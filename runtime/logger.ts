// Operator log lines on stderr: "ledge <level> <part>: <what happened, to what, what to do>".
// stdout is reserved for the ready line and command output.
//
// Two formats: text for a terminal (`<time> <level> <part>: <message>`), and JSON lines for
// journald and log shippers (`{"time","level","component","message"}`), chosen with
// `ledge start --log-format`. `--log-level` drops lines below it.
//
// One entry is one line in both: control characters in a message (newline, ESC, ...) are written
// as escapes, so a peer-supplied string (an MQTT client id or topic, a Kafka client id) can
// neither forge a line of its own nor move a terminal's cursor. Text gets `\n`, `\x1b`,
// `\u2028`; JSON gets JSON's `\uXXXX` escapes, which decode back to the message as it was.
// Escaping here, where every line is written, covers every caller by construction.

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

// C0, DEL, C1 and the Unicode line/paragraph separators (JSON and some viewers break lines there).
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// What JSON.stringify leaves raw: DEL, C1 and the separators (it escapes C0 itself).
const rawInJson = /[\u007f-\u009f\u2028\u2029]/g;
const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, "0");
const escapeOne = (c: string): string => {
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return c.charCodeAt(0) > 0xff ? `\\u${hex(c, 4)}` : `\\x${hex(c, 2)}`;
};

/** `text` with every control character written as an escape (`\n`, `\x1b`, `\u2028`). */
export function escapeControlCharacters(text: string): string {
  controlCharacters.lastIndex = 0;
  return controlCharacters.test(text) ? text.replace(controlCharacters, escapeOne) : text;
}

/** One JSON line: JSON.stringify, with the characters it leaves raw escaped as `\uXXXX`. */
function jsonLine(entry: Record<string, string>): string {
  return JSON.stringify(entry).replace(rawInJson, (c) => `\\u${hex(c, 4)}`);
}

export function createLogger(part = "ledge", write: (line: string) => void = (l) => process.stderr.write(l), options: LoggerOptions = {}): Logger {
  const { format = "text", level = "info" } = options;
  const least = logLevels.indexOf(level);
  const emit = (at: Level, message: string) => {
    if (quiet || logLevels.indexOf(at) < least) return;
    const time = new Date().toISOString();
    write(format === "json"
      ? `${jsonLine({ time, level: at, component: part, message })}\n`
      : `${time} ${at} ${part}: ${escapeControlCharacters(message)}\n`);
  };
  return {
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    child: (p) => createLogger(p, write, options),
  };
}
