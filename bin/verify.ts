// `ledge verify [--data-dir DIR]`: checks every stored batch (runtime/log/verify.ts), prints one
// line per partition, and exits 1 naming the first bad batch. While ledge runs, the running ledge
// does the reading (runtime/log/owner.ts says why no second process may open its log).
import { onDataDir } from "../runtime/log/owner.ts";
import { verifyLog, type PartitionSummary, type VerifyProblem, type VerifyReport } from "../runtime/log/verify.ts";

function offsets(s: PartitionSummary): string {
  const stored = s.firstOffset === null ? "no batches" : `offsets ${s.firstOffset}..${s.lastOffset}`;
  return `${stored} (log start ${s.meta.logStartOffset}, next ${s.meta.nextOffset}${s.compacted ? ", compacted" : ""})`;
}

export function describeProblem(p: VerifyProblem): string {
  return `${p.topic}/${p.partition}${p.offset === undefined ? "" : ` batch at offset ${p.offset}`}: ${p.what}`;
}

/** Returns the exit code: 0 all good, 1 a problem found, 2 no log could be opened. */
export async function verifyCommand(dataDir: string): Promise<number> {
  let report: VerifyReport;
  const out = process.stdout;
  try {
    const { result, by } = await onDataDir(dataDir, "ledge verify", { op: "verify" }, () => verifyLog(dataDir));
    if (by) out.write(`ledge verify: ${by.role} (pid ${by.pid}) holds ${dataDir}; it read its own log for this check\n`);
    report = result;
  } catch (err) {
    process.stderr.write(`ledge verify: could not read the log in ${dataDir}: ${(err as Error).message}\n`);
    return 2;
  }
  let batches = 0;
  let records = 0;
  let bytes = 0;
  for (const s of report.partitions) {
    batches += s.batches;
    records += s.records;
    bytes += s.bytes;
    out.write(`${s.problem ? "BAD" : "ok "} ${s.topic}/${s.partition}: ${s.batches} batches, ${s.records} records, ${s.bytes} bytes, ${offsets(s)}\n`);
  }
  const pending = report.batchesAwaitingRemoval > 0 ? `; ${report.batchesAwaitingRemoval} batches of deleted topics await removal` : "";
  out.write(`${report.partitions.length} partitions, ${batches} batches, ${records} records, ${bytes} bytes${pending}\n`);
  if (report.problem) {
    process.stderr.write(`ledge verify: ${describeProblem(report.problem)}\n`);
    return 1;
  }
  out.write("ledge verify: every batch and count checks out\n");
  return 0;
}
