// ledge's own error codes (STYLE habit 8; fastify's errors.test.js habit). The tables of
// runtime/core, runtime/log and runtime/config are the only homes of LEDGE_ERR_* codes; this
// checks that no code is defined twice, that every code in the sources is in a table, that
// docs/errors.md explains exactly the codes in the tables with the Kafka code each answers with,
// and that a test elsewhere produces each code (the table below, checked complete).
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { coreErrors, errorForStatus, statusTable, CoreInternalError } from "../runtime/core/errors.ts";
import { logErrors, LogError, type LogErrorCode } from "../runtime/log/errors.ts";
import { configErrorCodes, ConfigError } from "../runtime/config/errors.ts";
import { errorInfo } from "../runtime/kafka/errors.ts";
import { apiErrors } from "../gateways/http/errors.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

const tables = {
  "runtime/core": Object.keys(coreErrors),
  "runtime/log": Object.keys(logErrors),
  "runtime/config": [...configErrorCodes] as string[],
  "gateways/http": Object.keys(apiErrors),
};
const allCodes = Object.values(tables).flat();

/** The Kafka code each code answers with; null for codes no Kafka client ever sees. */
function kafkaCodeOf(code: string): number | null {
  if (code in coreErrors) return coreErrors[code as keyof typeof coreErrors].kafkaErrorCode;
  if (code in logErrors) return logErrors[code as LogErrorCode].kafkaErrorCode;
  return null;
}

/** A test file that produces each code and asserts it (`code: "…"`, `isLogError(…, "…")`). */
const producedBy: Record<string, string> = {
  LEDGE_ERR_CORRUPT_BATCH: "test/log/append-read.test.ts",
  LEDGE_ERR_INVALID_RECORD: "test/core/batch.validate.test.ts",
  LEDGE_ERR_BATCH_TOO_LARGE: "test/core/batch.validate.test.ts",
  LEDGE_ERR_UNSUPPORTED_COMPRESSION: "test/core/compression.roundtrip.test.ts",
  LEDGE_ERR_MALFORMED_COMPRESSED_DATA: "test/core/compression.interop.test.ts",
  LEDGE_ERR_CORE_INTERNAL: "test/core/compression.bad-input.test.ts",
  LEDGE_ERR_CORRUPT_STATE: "test/core/quantile-sketch.test.ts",
  LEDGE_ERR_UNKNOWN_TOPIC: "test/log/append-read.test.ts",
  LEDGE_ERR_UNKNOWN_PARTITION: "test/log/append-read.test.ts",
  LEDGE_ERR_TOPIC_EXISTS: "test/log/topics.test.ts",
  LEDGE_ERR_INVALID_TOPIC: "test/log/topics.test.ts",
  LEDGE_ERR_INVALID_PARTITIONS: "test/log/topics.test.ts",
  LEDGE_ERR_TOPIC_LIMIT: "test/hardening/auto-create.test.ts",
  LEDGE_ERR_INVALID_TOPIC_CONFIG: "test/log/topics.test.ts",
  LEDGE_ERR_OFFSET_OUT_OF_RANGE: "test/log/append-read.test.ts",
  LEDGE_ERR_STORAGE_FULL: "test/log/storage-full.test.ts",
  LEDGE_ERR_STORAGE: "test/log/pipelining.test.ts",
  LEDGE_ERR_STORAGE_FAILED: "test/log/io-failure.test.ts",
  LEDGE_ERR_MESSAGE_TOO_LARGE: "test/log/append-read.test.ts",
  LEDGE_ERR_STORED_BATCH_CORRUPT: "test/log/stored-batch.test.ts",
  LEDGE_ERR_OUT_OF_ORDER_SEQUENCE: "test/log/idempotence.test.ts",
  LEDGE_ERR_INVALID_PRODUCER_EPOCH: "test/log/idempotence.test.ts",
  LEDGE_ERR_OFFSET_METADATA_TOO_LARGE: "test/log/stores.test.ts",
  LEDGE_ERR_DATA_DIR_IN_USE: "test/log/owner.test.ts",
  LEDGE_ERR_LOG_CLOSED: "test/log/close.test.ts",
  LEDGE_ERR_TOO_MANY_WAITERS: "test/log/waiting-reads.test.ts",
  LEDGE_ERR_CONFIG: "test/config/config.test.ts",
  LEDGE_ERR_API_BAD_REQUEST: "test/http/api.test.ts",
  LEDGE_ERR_API_UNAUTHORIZED: "test/http/api.test.ts",
  LEDGE_ERR_API_NOT_FOUND: "test/http/api.test.ts",
  LEDGE_ERR_API_METHOD: "test/http/api.test.ts",
  LEDGE_ERR_API_GROUP_ACTIVE: "test/http/api.test.ts",
  LEDGE_ERR_API_BODY_TOO_LARGE: "test/http/api.test.ts",
};

function sources(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Rows of docs/errors.md's tables: `| \`CODE\` | 2 \`CORRUPT_MESSAGE\` | … |` or `| none |`. */
function documented(): Map<string, { kafkaCode: number | null; kafkaName: string | null }> {
  const rows = new Map<string, { kafkaCode: number | null; kafkaName: string | null }>();
  for (const m of read("docs/errors.md").matchAll(/^\| `(LEDGE_ERR_[A-Z0-9_]+)` \| (?:(-?\d+) `([A-Z_]+)`|(none)) \|/gm)) {
    expect(rows.has(m[1]), `${m[1]} has two rows in docs/errors.md`).toBe(false);
    rows.set(m[1], { kafkaCode: m[4] ? null : Number(m[2]), kafkaName: m[3] ?? null });
  }
  return rows;
}

describe("ledge's error codes", () => {
  it("each code is defined in exactly one table", () => {
    expect(allCodes.length).toBeGreaterThan(20);
    for (const code of allCodes) expect(code).toMatch(/^LEDGE_ERR_[A-Z0-9_]+$/);
    const twice = allCodes.filter((code, i) => allCodes.indexOf(code) !== i);
    expect(twice).toEqual([]);
  });

  it("every LEDGE_ERR_ code the sources name is in a table", () => {
    const files = ["runtime", "gateways", "bridge", "bin"].flatMap(sources);
    expect(files.length).toBeGreaterThan(50);
    const unknown = files.flatMap((f) => [...read(f).matchAll(/LEDGE_ERR_[A-Z0-9_]+/g)]
      .map((m) => m[0]).filter((code) => !allCodes.includes(code)).map((code) => `${f}: ${code}`));
    expect(unknown).toEqual([]);
  });

  it("an error's code is the table key it was built from, with the table's Kafka code", () => {
    for (const code of Object.keys(logErrors) as LogErrorCode[]) {
      expect(new LogError(code, "what")).toMatchObject({ code, kafkaErrorCode: logErrors[code].kafkaErrorCode });
    }
    const coreCodes = new Set<string>();
    for (const entry of statusTable) {
      const err = errorForStatus(entry.status);
      coreCodes.add(err.code);
      expect(err.kafkaErrorCode, entry.name).toBe(coreErrors[err.code].kafkaErrorCode);
    }
    expect(new CoreInternalError(-1, "ERR_REGION_OUT_OF_BOUNDS", "x").code).toBe("LEDGE_ERR_CORE_INTERNAL");
    expect([...coreCodes].sort()).toEqual(Object.keys(coreErrors).sort());
    expect(configErrorCodes).toContain(new ConfigError("k", "a thing", 1).code);
  });

  it("docs/errors.md explains every code in the tables and no other, with its Kafka code", () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual([...allCodes].sort());
    for (const code of allCodes) {
      const row = rows.get(code)!;
      const kafkaCode = kafkaCodeOf(code);
      expect(row.kafkaCode, code).toBe(kafkaCode);
      if (kafkaCode !== null) expect(row.kafkaName, code).toBe(errorInfo(kafkaCode).name);
    }
  });

  it("a test produces every code (the table above names it, and is complete)", () => {
    expect(Object.keys(producedBy).sort()).toEqual([...allCodes].sort());
    for (const [code, file] of Object.entries(producedBy)) {
      expect(existsSync(join(root, file)), file).toBe(true);
      const asserted = new RegExp(`(code: |isLogError\\([^)]*, |toBe\\()"${code}"`);
      expect(read(file), `${file} should assert ${code}`).toMatch(asserted);
    }
  });
});
