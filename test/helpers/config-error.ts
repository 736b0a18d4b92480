// The ConfigError a config reader throws (a test fails if it throws nothing, or something else).
import { ConfigError } from "../../runtime/config/index.ts";

export function configErrorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("no ConfigError");
}
