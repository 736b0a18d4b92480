// A consistent copy of a data directory's log, taken beside a running ledge: LMDB copies from one
// read transaction (a snapshot; writers go on), compacted (free pages left out, so the copy is
// the size of the live data). The copy is a data directory that `ledge start` and `ledge verify`
// open as they are.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { closeTables, logFile, openTables } from "./lmdb-env.ts";

export interface BackupResult {
  file: string;
  bytes: number;
}

export async function backupLog(dataDir: string, targetDir: string): Promise<BackupResult> {
  if (!existsSync(logFile(dataDir))) {
    throw new Error(`no ledge log at ${logFile(dataDir)}; pass the data directory ledge runs with (--data-dir)`);
  }
  const file = logFile(targetDir);
  if (existsSync(file)) throw new Error(`${file} exists; back up into an empty directory (a backup never overwrites)`);
  mkdirSync(targetDir, { recursive: true });
  const tables = openTables(dataDir, 0, "read-only");
  try {
    await tables.env.backup(file, true);
  } finally {
    await closeTables(tables);
  }
  return { file, bytes: statSync(file).size };
}
