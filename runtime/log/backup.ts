// A consistent copy of a data directory's log: LMDB copies from one read transaction (a snapshot;
// writers go on), compacted (free pages left out, so the copy is the size of the live data). The
// copy is a data directory that `ledge start` and `ledge verify` open as they are. The process
// that holds the data directory makes it (owner.ts): `ledge backup` itself when nothing else has
// the log open, else the running ledge, on LMDB's copy thread.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { closeTables, logFile, openTables, type LogTables } from "./lmdb-env.ts";

export interface BackupResult {
  file: string;
  bytes: number;
}

/** Copies the log in `dataDir`, which no process has open (the caller holds the directory). */
export async function backupLog(dataDir: string, targetDir: string): Promise<BackupResult> {
  if (!existsSync(logFile(dataDir))) {
    throw new Error(`no ledge log at ${logFile(dataDir)}; pass the data directory ledge runs with (--data-dir)`);
  }
  const file = backupTarget(targetDir);
  const tables = openTables(dataDir, 0, "read-only");
  try {
    return await copy(tables, file);
  } finally {
    await closeTables(tables);
  }
}

/** Copies the log through tables already open (the running ledge's own). */
export function backupTables(tables: LogTables, targetDir: string): Promise<BackupResult> {
  return copy(tables, backupTarget(targetDir));
}

/** The file a backup into `targetDir` writes; refuses a directory that already holds a log. */
function backupTarget(targetDir: string): string {
  const file = logFile(targetDir);
  if (existsSync(file)) throw new Error(`${file} exists; back up into an empty directory (a backup never overwrites)`);
  mkdirSync(targetDir, { recursive: true });
  return file;
}

async function copy(tables: LogTables, file: string): Promise<BackupResult> {
  await tables.env.backup(file, true);
  return { file, bytes: statSync(file).size };
}
