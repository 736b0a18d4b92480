// Persistent sessions' cursors on disk (`mqtt-cursors`, one entry per session): per log
// partition the first offset the client has not acknowledged and the offset sends are reserved
// up to, and the QoS 2 deliveries the client holds (PUBREC) that await PUBCOMP. Writes are
// gathered: every session changed since the last write goes in one putMany (one transaction),
// at most every `flushIntervalMs`, or at once for a write someone waits for (a reservation, a
// PUBREC) — never one write per message.
import type { KeyValueStore } from "../../runtime/log/types.ts";
import type { Session } from "./session.ts";

export interface StoredCursors {
  /** [log topic, partition, first unacknowledged offset, sends reserved below] */
  c: Array<[string, number, number, number]>;
  /** QoS 2 deliveries the client has (PUBREC) awaiting PUBCOMP: [packet id, log topic, partition, offset] */
  q2?: Array<[number, string, number, number]>;
}

const flushIntervalMs = 100;

export class CursorStore {
  readonly #store: KeyValueStore<StoredCursors>;
  readonly #snapshot: (session: Session) => StoredCursors;
  readonly #track: (write: Promise<unknown>) => void;
  readonly #stored: (sessions: Session[], written: StoredCursors[]) => void;
  #dirty = new Set<Session>();
  #waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  #timer: NodeJS.Timeout | undefined;
  #urgent = false;

  /** `snapshot` gives a session's stored form as it is now; `stored` hears which snapshots
   * are durable (reservations take effect then); `track` receives the writes for shutdown. */
  constructor(store: KeyValueStore<StoredCursors>, snapshot: (session: Session) => StoredCursors, stored: (sessions: Session[], written: StoredCursors[]) => void, track: (write: Promise<unknown>) => void) {
    this.#store = store;
    this.#snapshot = snapshot;
    this.#stored = stored;
    this.#track = track;
  }

  /** Every stored session's cursors (start-up). */
  get(clientId: string): StoredCursors | undefined {
    return this.#store.get(clientId);
  }

  /** The session's cursors moved: stored with the next gathered write. */
  changed(session: Session): void {
    if (!session.persistent) return;
    this.#dirty.add(session);
    this.#timer ??= setTimeout(this.flush, flushIntervalMs);
  }

  /** Stores the session's cursors now (with every other change gathered); resolves once durable. */
  storeNow(session: Session): Promise<void> {
    this.#dirty.add(session);
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
    const sessions = [...this.#dirty];
    this.#dirty = new Set();
    const waiters = this.#waiters;
    this.#waiters = [];
    const written = sessions.map(this.#snapshot);
    const write = this.#store.putMany(sessions.map((s, i) => ({ key: s.clientId, value: written[i] }))).then(() => {
      this.#stored(sessions, written);
      for (const w of waiters) w.resolve();
    }, (err: Error) => {
      for (const w of waiters) w.reject(err);
      throw err;
    });
    this.#track(write);
  };

  /** The session ended for good: its cursors go. */
  remove(clientId: string): Promise<void> {
    for (const s of this.#dirty) if (s.clientId === clientId) this.#dirty.delete(s);
    return this.#store.remove(clientId);
  }

  /** Issues what is gathered (shutdown); the broker awaits the tracked writes. */
  close(): void {
    this.flush();
  }
}
