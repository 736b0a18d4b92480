// runtime/config's error codes (STYLE habit 8: a table per room; docs/errors.md explains each).
export const configErrorCodes = ["LEDGE_ERR_CONFIG"] as const;

export type ConfigErrorCode = (typeof configErrorCodes)[number];

/** Key names whose values hold or may hold a secret: never printed in an error. */
const secretKeyName = /pass|secret|token|salt|storedkey|serverkey|hash|credential|private|apikey/i;

export const isSecretKey = (key: string): boolean => secretKeyName.test(key.replace(/\[\d+\]/g, "").split(".").pop() ?? "");

/** A value shown only by its kind (an unknown key's value: a misspelt `pasword:` holds a secret). */
export class ValueNotShown {
  readonly kind: string;
  constructor(value: unknown) {
    this.kind = Array.isArray(value) ? "a list" : value === null ? "null" : typeof value === "object" ? "a mapping" : `a ${typeof value}`;
  }
}

/** Nesting shown in a message; deeper values print as "…". */
const SHOWN_DEPTH_MAX = 8;

/** `value` with every value under a secret-looking key (at any depth) replaced by "(hidden)",
 * cut at SHOWN_DEPTH_MAX, and a YAML alias that contains itself (`a: &x [*x]`) named instead of
 * followed, so the message can always be printed. */
function withoutSecrets(value: unknown, depth = 0, path: ReadonlySet<object> = new Set()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (path.has(value)) return "(a YAML alias of itself)";
  if (depth >= SHOWN_DEPTH_MAX) return "…";
  const inner = new Set(path).add(value);
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1, inner));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? "(hidden)" : withoutSecrets(v, depth + 1, inner);
  return out;
}

function shown(key: string, found: unknown): string {
  if (found instanceof ValueNotShown) return `${found.kind} (value not shown)`;
  if (isSecretKey(key)) return JSON.stringify("(hidden)");
  return JSON.stringify(withoutSecrets(found));
}

/** A config mistake: names the key, the expected form and what was found (never a secret:
 * values under secret-looking keys are hidden). Stops start-up. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode = "LEDGE_ERR_CONFIG";
  readonly key: string;

  constructor(key: string, expected: string, found: unknown) {
    super(`config key '${key}' must be ${expected}; found ${shown(key, found)}`);
    this.name = "ConfigError";
    this.key = key;
  }
}
