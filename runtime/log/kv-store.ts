// Durable key-value tables in the log's LMDB environment (msgpack values). put/remove resolve
// once durable under storage.sync, like appends.
import type { Database } from "lmdb";
import type { KeyValueStore } from "./types.ts";
import type { Durability } from "./durability.ts";

export class LmdbKeyValueStore<V> implements KeyValueStore<V> {
  readonly #db: Database<V, string>;
  readonly #durability: Durability;
  readonly #name: string;
  readonly #checkSpace: (what: string) => void;

  /** `checkSpace` throws LEDGE_ERR_STORAGE_FULL when the disk is too full to write. */
  constructor(name: string, db: Database<V, string>, durability: Durability, checkSpace: (what: string) => void) {
    this.#name = name;
    this.#db = db;
    this.#durability = durability;
    this.#checkSpace = checkSpace;
  }

  /** The LMDB table, for the disk guard's page count. */
  get table(): Database<V, string> {
    return this.#db;
  }

  get(key: string): V | undefined {
    return this.#db.get(key);
  }

  async put(key: string, value: V): Promise<void> {
    this.#durability.checkWorking();
    this.#checkSpace(`storing key '${key}' in store '${this.#name}'`);
    await this.#durability.committed(this.#db.put(key, value), `storing key '${key}' in store '${this.#name}'`);
    await this.#durability.afterCommit();
  }

  async putCommitted(key: string, value: V): Promise<void> {
    this.#durability.checkWorking();
    this.#checkSpace(`storing key '${key}' in store '${this.#name}'`);
    await this.#durability.committed(this.#db.put(key, value), `storing key '${key}' in store '${this.#name}'`);
  }

  async remove(key: string): Promise<void> {
    this.#durability.checkWorking();
    await this.#durability.committed(this.#db.remove(key), `removing key '${key}' from store '${this.#name}'`);
    await this.#durability.afterCommit();
  }

  /** Several writes in one transaction, durable together. Removals alone pass on a nearly
   * full disk, as remove() does: they are what frees space. */
  async putMany(entries: Array<{ key: string; value: V | undefined }>): Promise<void> {
    this.#durability.checkWorking();
    if (entries.some((e) => e.value !== undefined)) this.#checkSpace(`storing ${entries.length} keys in store '${this.#name}'`);
    let last: Promise<unknown> = Promise.resolve(true);
    const issued: Promise<unknown>[] = [];
    for (const { key, value } of entries) {
      last = value === undefined ? this.#db.remove(key) : this.#db.put(key, value);
      issued.push(last);
    }
    for (const w of issued) if (w !== last) w.catch(() => undefined);
    await this.#durability.committed(last, `storing ${entries.length} keys in store '${this.#name}'`);
    await this.#durability.afterCommit();
  }

  *range(prefix: string): IterableIterator<{ key: string; value: V }> {
    for (const { key, value } of this.#db.getRange({ start: prefix })) {
      if (typeof key !== "string" || !key.startsWith(prefix)) return;
      yield { key, value };
    }
  }
}
