// Reads one YAML mapping with key paths in every error, and rejects keys it was not asked
// about (a typo must not be silently ignored). Each config section is a function over this.
//
// Every key can also come from the environment, which wins over the file (flags win over both):
// the key path in upper snake case after LEDGE_, `storage.syncIntervalMs` as
// LEDGE_STORAGE_SYNC_INTERVAL_MS, its value read as YAML (`interval`, `100`, `true`, `[a, b]`).
// Keys inside lists (topics[], users[]) have no variable.
import { ConfigError, ValueNotShown } from "./errors.ts";
import { parseBytes, parseMs } from "./units.ts";
import { parse as parseYaml } from "yaml";

type Plain = Record<string, unknown>;

/** How a key was read: a quantity (integer, bytes, ms), or a value of another kind. */
export type KeyKind = "integer" | "bytes" | "ms" | "string" | "boolean" | "oneOf" | "list" | "section" | "raw";

/** One key the schema reads; list items show as `[]` in the path (`topics[].name`). */
export interface SchemaKey {
  path: string;
  kind: KeyKind;
}

let recording: SchemaKey[] | null = null;

/** The environment variable that sets a key path, or null for keys inside lists. */
export function envName(path: string): string | null {
  if (path.includes("[")) return null;
  return `LEDGE_${path.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/\./g, "_").toUpperCase()}`;
}

let environment: NodeJS.ProcessEnv = process.env;
const consumedEnv = new Set<string>();

/** Runs `read` with `env` as the environment config keys come from (tests), then restores it. */
export function withConfigEnvironment<T>(env: NodeJS.ProcessEnv, read: () => T): T {
  const before = environment;
  environment = env;
  try {
    return read();
  } finally {
    environment = before;
  }
}

/** LEDGE_ variables under one of the top-level `keys` (LEDGE_STORAGE_..., LEDGE_DATA_DIR) that
 * no key read: typos. A section's own name (LEDGE_LOG) is not a key, so it is left alone. */
export function unusedEnvOverrides(keys: readonly SchemaKey[]): string[] {
  const prefixes = keys.map((k) => envName(k.path)!);
  const scalars = keys.filter((k) => k.kind !== "section" && k.kind !== "raw" && k.kind !== "list").map((k) => envName(k.path)!);
  return Object.keys(environment)
    .filter((name) => !consumedEnv.has(name) && (scalars.includes(name) || prefixes.some((p) => name.startsWith(`${p}_`))))
    .sort();
}

function envValue(path: string): unknown {
  const name = envName(path);
  const text = name === null ? undefined : environment[name];
  if (text === undefined) return undefined;
  consumedEnv.add(name!);
  try {
    return parseYaml(text);
  } catch {
    throw new ConfigError(path, `a YAML value in ${name}`, text);
  }
}

function envHasUnder(path: string): boolean {
  const name = envName(path);
  return name !== null && Object.keys(environment).some((k) => k === name || k.startsWith(`${name}_`));
}

export class ConfigReader {
  /**
   * Runs `read` (which reads a config document through readers) and returns every key it asked
   * about: the schema as the code really reads it, which the key-naming lint checks.
   */
  static keysReadBy(read: () => void): SchemaKey[] {
    const keys: SchemaKey[] = [];
    recording = keys;
    try {
      read();
    } finally {
      recording = null;
    }
    return keys;
  }

  readonly path: string;
  readonly #data: Plain;
  readonly #seen = new Set<string>();

  constructor(data: unknown, path: string) {
    if (data !== undefined && data !== null && (typeof data !== "object" || Array.isArray(data))) {
      throw new ConfigError(path || "(top level)", "a mapping of keys to values", data);
    }
    this.#data = (data ?? {}) as Plain;
    this.path = path;
  }

  key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  raw(name: string): unknown {
    return this.#read(name, "raw");
  }

  #read(name: string, kind: KeyKind): unknown {
    this.#seen.add(name);
    recording?.push({ path: this.key(name).replace(/\[\d+\]/g, "[]"), kind });
    if (kind !== "section") {
      const fromEnv = envValue(this.key(name));
      if (fromEnv !== undefined) return fromEnv;
    }
    return this.#data[name];
  }

  has(name: string): boolean {
    return (this.#data[name] !== undefined && this.#data[name] !== null) || envHasUnder(this.key(name));
  }

  section(name: string): ConfigReader {
    return new ConfigReader(this.#read(name, "section"), this.key(name));
  }

  string(name: string, fallback: string): string {
    const v = this.#read(name, "string");
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || v === "") throw new ConfigError(this.key(name), "a non-empty string", v);
    return v;
  }

  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name, "") : (this.#read(name, "string"), undefined);
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.#read(name, "boolean");
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") throw new ConfigError(this.key(name), "true or false", v);
    return v;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const v = this.#read(name, "integer");
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(this.key(name), `an integer from ${min} to ${max}`, v);
    }
    return v;
  }

  /** A size: a number of bytes or text with a unit ("64KiB", "8GiB"). */
  bytes(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.#read(name, "bytes");
    if (v === undefined || v === null) return fallback;
    const n = parseBytes(v);
    if (n === undefined || n < min || n > max) {
      throw new ConfigError(this.key(name), `a size in bytes from ${min} to ${max}, or with a unit like 64KiB or 8GiB`, v);
    }
    return n;
  }

  /** A duration: a number of milliseconds or text with a unit ("10s", "5m"). */
  ms(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.#read(name, "ms");
    if (v === undefined || v === null) return fallback;
    const n = parseMs(v);
    if (n === undefined || n < min || n > max) {
      throw new ConfigError(this.key(name), `a duration in ms from ${min} to ${max}, or with a unit like 10s or 5m`, v);
    }
    return n;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.#read(name, "oneOf");
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || !choices.includes(v as T)) {
      throw new ConfigError(this.key(name), `one of ${choices.join(" | ")}`, v);
    }
    return v as T;
  }

  list<T>(name: string, each: (item: unknown, key: string) => T): T[] {
    const v = this.#read(name, "list");
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(this.key(name), "a list", v);
    return v.map((item, i) => each(item, `${this.key(name)}[${i}]`));
  }

  /** Call after reading a section: any key not read is a mistake (usually a typo). */
  done(): void {
    for (const name of Object.keys(this.#data)) {
      if (!this.#seen.has(name)) {
        // The value is not shown: a misspelt secret key (`pasword:`) holds a secret.
        throw new ConfigError(this.key(name), "a known key (check the spelling; see README's configuration section)", new ValueNotShown(this.#data[name]));
      }
    }
  }
}
