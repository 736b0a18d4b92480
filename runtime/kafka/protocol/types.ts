// Kafka's field types as small codecs that compose: a message version is a `struct` of named
// fields, walked in order by one generic reader and writer. Flexible versions (KIP-482) use the
// compact forms (uvarint length + 1, 0 = null) and end every struct with a tag buffer.
//
// We never emit tagged fields: librdkafka 2.0.2 mis-skips them (kafka-protocol.md 1b), so a
// tag buffer is always the single byte 0x00. Tags we receive are skipped.
import { Reader, KafkaCodecError } from "./reader.ts";
import type { Writer } from "./writer.ts";

export interface Type<T> {
  read(r: Reader): T;
  write(w: Writer, v: T): void;
  /** Written when a struct field is left undefined. */
  readonly zero: T;
}

// Any-typed shape of a decoded struct (`any`: each field has its own type, which one table cannot
// name); each API's types.ts names the real shape.
export type Fields = Record<string, Type<any>>;
export type Struct = Type<any> & { readonly fields: Fields; readonly flexible: boolean };

const num = (read: (r: Reader) => number, write: (w: Writer, v: number) => void): Type<number> => ({ read, write, zero: 0 });

export const int8 = num((r) => r.int8(), (w, v) => w.int8(v));
export const int16 = num((r) => r.int16(), (w, v) => w.int16(v));
export const int32 = num((r) => r.int32(), (w, v) => w.int32(v));
export const uint32 = num((r) => r.uint32(), (w, v) => w.uint32(v));
export const int64 = num((r) => r.int64(), (w, v) => w.int64(v));
export const float64 = num((r) => r.float64(), (w, v) => w.float64(v));
export const uvarint = num((r) => r.uvarint(), (w, v) => w.uvarint(v));
export const boolean: Type<boolean> = { read: (r) => r.boolean(), write: (w, v) => w.boolean(v), zero: false };

/** An int with a non-zero default (e.g. -1 for "none"). */
export function withZero<T>(t: Type<T>, zero: T): Type<T> {
  return { read: t.read, write: t.write, zero };
}

const encoder = new TextEncoder();

function lengthOf(r: Reader, n: number, what: string): number {
  if (n < -1) throw new KafkaCodecError(`negative ${what} length ${n}`);
  if (n > r.remaining) throw new KafkaCodecError(`${what} length ${n} exceeds the ${r.remaining} bytes left`);
  return n;
}

export const string: Type<string> = {
  read: (r) => {
    const n = lengthOf(r, r.int16(), "string");
    if (n < 0) throw new KafkaCodecError("null where a non-null string is required");
    return r.utf8(n);
  },
  write: (w, v) => {
    const b = encoder.encode(v);
    w.int16(b.length).raw(b);
  },
  zero: "",
};

export const nullableString: Type<string | null> = {
  read: (r) => {
    const n = lengthOf(r, r.int16(), "string");
    return n < 0 ? null : r.utf8(n);
  },
  write: (w, v) => {
    if (v === null) return void w.int16(-1);
    const b = encoder.encode(v);
    w.int16(b.length).raw(b);
  },
  zero: null,
};

export const compactNullableString: Type<string | null> = {
  read: (r) => {
    const n = lengthOf(r, r.uvarint() - 1, "compact string");
    return n < 0 ? null : r.utf8(n);
  },
  write: (w, v) => {
    if (v === null) return void w.uvarint(0);
    const b = encoder.encode(v);
    w.uvarint(b.length + 1).raw(b);
  },
  zero: null,
};

export const compactString: Type<string> = {
  read: (r) => {
    const v = compactNullableString.read(r);
    if (v === null) throw new KafkaCodecError("null where a non-null compact string is required");
    return v;
  },
  write: (w, v) => compactNullableString.write(w, v),
  zero: "",
};

export const nullableBytes: Type<Uint8Array | null> = {
  read: (r) => {
    const n = lengthOf(r, r.int32(), "bytes");
    return n < 0 ? null : r.raw(n);
  },
  write: (w, v) => (v === null ? void w.int32(-1) : void w.int32(v.length).raw(v)),
  zero: null,
};

export const bytes: Type<Uint8Array> = {
  read: (r) => {
    const v = nullableBytes.read(r);
    if (v === null) throw new KafkaCodecError("null where non-null bytes are required");
    return v;
  },
  write: (w, v) => nullableBytes.write(w, v),
  zero: new Uint8Array(0),
};

export const compactNullableBytes: Type<Uint8Array | null> = {
  read: (r) => {
    const n = lengthOf(r, r.uvarint() - 1, "compact bytes");
    return n < 0 ? null : r.raw(n);
  },
  write: (w, v) => (v === null ? void w.uvarint(0) : void w.uvarint(v.length + 1).raw(v)),
  zero: null,
};

export const compactBytes: Type<Uint8Array> = {
  read: (r) => {
    const v = compactNullableBytes.read(r);
    if (v === null) throw new KafkaCodecError("null where non-null compact bytes are required");
    return v;
  },
  write: (w, v) => compactNullableBytes.write(w, v),
  zero: new Uint8Array(0),
};

/** A record set: decoded as one view; encoded from one view or a list of stored batches
 * (sent by reference, never concatenated). */
export type RecordsValue = Uint8Array | Uint8Array[] | null;

function recordsLength(v: RecordsValue): number {
  if (v === null) return -1;
  if (v instanceof Uint8Array) return v.length;
  let n = 0;
  for (const b of v) n += b.length;
  return n;
}
function writeRecordsBody(w: Writer, v: RecordsValue): void {
  if (v === null) return;
  if (v instanceof Uint8Array) w.raw(v);
  else for (const b of v) w.raw(b);
}

export const records: Type<RecordsValue> = {
  read: (r) => nullableBytes.read(r),
  write: (w, v) => {
    w.int32(recordsLength(v));
    writeRecordsBody(w, v);
  },
  zero: null,
};

/** Element counts are checked against the bytes left, so a forged count cannot allocate. */
function readElements<T>(r: Reader, n: number, item: Type<T>): T[] {
  if (n > r.remaining) throw new KafkaCodecError(`array count ${n} exceeds the ${r.remaining} bytes left`);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = item.read(r);
  return out;
}

export function nullableArray<T>(item: Type<T>): Type<T[] | null> {
  return {
    read: (r) => {
      const n = r.int32();
      if (n < -1) throw new KafkaCodecError(`negative array count ${n}`);
      return n < 0 ? null : readElements(r, n, item);
    },
    write: (w, v) => {
      if (v === null) return void w.int32(-1);
      w.int32(v.length);
      for (const x of v) item.write(w, x);
    },
    zero: null,
  };
}

export function array<T>(item: Type<T>): Type<T[]> {
  const n = nullableArray(item);
  return { read: (r) => n.read(r) ?? [], write: (w, v) => n.write(w, v ?? []), zero: [] };
}

export function compactNullableArray<T>(item: Type<T>): Type<T[] | null> {
  return {
    read: (r) => {
      const n = r.uvarint() - 1;
      return n < 0 ? null : readElements(r, n, item);
    },
    write: (w, v) => {
      if (v === null) return void w.uvarint(0);
      w.uvarint(v.length + 1);
      for (const x of v) item.write(w, x);
    },
    zero: null,
  };
}

export function compactArray<T>(item: Type<T>): Type<T[]> {
  const n = compactNullableArray(item);
  return { read: (r) => n.read(r) ?? [], write: (w, v) => n.write(w, v ?? []), zero: [] };
}

/** Reads and discards a tag buffer; writes the empty one (see the file comment). */
export const taggedFields: Type<void> = {
  read: (r) => {
    const count = r.uvarint();
    for (let i = 0; i < count; i++) {
      r.uvarint(); // tag
      r.raw(r.uvarint());
    }
  },
  write: (w) => void w.uvarint(0),
  zero: undefined,
};

/** A struct: fields in wire order. `flexible` appends the tag buffer. */
export function struct(fields: Fields, flexible = false): Struct {
  const names = Object.keys(fields);
  const types = names.map((n) => fields[n]);
  return {
    fields,
    flexible,
    read(r) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) out[names[i]] = types[i].read(r);
      if (flexible) taggedFields.read(r);
      return out;
    },
    write(w, v) {
      for (let i = 0; i < names.length; i++) {
        const x = v[names[i]];
        types[i].write(w, x === undefined ? types[i].zero : x);
      }
      if (flexible) taggedFields.write(w, undefined);
    },
    zero: {},
  };
}

/** Fields of `base` with `extra` inserted right after the field named `after` (or appended). */
export function insertAfter(base: Fields, after: string | null, extra: Fields): Fields {
  if (after === null) return { ...base, ...extra };
  if (!(after in base)) throw new Error(`insertAfter: no field ${after} (a ledge bug)`);
  const out: Fields = {};
  for (const [k, t] of Object.entries(base)) {
    out[k] = t;
    if (k === after) Object.assign(out, extra);
  }
  return out;
}

/** Fields of `base` with the named fields replaced in place, and others removed. */
export function replaceFields(base: Fields, changes: Record<string, Type<unknown> | null>): Fields {
  const out: Fields = {};
  for (const [k, t] of Object.entries(base)) {
    if (!(k in changes)) out[k] = t;
    else if (changes[k] !== null) out[k] = changes[k]!;
  }
  return out;
}
