// Sizes and durations as YAML writes them ("64KiB", "8GiB", "10s", "5m") and as code keeps
// them (bytes, milliseconds). Plain numbers pass through in the code's unit.

const sizeUnits: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30,
};

const durationUnits: Record<string, number> = {
  ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3,
};

function parseWithUnits(text: string, units: Record<string, number>): number | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!match) return undefined;
  const factor = match[2] === "" ? 1 : units[match[2].toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

/** "64KiB" → 65536; a number is already bytes. undefined when the text is not a size. */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") return parseWithUnits(value, sizeUnits);
  return undefined;
}

/** "10s" → 10000; a number is already milliseconds. undefined when the text is not a duration. */
export function parseMs(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") return parseWithUnits(value, durationUnits);
  return undefined;
}
