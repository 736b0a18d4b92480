// runtime/config's error codes (STYLE habit 8: a table per room; docs/errors.md explains each).
export const configErrorCodes = ["LEDGE_ERR_CONFIG"] as const;

export type ConfigErrorCode = (typeof configErrorCodes)[number];

/** A config mistake: names the key, the expected form and what was found. Stops start-up. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode = "LEDGE_ERR_CONFIG";
  readonly key: string;

  constructor(key: string, expected: string, found: unknown) {
    super(`config key '${key}' must be ${expected}; found ${JSON.stringify(found)}`);
    this.name = "ConfigError";
    this.key = key;
  }
}
