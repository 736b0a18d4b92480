// Where @node-rs/crc32 does not load (Bun, 32-bit Arm), every CRC runs in wasm: a real child
// process with the hardware path switched off must still compute, validate and reject.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { checkBatchCrc, encodeBatch } from "../../runtime/core/index.ts";

const run = promisify(execFile);

describe("crc32c without the hardware package", () => {
  it("computes, validates and rejects on the wasm path alone (LEDGE_CRC_HARDWARE=off)", async () => {
    const child = fileURLToPath(new URL("./crc-fallback-child.ts", import.meta.url));
    const { stdout } = await run(process.execPath, ["--import", "tsx", child], {
      env: { ...process.env, LEDGE_CRC_HARDWARE: "off" },
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ hardware: false, agrees: true, corrupt: "LEDGE_ERR_CORRUPT_BATCH" });
  });

  it("checkBatchCrc passes a good batch and refuses a flipped bit or a short buffer", () => {
    const bytes = encodeBatch([{ key: null, value: new Uint8Array(5000), timestampMs: 0 }]);
    expect(checkBatchCrc(bytes).recordCount).toBe(1);
    expect(() => checkBatchCrc(bytes.subarray(0, bytes.length - 1))).toThrow(expect.objectContaining({ statusName: "ERR_BATCH_TRUNCATED" }));
    bytes[4000] ^= 0x80;
    expect(() => checkBatchCrc(bytes)).toThrow(expect.objectContaining({ statusName: "ERR_BATCH_CRC", kafkaErrorCode: 2 }));
  });
});
