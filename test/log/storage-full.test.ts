// Disk full for real: the log's LMDB file on a 2 MiB tmpfs (needs root to mount). Appends get
// LEDGE_ERR_STORAGE_FULL, the process stays up, nothing stored is damaged, and appends succeed
// again once space returns. (storage.maxBytes with overflow: reject is covered in retention.test.ts.)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateBatch } from "../../runtime/core/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

const isRoot = process.getuid?.() === 0;
const t = tempDir();
const mountDir = join(t.dir, "tmpfs");

beforeAll(() => {
  if (!isRoot) return;
  mkdirSync(mountDir);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountDir]);
});

afterAll(() => {
  if (isRoot) execFileSync("umount", ["-l", mountDir]);
  t.remove();
});

describe.runIf(isRoot)("disk full (tmpfs)", () => {
  it("refuses with STORAGE_FULL, keeps acked data intact, and resumes once space is freed", async () => {
    const ballast = join(mountDir, "ballast");
    writeFileSync(ballast, Buffer.alloc(512 * 1024, 1));
    const log = await openLog(join(mountDir, "data"), { mapSizeBytes: 64 * 2 ** 20 });
    await log.createTopic("full", 1);
    const acked: Array<{ offset: number; hex: string }> = [];
    let failure: unknown;
    for (let i = 0; i < 1000 && !failure; i++) {
      const b = batch(4, { valueBytes: 2000, prefix: `n${i}` });
      try {
        const r = await log.append("full", 0, b);
        acked.push({ offset: r.baseOffset, hex: Buffer.from(b).toString("hex") });
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL", kafkaErrorCode: 56 });
    expect((failure as Error).message).toMatch(/free disk space/);
    expect(acked.length).toBeGreaterThan(10);
    await expect(log.append("full", 0, batch(4, { valueBytes: 2000 }))).rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    const hwm = log.partitionState("full", 0).highWatermark;
    expect(hwm).toBe(acked.length * 4);

    rmSync(ballast); // space returns
    const after = await log.append("full", 0, batch(4, { valueBytes: 2000 }));
    expect(after.baseOffset).toBe(hwm);
    await log.close();

    const reopened = await openLog(join(mountDir, "data"));
    for (const a of acked) {
      const [stored] = reopened.read("full", 0, a.offset, 1).batches;
      validateBatch(stored);
      expect(Buffer.from(stored).toString("hex")).toBe(a.hex);
    }
    expect(reopened.partitionState("full", 0).highWatermark).toBe(hwm + 4);
    await reopened.close();
  });
});
