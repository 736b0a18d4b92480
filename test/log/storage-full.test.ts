// Disk full for real: the log's LMDB file on a small tmpfs (needs root to mount). Appends get
// LEDGE_ERR_STORAGE_FULL before LMDB itself runs out (lmdb-js's ENOSPC path can corrupt the
// heap, see runtime/log/disk-guard.ts), the process stays up, nothing stored is damaged, and
// appends succeed again once space returns: on the disk, or inside LMDB after a deletion.
// (storage.maxBytes with overflow: reject is covered in retention.test.ts.)
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateBatch } from "../../runtime/core/index.ts";
import type { Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

const isRoot = process.getuid?.() === 0;
const t = tempDir();
const mounts: string[] = [];

function tmpfs(name: string, size: string): string {
  const dir = join(t.dir, name);
  mkdirSync(dir);
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of mounts) execFileSync("umount", ["-l", dir]);
  t.remove();
});

/** Appends 8 KiB batches until the log refuses; returns what was acknowledged and the error. */
async function fillUntilFull(log: Log, topic: string): Promise<{ acked: Array<{ offset: number; hex: string }>; failure: unknown }> {
  const acked: Array<{ offset: number; hex: string }> = [];
  for (let i = 0; i < 2000; i++) {
    const b = batch(4, { valueBytes: 2000, prefix: `n${i}` });
    try {
      const r = await log.append(topic, 0, b);
      acked.push({ offset: r.baseOffset, hex: Buffer.from(b).toString("hex") });
    } catch (failure) {
      return { acked, failure };
    }
  }
  return { acked, failure: undefined };
}

describe.runIf(isRoot)("disk full (tmpfs)", () => {
  it("refuses with STORAGE_FULL, keeps acked data intact, and resumes once disk space is freed", async () => {
    const disk = tmpfs("small", "2m");
    const ballast = join(disk, "ballast");
    writeFileSync(ballast, Buffer.alloc(512 * 1024, 1));
    const log = await openLog(join(disk, "data"), { diskFreeBytesMin: 256 * 1024 });
    await log.createTopic("full", 1);
    const { acked, failure } = await fillUntilFull(log, "full");
    expect(failure).toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL", kafkaErrorCode: 56 });
    expect((failure as Error).message).toMatch(/free disk space/);
    expect(acked.length).toBeGreaterThan(10);
    await expect(log.append("full", 0, batch(4, { valueBytes: 2000 }))).rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    const hwm = log.partitionState("full", 0).highWatermark;
    expect(hwm).toBe(acked.length * 4);

    // Side tables are guarded too, so no LMDB write reaches ENOSPC.
    const { bavail, bsize } = statfsSync(disk);
    writeFileSync(join(disk, "ballast2"), Buffer.alloc(Math.max(0, bavail * bsize - 64 * 1024), 1));
    const sessions = log.openStore<{ n: number }>("sessions");
    await expect(sessions.put("a", { n: 1 })).rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    await expect(sessions.putMany([{ key: "a", value: { n: 1 } }, { key: "b", value: undefined }])).rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    await sessions.putMany([{ key: "kept", value: undefined }]); // removals alone free space: never refused

    rmSync(ballast); // space returns
    rmSync(join(disk, "ballast2"));
    await sessions.put("a", { n: 1 });
    expect(sessions.get("a")).toEqual({ n: 1 });
    expect((await log.append("full", 0, batch(4, { valueBytes: 2000 }))).baseOffset).toBe(hwm);
    await log.close();

    const reopened = await openLog(join(disk, "data"));
    for (const a of acked) {
      const [stored] = reopened.read("full", 0, a.offset, 1).batches;
      validateBatch(stored);
      expect(Buffer.from(stored).toString("hex")).toBe(a.hex);
    }
    expect(reopened.partitionState("full", 0).highWatermark).toBe(hwm + 4);
    await reopened.close();
  });

  it("resumes when a deletion frees space inside LMDB although the disk stays full", async () => {
    const disk = tmpfs("reuse", "8m");
    const log = await openLog(join(disk, "data"), { diskFreeBytesMin: 256 * 1024 });
    await log.createTopic("old", 1);
    await log.createTopic("new", 1);
    const { failure } = await fillUntilFull(log, "old");
    expect(failure).toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    await expect(log.append("new", 0, batch(4, { valueBytes: 2000 }))).rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    await log.deleteTopic("old"); // its batches are removed in the background, in chunks
    let first: number | undefined;
    for (let i = 0; i < 100 && first === undefined; i++) {
      try {
        first = (await log.append("new", 0, batch(4, { valueBytes: 2000 }))).baseOffset;
      } catch (err) {
        expect(err).toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(first).toBe(0);
    try {
      for (let i = 1; i < 50; i++) expect((await log.append("new", 0, batch(4, { valueBytes: 2000 }))).baseOffset).toBe(i * 4);
    } finally {
      await log.close();
    }
  });
});
