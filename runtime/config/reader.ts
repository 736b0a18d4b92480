// Reads one YAML mapping with key paths in every error, and rejects keys it was not asked
// about (a typo must not be silently ignored). Each config section is a function over this.
import { ConfigError } from "./errors.ts";
import { parseBytes, parseMs } from "./units.ts";

type Plain = Record<string, unknown>;

/** How a key was read: a quantity (integer, bytes, ms), or a value of another kind. */
export type KeyKind = "integer" | "bytes" | "ms" | "string" | "boolean" | "oneOf" | "list" | "section" | "raw";

/** One key the schema reads; list items show as `[]` in the path (`topics[].name`). */
export interface SchemaKey {
  path: string;
  kind: KeyKind;
}

let recording: SchemaKey[] | null = null;

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
    return this.#data[name];
  }

  has(name: string): boolean {
    return this.#data[name] !== undefined && this.#data[name] !== null;
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
        throw new ConfigError(this.key(name), "a known key (check the spelling; see README's configuration section)", this.#data[name]);
      }
    }
  }
}
