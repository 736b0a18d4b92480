// Group keys as small integers: a key's bytes are interned once (open addressing over a byte
// arena, FNV-1a), so the hot loop never makes a string per record. A key's string is decoded
// once, when keys are first ranked for emission (or its result needs it escaped).

const EMPTY = -1;
/** Ranks below this pack with an id into a double exactly (rank * 2^32 + id < 2^53). */
const RANKS_PACKED_MAX = 2 ** 21;
const utf8 = new TextDecoder();

export class KeyTable {
  #arena = new Uint8Array(64 * 1024);
  #arenaUsed = 0;
  #start = new Int32Array(1024);
  #length = new Int32Array(1024);
  #hash = new Int32Array(1024);
  #strings: (string | undefined)[] = [];
  #count = 0;
  /** Each key's place in key order (compare()), for the first #rankedCount ids. */
  #ranks = new Int32Array(0);
  #rankedCount = 0;
  #slots = new Int32Array(2048).fill(EMPTY);

  get count(): number {
    return this.#count;
  }

  /** The id of the key `bytes[from, from + length)`, added if new. */
  intern(bytes: Uint8Array, from: number, length: number): number {
    let h = 0x811c9dc5;
    for (let i = from; i < from + length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const mask = this.#slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.#slots[s];
      if (id === EMPTY) return this.#add(s, h, bytes, from, length);
      if (this.#hash[id] === h && this.#length[id] === length && this.#equal(id, bytes, from)) return id;
    }
  }

  /** The key's bytes (a view valid until the next intern). */
  bytes(id: number): Uint8Array {
    return this.#arena.subarray(this.#start[id], this.#start[id] + this.#length[id]);
  }

  length(id: number): number {
    return this.#length[id];
  }

  /** Copies the key's bytes into `out` at `at`; returns where they end. */
  copyInto(id: number, out: Uint8Array, at: number): number {
    const from = this.#start[id];
    const n = this.#length[id];
    const arena = this.#arena;
    for (let i = 0; i < n; i++) out[at + i] = arena[from + i];
    return at + n;
  }

  string(id: number): string {
    let s = this.#strings[id];
    if (s === undefined) this.#strings[id] = s = utf8.decode(this.bytes(id));
    return s;
  }

  /**
   * Key order, as results are emitted in: by string (JS `<`), then by bytes (two byte strings that
   * are not UTF-8 can decode alike), so it never depends on ids, which differ after a restore.
   * Ranked once after keys are added: emitting 1,000 windows compared strings 10,000 times.
   */
  compare(a: number, b: number): number {
    if (this.#rankedCount !== this.#count) this.#rank();
    return this.#ranks[a] - this.#ranks[b];
  }

  /** Sorts key ids into compare()'s order: packed as rank * 2^32 + id, sorted natively, not through a comparator. */
  sort(ids: number[]): void {
    if (this.#rankedCount !== this.#count) this.#rank();
    if (this.#count >= RANKS_PACKED_MAX) {
      ids.sort((a, b) => this.#ranks[a] - this.#ranks[b]);
      return;
    }
    const packed = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) packed[i] = this.#ranks[ids[i]] * 2 ** 32 + ids[i];
    packed.sort();
    for (let i = 0; i < ids.length; i++) ids[i] = packed[i] % 2 ** 32;
  }

  #rank(): void {
    const ids = Array.from({ length: this.#count }, (_, id) => id);
    ids.sort((a, b) => {
      const x = this.string(a);
      const y = this.string(b);
      return x < y ? -1 : x > y ? 1 : this.#compareBytes(a, b);
    });
    const ranks = new Int32Array(ids.length);
    for (let r = 0; r < ids.length; r++) ranks[ids[r]] = r;
    this.#ranks = ranks;
    this.#rankedCount = ids.length;
  }

  #compareBytes(a: number, b: number): number {
    const arena = this.#arena;
    const n = Math.min(this.#length[a], this.#length[b]);
    for (let i = 0; i < n; i++) {
      const d = arena[this.#start[a] + i] - arena[this.#start[b] + i];
      if (d !== 0) return d;
    }
    return this.#length[a] - this.#length[b];
  }

  #equal(id: number, bytes: Uint8Array, from: number): boolean {
    const at = this.#start[id];
    const arena = this.#arena;
    for (let i = 0, n = this.#length[id]; i < n; i++) if (arena[at + i] !== bytes[from + i]) return false;
    return true;
  }

  #add(slot: number, h: number, bytes: Uint8Array, from: number, length: number): number {
    const id = this.#count++;
    if (id === this.#start.length) {
      this.#start = grown(this.#start);
      this.#length = grown(this.#length);
      this.#hash = grown(this.#hash);
    }
    if (this.#arenaUsed + length > this.#arena.length) {
      const arena = new Uint8Array(Math.max(this.#arena.length * 2, this.#arenaUsed + length));
      arena.set(this.#arena.subarray(0, this.#arenaUsed));
      this.#arena = arena;
    }
    this.#arena.set(bytes.subarray(from, from + length), this.#arenaUsed);
    this.#start[id] = this.#arenaUsed;
    this.#length[id] = length;
    this.#hash[id] = h;
    this.#arenaUsed += length;
    this.#slots[slot] = id;
    if (this.#count * 2 > this.#slots.length) this.#rehash();
    return id;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let id = 0; id < this.#count; id++) {
      let s = this.#hash[id] & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.#slots = slots;
  }
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
