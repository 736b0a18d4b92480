// `ledge backup DIR [--data-dir DATA]`: a compacted, consistent copy of the log into DIR, safe
// while ledge runs (runtime/log/backup.ts): then the running ledge makes the copy
// (runtime/log/owner.ts). Restore by starting ledge with --data-dir DIR.
import { resolve } from "node:path";
import { backupLog } from "../runtime/log/backup.ts";
import { onDataDir } from "../runtime/log/owner.ts";

/** Returns the exit code: 0 copied, 2 nothing copied (the line says why). */
export async function backupCommand(dataDir: string, targetDir: string | undefined): Promise<number> {
  if (!targetDir) {
    process.stderr.write("ledge backup: name the directory to copy into: ledge backup DIR [--data-dir DATA]\n");
    return 2;
  }
  const startMs = Date.now();
  process.stdout.write(`ledge backup: copying ${dataDir} into ${targetDir} (compacted, consistent; ledge may keep running)\n`);
  try {
    const target = resolve(targetDir); // the running ledge may have another working directory
    const { result: { file, bytes }, by } = await onDataDir(dataDir, "ledge backup", { op: "backup", dir: target }, () => backupLog(dataDir, target));
    if (by) process.stdout.write(`ledge backup: ${by.role} (pid ${by.pid}) holds ${dataDir} and made the copy\n`);
    process.stdout.write(`ledge backup: wrote ${file}, ${(bytes / 1e6).toFixed(1)} MB in ${((Date.now() - startMs) / 1000).toFixed(1)} s; restore with ledge start --data-dir ${targetDir}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`ledge backup: ${(err as Error).message}\n`);
    return 2;
  }
}
