// The host side of the fused pipeline kernel restates the kernel's control block and row sizes
// (TypeScript cannot import them from AssemblyScript): this holds the two to the same numbers.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FOLD_LAYOUT, FoldListed, FoldStop } from "../../runtime/core/pipeline-fold.ts";

const kernel = ["pipeline-fold.ts", "json-extract.ts"].map((f) => readFileSync(new URL(`../../wasm-core/assembly/${f}`, import.meta.url), "utf8")).join("\n");

/** `export const NAME: i32 = N;` of the kernel, by name. */
const constants = new Map([...kernel.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => [m[1], Number(m[2])]));

const camel = (name: string) => name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

describe("fused pipeline kernel layout", () => {
  it("every control block index the host uses is the kernel's, and the host uses every one", () => {
    const kernelIndexes = [...constants].filter(([name]) => name.startsWith("C_")).map(([name, i]) => [camel(name.slice(2)), i]);
    expect(kernelIndexes.length).toBeGreaterThan(40);
    expect(Object.fromEntries(kernelIndexes)).toEqual(FOLD_LAYOUT.control);
  });

  it("row and block sizes, stops and listed kinds are the kernel's", () => {
    for (const name of ["CONTROL_F64S", "LIST_F64S", "KEY_ROW_BYTES", "WINDOW_ENTRY_BYTES", "DECIMAL_BYTES", "JSON_COLUMN_BYTES_PER_CELL"] as const) {
      expect(FOLD_LAYOUT[name], name).toBe(constants.get(name));
    }
    for (const [name, value] of Object.entries(FoldStop)) expect(value, name).toBe(constants.get(`FOLD_${snake(name)}`));
    for (const [name, value] of Object.entries(FoldListed)) expect(value, name).toBe(constants.get(`LIST_${snake(name)}`));
  });
});
