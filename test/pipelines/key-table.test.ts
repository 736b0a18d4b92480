// KeyTable's key order: results are emitted in it, so it must not depend on the order keys were
// interned in (ids differ after a restore or a compaction).
import { describe, expect, it } from "vitest";
import { KeyTable } from "../../runtime/pipelines/key-table.ts";

/** The ids in key order, by compare() and by sort(), which must agree. */
function sorted(table: KeyTable, ids: number[]): number[] {
  const byCompare = [...ids].sort((a, b) => table.compare(a, b));
  const bySort = [...ids];
  table.sort(bySort);
  expect(bySort).toEqual(byCompare);
  return bySort;
}

describe("KeyTable.compare", () => {
  it("orders keys by their strings, then by bytes where strings are alike, whatever the interning order", () => {
    // 0xff and 0xfe are not UTF-8: both decode to U+FFFD, so only their bytes tell them apart.
    const keys = [[0x62], [0x61, 0xff], [0x61, 0xfe], [0x61], [0xe6, 0xb8, 0xa9], [0x7a]].map((k) => Uint8Array.from(k));
    const order = ["a", "a\xfe", "a\xff", "b", "z", "温"];
    const name = (bytes: Uint8Array) => String.fromCharCode(...(bytes.length === 3 ? [] : bytes)) || "温";
    for (const interning of [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 4, 1, 5, 3]]) {
      const table = new KeyTable();
      const ids = interning.map((k) => table.intern(keys[k], 0, keys[k].length));
      expect(sorted(table, ids).map((id) => name(table.bytes(id)))).toEqual(order);
    }
  });

  it("ranks keys added after an earlier comparison", () => {
    const table = new KeyTable();
    const utf8 = new TextEncoder();
    const id = (s: string) => table.intern(utf8.encode(s), 0, utf8.encode(s).length);
    const m = id("m");
    expect(table.compare(m, id("n"))).toBeLessThan(0);
    const a = id("a");
    expect(table.compare(a, m)).toBeLessThan(0);
    expect(table.compare(m, m)).toBe(0);
    expect(sorted(table, [m, a, id("b"), id("0")]).map((k) => String.fromCharCode(...table.bytes(k)))).toEqual(["0", "a", "b", "m"]);
  });
});
