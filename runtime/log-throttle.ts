// Operator lines under attack: a flood of bad clients must not flood the log. At most
// `linesMax` lines per window at the throttled levels; the rest are counted and summed up in
// one line. Each gateway wraps its per-client logger in one of these.
import type { Logger, Level } from "./logger.ts";

export interface ThrottleOptions {
  linesMax?: number;
  windowMs?: number;
  /** Levels that are throttled (default warn and error; info passes). */
  levels?: readonly Level[];
  /** Where the suppressed events are still counted ("the ledge_mqtt_* metrics"). */
  countedIn?: string;
}

export function throttleLogger(logger: Logger, options: ThrottleOptions = {}): Logger {
  const { linesMax = 20, windowMs = 10_000, levels = ["warn", "error"], countedIn = "the metrics" } = options;
  let windowStartMs = 0;
  let lines = 0;
  let suppressed = 0;
  const admit = (): boolean => {
    const now = Date.now();
    if (now - windowStartMs >= windowMs) {
      if (suppressed > 0) logger.warn(`${suppressed} more lines like the ones above were suppressed in ${windowMs / 1000} s (see ${countedIn} for counts)`);
      windowStartMs = now;
      lines = 0;
      suppressed = 0;
    }
    if (lines < linesMax) {
      lines++;
      return true;
    }
    suppressed++;
    return false;
  };
  const at = (level: Level, write: (m: string) => void) => levels.includes(level) ? (m: string) => void (admit() && write(m)) : write;
  return {
    info: at("info", (m) => logger.info(m)),
    warn: at("warn", (m) => logger.warn(m)),
    error: at("error", (m) => logger.error(m)),
    child: (part) => throttleLogger(logger.child(part), options),
  };
}
