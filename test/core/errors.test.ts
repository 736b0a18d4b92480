// The status table in runtime/core/errors.ts must match wasm-core/assembly/status.ts exactly:
// every failure the core can return becomes a typed error with a Kafka error code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorForStatus, LedgeWasmError, Status, statusTable } from "../../runtime/core/errors.ts";

const statusSource = readFileSync(new URL("../../wasm-core/assembly/status.ts", import.meta.url), "utf8");
const declared = [...statusSource.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => ({ name: m[1], status: Number(m[2]) }));

describe("wasm status table", () => {
  it("status.ts declares OK = 0 and unique negative statuses", () => {
    expect(declared[0]).toEqual({ name: "OK", status: 0 });
    const failures = declared.slice(1);
    expect(failures.length).toBeGreaterThan(10);
    expect(new Set(failures.map((d) => d.status)).size).toBe(failures.length);
    for (const d of failures) expect(d.status, d.name).toBeLessThan(0);
  });

  it("errors.ts maps every status in status.ts, with the same name, and nothing else", () => {
    const failures = declared.filter((d) => d.status !== 0);
    expect(statusTable.map((e) => ({ name: e.name, status: e.status }))).toEqual(failures);
    for (const d of failures) expect(Status[d.name as keyof typeof Status]).toBe(d.status);
  });

  it("each status becomes a typed LedgeWasmError with a LEDGE_ERR_ code and a Kafka error code", () => {
    for (const entry of statusTable) {
      const err = errorForStatus(entry.status, "detail for operators");
      expect(err).toBeInstanceOf(LedgeWasmError);
      expect(err).toBeInstanceOf(entry.errorClass);
      expect(err.code).toMatch(/^LEDGE_ERR_[A-Z_]+$/);
      expect(Number.isInteger(err.kafkaErrorCode)).toBe(true);
      expect(err.status).toBe(entry.status);
      expect(err.statusName).toBe(entry.name);
      expect(err.message).toContain("detail for operators");
    }
  });

  it("maps the produce failures to Kafka's codes: CRC 2, invalid record 87, too large 10, codec 76", () => {
    expect(errorForStatus(Status.ERR_BATCH_CRC)).toMatchObject({ code: "LEDGE_ERR_CORRUPT_BATCH", kafkaErrorCode: 2 });
    expect(errorForStatus(Status.ERR_RECORD_VARINT)).toMatchObject({ code: "LEDGE_ERR_INVALID_RECORD", kafkaErrorCode: 87 });
    expect(errorForStatus(Status.ERR_BATCH_TOO_LARGE)).toMatchObject({ code: "LEDGE_ERR_BATCH_TOO_LARGE", kafkaErrorCode: 10 });
    expect(errorForStatus(Status.ERR_UNSUPPORTED_COMPRESSION)).toMatchObject({ code: "LEDGE_ERR_UNSUPPORTED_COMPRESSION", kafkaErrorCode: 76 });
    expect(errorForStatus(Status.ERR_MALFORMED_COMPRESSED_DATA)).toMatchObject({ code: "LEDGE_ERR_MALFORMED_COMPRESSED_DATA", kafkaErrorCode: 2 });
  });

  it("an unknown status becomes an internal error instead of crashing", () => {
    const err = errorForStatus(-9999);
    expect(err.code).toBe("LEDGE_ERR_CORE_INTERNAL");
    expect(err.message).toContain("-9999");
  });
});

describe("runtime/core/README.md", () => {
  it("lists every status with its code and Kafka error code", () => {
    const readme = readFileSync(new URL("../../runtime/core/README.md", import.meta.url), "utf8");
    for (const entry of statusTable) {
      const err = errorForStatus(entry.status);
      expect(readme, entry.name).toContain(`| ${entry.status} | \`${entry.name}\` | \`${err.code}\` | ${err.kafkaErrorCode} |`);
    }
  });
});
