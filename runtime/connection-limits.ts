// Bounds every listener puts on accepted connections, before any protocol byte is read: a cap
// on all open connections (where the listener has one here) and on those from one source
// address, so one host cannot take every slot. And running out of file descriptors, logged
// once a minute with what to do: when it happens libuv accepts and closes each new connection
// itself (its reserve-fd trick) and Node sees no error, so every port stops answering with
// nothing logged. ledge watches its own descriptor count against the limit instead (Linux
// /proc), and logs the accept errors a platform does report.
//
// The open-files limit itself: Node raises its soft RLIMIT_NOFILE to the hard limit when it
// starts (node.cc, PlatformInit), so ledge runs at the hard limit; raising the hard limit needs
// the operator (ulimit -Hn, systemd LimitNOFILE=). Node has no setrlimit without an addon.
import { readdirSync, readFileSync } from "node:fs";
import type { Server, Socket } from "node:net";
import type { Logger } from "./logger.ts";
import { throttleLogger } from "./log-throttle.ts";

export interface ConnectionGateOptions {
  /** The listener's config path, named in log lines ("listeners.kafka"). */
  listener: string;
  connectionCountPerAddressMax: number;
  /** All open connections of the listener; omitted when another part bounds them. */
  connectionCountMax?: number;
  logger: Logger;
}

export class ConnectionGate {
  readonly #o: ConnectionGateOptions;
  readonly #byAddress = new Map<string, number>();
  readonly #log: Logger;
  #open = 0;

  constructor(options: ConnectionGateOptions) {
    this.#o = options;
    this.#log = throttleLogger(options.logger, { countedIn: "the listener's connection metrics" });
  }

  get openCount(): number {
    return this.#open;
  }

  /** Counts `socket` until it closes, or destroys it (with a log line) when a cap is reached. */
  admit(socket: Socket): boolean {
    const { listener, connectionCountMax, connectionCountPerAddressMax } = this.#o;
    const address = socket.remoteAddress ?? "unknown";
    if (connectionCountMax !== undefined && this.#open >= connectionCountMax) {
      return this.#refuse(socket, `${this.#open} are open, the ${listener}.connectionCountMax bound; close idle clients or raise the bound`);
    }
    const fromAddress = this.#byAddress.get(address) ?? 0;
    if (fromAddress >= connectionCountPerAddressMax) {
      return this.#refuse(socket, `${fromAddress} are open from that address, the ${listener}.connectionCountPerAddressMax bound; close that host's idle connections or raise the bound`);
    }
    this.#open++;
    this.#byAddress.set(address, fromAddress + 1);
    socket.once("close", () => {
      this.#open--;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    });
    return true;
  }

  /** Gates every connection `server` accepts, before its own connection handler sees it (for
   * servers whose handler is not ours: TLS, HTTP). A refused socket is destroyed at once. */
  guard(server: Server): void {
    server.prependListener("connection", (socket: Socket) => void this.admit(socket));
  }

  #refuse(socket: Socket, why: string): false {
    this.#log.warn(`refused a connection from ${socket.remoteAddress} on ${this.#o.listener}: ${why}`);
    socket.destroy();
    return false;
  }
}

const fdErrorLogIntervalMs = 60_000;
const fdCheckIntervalMs = 5_000;
/** Descriptors counted as "run out" below the limit: the reserve fd, LMDB, a log file or two. */
const fdHeadroomCount = 8;
const fdAdvice = "Raise the open-files limit (ulimit -n, or LimitNOFILE= in the systemd unit; ledge starts with its soft limit at the hard limit), " +
  "or lower the connection bounds (listeners.*.connectionCountMax, connectionCountPerAddressMax, mqtt.limits.connectionCountMax)";

/** The process's soft open-files limit (Linux /proc), or undefined where it cannot be read. */
export function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Open descriptors; `limit` when not even the directory can be opened (EMFILE: at the limit). */
function openFilesCount(limit: number): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "EMFILE" || code === "ENFILE" ? limit : undefined;
  }
}

/** Every few seconds, compares the open descriptors with the limit; at it, logs once a minute.
 * Returns the stop function. Does nothing where /proc is missing. */
export function watchOpenFiles(logger: Logger): () => void {
  const limit = openFilesLimit();
  if (limit === undefined) return () => {};
  let lastLineMs = -Infinity;
  const timer = setInterval(() => {
    const open = openFilesCount(limit);
    if (open === undefined || open < limit - fdHeadroomCount) return;
    const now = Date.now();
    if (now - lastLineMs < fdErrorLogIntervalMs) return;
    lastLineMs = now;
    logger.error(`ledge has run out of file descriptors (EMFILE: ${open} open, the limit is ${limit}): new connections on every listener are closed unanswered. ${fdAdvice}`);
  }, fdCheckIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Logs a listener's accept errors: fd exhaustion once per minute with advice, others throttled. */
export function logAcceptErrors(server: Server, listener: string, logger: Logger): void {
  let lastFdLineMs = -Infinity;
  let unlogged = 0;
  const other = throttleLogger(logger);
  server.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EMFILE" && err.code !== "ENFILE") return other.error(`${listener} failed to accept a connection: ${err.message}`);
    const now = Date.now();
    if (now - lastFdLineMs < fdErrorLogIntervalMs) return void unlogged++;
    const more = unlogged > 0 ? ` (${unlogged} more since the last line)` : "";
    lastFdLineMs = now;
    unlogged = 0;
    logger.error(`${listener} cannot accept connections: ledge has run out of file descriptors (${err.code}${more}); every listener is affected. ${fdAdvice}`);
  });
}
