// Shared by the log tests: a Log in a fresh temp dir, and batches built with runtime/core.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBatch, type BatchOptions, type EncodedBatch } from "../../runtime/core/index.ts";
import { Log, type LogOptions } from "../../runtime/log/index.ts";
import type { LogConfig, StorageConfig } from "../../runtime/config/schema.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { createLogger } from "../../runtime/logger.ts";

/** The config's defaults (sync always, 8 GiB, drop-oldest, ...), as a log opened by ledge gets them. */
export const storageDefaults: StorageConfig = readConfig({}).storage;
export const logDefaults: LogConfig = readConfig({}).log;

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "ledge-log-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openLog(dir: string, over: Omit<Partial<LogOptions>, "storage"> & { storage?: Partial<StorageConfig> } = {}): Promise<Log> {
  const lines: string[] = [];
  return Log.open({
    dataDir: dir,
    log: logDefaults,
    logger: createLogger("log", (l) => lines.push(l)),
    ...over,
    storage: { ...storageDefaults, ...over.storage },
  });
}

const enc = new TextEncoder();

/** A batch of `count` records with values "<prefix>-<i>" (optionally padded). */
export function batch(count: number, options: BatchOptions & { prefix?: string; timestampMs?: number; valueBytes?: number; keys?: (string | null)[] } = {}): EncodedBatch {
  const ts = options.timestampMs ?? Date.now();
  const records = Array.from({ length: count }, (_, i) => {
    const text = `${options.prefix ?? "v"}-${i}`;
    const value = options.valueBytes ? enc.encode(text.padEnd(options.valueBytes, ".")) : enc.encode(text);
    const key = options.keys ? options.keys[i] : `k${i}`;
    return { key: key === null ? null : enc.encode(key), value, timestampMs: ts + i };
  });
  return encodeBatch(records, options);
}

export function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
