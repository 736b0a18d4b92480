// Cursors on disk, one entry per owner: persistent sessions (`mqtt-cursors`, by client id) and
// share groups (`mqtt-share-cursors`, share-groups.ts). Per log partition the first offset not
// yet acknowledged and the offset sends are reserved up to, and (sessions) the QoS 2 deliveries
// the client holds (PUBREC) that await PUBCOMP. Writes are
// gathered: every session changed since the last write goes in one putMany (one transaction),
// at most every `flushIntervalMs`, or at once for a write someone waits for (a reservation, a
// PUBREC) — never one write per message.
import type { KeyValueStore } from "../../runtime/log/types.ts";

export interface StoredCursors {
  /** [log topic, partition, first unacknowledged offset, sends reserved below] */
  c: Array<[string, number, number, number]>;
  /** QoS 2 deliveries the client has (PUBREC) awaiting PUBCOMP: [packet id, log topic, partition, offset] */
  q2?: Array<[number, string, number, number]>;
  /** Share groups: QoS 2 deliveries a member holds (PUBREC) awaiting PUBCOMP: [client id, packet id, log topic, partition, offset] */
  held?: Array<[string, number, string, number, number]>;
}

const flushIntervalMs = 100;

/** Whose cursors are stored: its key in the store, and whether it is kept at all. */
export interface CursorOwner {
  readonly storeKey: string;
  readonly persistent: boolean;
}

export class CursorStore<Owner extends CursorOwner> {
  readonly #store: KeyValueStore<StoredCursors>;
  readonly #snapshot: (owner: Owner) => StoredCursors;
  readonly #track: (write: Promise<unknown>) => void;
  readonly #stored: (owners: Owner[], written: StoredCursors[]) => void;
  #dirty = new Set<Owner>();
  #waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  #timer: NodeJS.Timeout | undefined;
  #urgent = false;

  /** `snapshot` gives an owner's stored form as it is now; `stored` hears which snapshots
   * are durable (reservations take effect then); `track` receives the writes for shutdown. */
  constructor(store: KeyValueStore<StoredCursors>, snapshot: (owner: Owner) => StoredCursors, stored: (owners: Owner[], written: StoredCursors[]) => void, track: (write: Promise<unknown>) => void) {
    this.#store = store;
    this.#snapshot = snapshot;
    this.#stored = stored;
    this.#track = track;
  }

  /** An owner's stored cursors (start-up). */
  get(key: string): StoredCursors | undefined {
    return this.#store.get(key);
  }

  /** Every stored key (start-up: those without an owner any more are removed). */
  keys(): string[] {
    return [...this.#store.range("")].map((e) => e.key);
  }

  /** The owner's cursors moved: stored with the next gathered write. */
  changed(owner: Owner): void {
    if (!owner.persistent) return;
    this.#dirty.add(owner);
    this.#timer ??= setTimeout(this.flush, flushIntervalMs);
  }

  /** Stores the owner's cursors now (with every other change gathered); resolves once durable. */
  storeNow(owner: Owner): Promise<void> {
    this.#dirty.add(owner);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (this.#urgent) return;
      this.#urgent = true;
      setImmediate(this.flush);
    });
  }

  readonly flush = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#urgent = false;
    if (this.#dirty.size === 0) return;
    const owners = [...this.#dirty];
    this.#dirty = new Set();
    const waiters = this.#waiters;
    this.#waiters = [];
    const written = owners.map(this.#snapshot);
    const write = this.#store.putMany(owners.map((o, i) => ({ key: o.storeKey, value: written[i] }))).then(() => {
      this.#stored(owners, written);
      for (const w of waiters) w.resolve();
    }, (err: Error) => {
      for (const w of waiters) w.reject(err);
      throw err;
    });
    this.#track(write);
  };

  /** The owner ended for good: its cursors go. */
  remove(key: string): Promise<void> {
    for (const o of this.#dirty) if (o.storeKey === key) this.#dirty.delete(o);
    return this.#store.remove(key);
  }

  /** Issues what is gathered (shutdown); the broker awaits the tracked writes. */
  close(): void {
    this.flush();
  }
}
