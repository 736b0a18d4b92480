// Run by crc32c.fallback.test.ts in a child process with LEDGE_CRC_HARDWARE=off: the wasm path
// alone must produce the same CRCs and validate batches, as on Bun or 32-bit Arm.
import { checkBatchCrc, crc32c, encodeBatch, validateBatch } from "../../runtime/core/index.ts";
import { hardwareCrc32c } from "../../runtime/core/crc32c.ts";
import { crc32cReference } from "../reference/crc32c.ts";

const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
const batch = encodeBatch([{ key: null, value: big, timestampMs: 1 }]);
validateBatch(batch);
checkBatchCrc(batch);
batch[1000] ^= 1;
let corrupt = "";
try {
  validateBatch(batch);
} catch (err) {
  corrupt = (err as { code: string }).code;
}
process.stdout.write(JSON.stringify({
  hardware: hardwareCrc32c !== null,
  agrees: crc32c(big) === crc32cReference(big),
  corrupt,
}));
