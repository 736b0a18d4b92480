// Operator lines under attack: a flood of bad clients must not flood the log. At most
// `linesMax` warnings/errors per window; the rest are counted and summed up in one line.
import type { Logger } from "../../runtime/logger.ts";

export function throttleLogger(logger: Logger, linesMax = 20, windowMs = 10_000): Logger {
  let windowStartMs = 0;
  let lines = 0;
  let suppressed = 0;
  const admit = (): boolean => {
    const now = Date.now();
    if (now - windowStartMs >= windowMs) {
      if (suppressed > 0) logger.warn(`${suppressed} more lines like the ones above were suppressed in ${windowMs / 1000} s (see the ledge_mqtt_* metrics for counts)`);
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
  return {
    info: (m) => logger.info(m),
    warn: (m) => void (admit() && logger.warn(m)),
    error: (m) => void (admit() && logger.error(m)),
    child: (part) => throttleLogger(logger.child(part), linesMax, windowMs),
  };
}
