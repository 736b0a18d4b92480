// The durable key-value stores inside the log's LMDB environment (`kv:<name>` tables: sessions,
// retained messages, group offsets, bridge cursors). One LmdbKeyValueStore per name, opened on
// first use; their writes pass the storage cap's disk check.
import type { Database } from "lmdb";
import type { LogContext } from "./context.ts";
import { KV_TABLE_COUNT_MAX } from "./lmdb-env.ts";
import { LmdbKeyValueStore } from "./kv-store.ts";
import type { KeyValueStore } from "./types.ts";

export class Stores {
  readonly #ctx: LogContext;
  readonly #checkSpace: (what: string) => void;
  readonly #stores = new Map<string, LmdbKeyValueStore<unknown>>();

  /** `checkSpace` throws LEDGE_ERR_STORAGE_FULL when the disk is too full for a write. */
  constructor(ctx: LogContext, checkSpace: (what: string) => void) {
    this.#ctx = ctx;
    this.#checkSpace = checkSpace;
  }

  open<V>(name: string): KeyValueStore<V> {
    let store = this.#stores.get(name);
    if (!store) {
      if (this.#stores.size >= KV_TABLE_COUNT_MAX) throw new Error(`ledge: cannot open store '${name}': at most ${KV_TABLE_COUNT_MAX} stores (a ledge bug)`);
      const db = this.#ctx.tables.env.openDB<unknown, string>({ name: `kv:${name}`, encoding: "msgpack" });
      store = new LmdbKeyValueStore<unknown>(name, db, this.#ctx.durability, this.#checkSpace);
      this.#stores.set(name, store);
    }
    return store as unknown as KeyValueStore<V>;
  }

  /** The stores' LMDB tables (the disk guard counts their pages). */
  *tables(): Iterable<Database<unknown, string>> {
    for (const s of this.#stores.values()) yield s.table as Database<unknown, string>;
  }
}
