// One process opens a data directory's log at a time, and other ledge commands reach that one.
//
// Why: with lmdb-js 3.5.6 a second process must never open ledge.mdb while ledge writes it. Its
// mdb_env_open2 copies the txnid of the meta page *it* read into the shared lock table ("env->
// me_txns->mti_txnid = meta.mm_txnid", for read-only opens too). An open that races a commit
// points the writer back one transaction; the writer's next commit is built on the older meta and
// the last commit is gone, although it was reported durable. Measured: a plain lmdb-js writer
// lost up to 3 of 3,000 flushed transactions per run (more than half the runs lost one) while
// other processes opened the file in a loop, and `ledge verify` beside a ledge under MQTT QoS 1
// load lost a PUBACKed message in one run of eight.
// Opening the file again inside the same process reuses the open environment (lmdb-js finds it
// before mdb_env_open2) and is safe: the same loop in worker threads lost nothing.
//
// So whoever opens the log (ledge start; ledge verify and ledge backup when nothing runs) first
// listens on <dataDir>/ledge.sock (mode 0600: only the data directory's owner can ask). A live
// socket means the directory is taken: `ledge start` refuses it, and verify and backup send their
// request to the owner, which does the work in its own process. A socket left by a killed process
// refuses connections and is replaced.
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { LogError } from "./errors.ts";

export const OWNER_SOCKET_FILE = "ledge.sock";
/** Linux's sun_path holds 108 bytes, the last a NUL. */
const SOCKET_PATH_BYTES_MAX = 107;
const REQUEST_BYTES_MAX = 4096;
/** How long the probe of a socket found in the directory waits for an answer. */
const PROBE_TIMEOUT_MS = 2_000;

export type OwnerRequest = { op: "whoami" } | { op: "verify" } | { op: "backup"; dir: string };
export type OwnerReply = { ok: true; pid: number; role: string; result?: unknown } | { ok: false; pid: number; role: string; error: string };

/** What an owner answers to verify and backup; whoami is answered by DataDirOwner itself. */
export type OwnerHandler = (request: Exclude<OwnerRequest, { op: "whoami" }>) => Promise<unknown>;

export function ownerSocketPath(dataDir: string): string {
  return join(dataDir, OWNER_SOCKET_FILE);
}

/** Holds a data directory for this process; close() lets it go. */
export class DataDirOwner {
  readonly #server: Server;
  readonly #role: string;
  #handler: OwnerHandler | undefined;

  private constructor(server: Server, role: string) {
    this.#server = server;
    this.#role = role;
    server.on("connection", (socket) => this.#serve(socket));
  }

  /**
   * Takes `dataDir` for this process (`role` names it to others, e.g. "ledge start"), or throws
   * LEDGE_ERR_DATA_DIR_IN_USE naming the process that holds it. The directory must exist.
   */
  static async claim(dataDir: string, role: string): Promise<DataDirOwner> {
    const path = ownerSocketPath(dataDir);
    if (Buffer.byteLength(path) > SOCKET_PATH_BYTES_MAX) {
      throw new LogError("LEDGE_ERR_DATA_DIR_IN_USE", `the data directory path ${dataDir} is too long for its owner socket ${OWNER_SOCKET_FILE} (${Buffer.byteLength(path)} bytes with the file name, at most ${SOCKET_PATH_BYTES_MAX}); use a shorter --data-dir path, or a symlink to it`);
    }
    for (let attempt = 0; ; attempt++) {
      const server = createServer();
      const listened = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        server.once("error", resolve);
        server.listen(path, () => resolve(null));
      });
      if (listened === null) {
        chmodSync(path, 0o600);
        server.on("error", () => undefined); // a failed accept only ever concerns one caller
        server.unref(); // holding the directory is no reason to keep a process alive
        return new DataDirOwner(server, role);
      }
      if (listened.code !== "EADDRINUSE" || attempt > 0) {
        throw new LogError("LEDGE_ERR_DATA_DIR_IN_USE", `could not create the owner socket ${path} (${listened.code ?? listened.message}): the data directory must be writable and on a filesystem that holds Unix sockets (ext4, f2fs, btrfs, xfs; not FAT or exFAT)`, { cause: listened });
      }
      const holder = await askOwner(dataDir, { op: "whoami" }, PROBE_TIMEOUT_MS).catch((err: Error) => {
        throw new LogError("LEDGE_ERR_DATA_DIR_IN_USE", `${path} exists but its process did not answer (${err.message})`);
      });
      if (holder) throw new LogError("LEDGE_ERR_DATA_DIR_IN_USE", `data directory ${dataDir} is in use by ${holder.role} (pid ${holder.pid})`);
      // Left by a process that was killed: nobody listens on it. (Two processes starting within
      // the same instant on such a directory could both get here; one supervisor never does that.)
      unlinkSync(path);
    }
  }

  /** Serves verify and backup requests from other ledge commands with `handler`. */
  serve(handler: OwnerHandler): void {
    this.#handler = handler;
  }

  /** Lets the directory go: closing the server removes the socket file (libuv unlinks a pipe
   * it listened on), so no unlink here, which could remove the socket of a newer owner. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: Socket): void {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("error", () => undefined);
    const reply = (r: OwnerReply) => socket.end(`${JSON.stringify(r)}\n`);
    const base = { pid: process.pid, role: this.#role };
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > REQUEST_BYTES_MAX) return reply({ ok: false, ...base, error: `request over ${REQUEST_BYTES_MAX} bytes` });
      const end = text.indexOf("\n");
      if (end < 0) return;
      socket.removeAllListeners("data");
      let request: OwnerRequest;
      try {
        request = JSON.parse(text.slice(0, end)) as OwnerRequest;
      } catch {
        return reply({ ok: false, ...base, error: "the request is not one line of JSON" });
      }
      if (request.op === "whoami") return reply({ ok: true, ...base });
      if (!this.#handler || (request.op !== "verify" && request.op !== "backup")) {
        return reply({ ok: false, ...base, error: `${this.#role} does not serve '${String(request.op)}' requests` });
      }
      this.#handler(request).then(
        (result) => reply({ ok: true, ...base, result }),
        (err: Error) => reply({ ok: false, ...base, error: err.message }),
      );
    });
  }
}

/**
 * Sends `request` to the process that holds `dataDir`; resolves null when none does (no socket,
 * or one nobody listens on). Rejects when the owner does not answer within `timeoutMs`.
 */
export function askOwner(dataDir: string, request: OwnerRequest, timeoutMs = 0): Promise<OwnerReply | null> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(ownerSocketPath(dataDir));
    let text = "";
    socket.setEncoding("utf8");
    if (timeoutMs > 0) socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED") resolve(null);
      else reject(err);
    });
    socket.on("end", () => {
      try {
        resolve(JSON.parse(text) as OwnerReply);
      } catch {
        reject(new Error(`the owner of ${dataDir} answered with something other than JSON`));
      }
    });
  });
}

/**
 * Runs `request` where it is safe: in the process that holds `dataDir` when one does, else in
 * this one through `here`, holding the directory meanwhile (as `role`). Resolves with the result
 * and the process that produced it (null: this one).
 */
export async function onDataDir<T>(dataDir: string, role: string, request: Exclude<OwnerRequest, { op: "whoami" }>, here: () => Promise<T>): Promise<{ result: T; by: { pid: number; role: string } | null }> {
  const reply = await askOwner(dataDir, request);
  if (reply) {
    if (!reply.ok) throw new Error(`${reply.role} (pid ${reply.pid}), which holds ${dataDir}, answered: ${reply.error}`);
    return { result: reply.result as T, by: { pid: reply.pid, role: reply.role } };
  }
  if (!existsSync(dataDir)) return { result: await here(), by: null }; // `here` says there is no log
  const owner = await DataDirOwner.claim(dataDir, role);
  try {
    return { result: await here(), by: null };
  } finally {
    await owner.close();
  }
}
