// ledge's codec against Kafka's own message definitions (reference/messages.ts), for every
// version ledge has a codec for: every advertised version, plus versions the bridge sends.
// For each request and response, a body whose every leaf holds a distinct value is encoded by
// the independent reference codec; ledge must decode it to the same object (same names, same
// values, every byte consumed) and encode that object back to the same bytes. A field ledge
// reads or writes in the wrong place, with the wrong type or in the wrong versions fails here.
// A second body puts null in every field Kafka allows to be null.
import { describe, it, expect } from "vitest";
import { apiTable, isFlexible } from "../../runtime/kafka/apis/index.ts";
import { codecVersions, messageVersion } from "../../runtime/kafka/apis/codecs.ts";
import { Reader } from "../../runtime/kafka/protocol/reader.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { encodeBody, fieldsAt, inVersions, isFlexibleVersion, schemas, type Field, type Side } from "./reference/codec.ts";

/** Distinct values per leaf, so two fields of one type cannot trade places unnoticed. */
function sample(fields: Field[], version: number, nulls: boolean, next: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsAt(fields, version)) {
    const n = next();
    if (nulls && inVersions(f.nullableVersions, version)) out[f.name] = null;
    else if (f.type === "int8") out[f.name] = n % 100;
    else if (f.type === "int16") out[f.name] = 1000 + n;
    else if (f.type === "int32") out[f.name] = 100_000 + n;
    else if (f.type === "int64") out[f.name] = 2 ** 40 + n;
    else if (f.type === "bool") out[f.name] = n % 2 === 1;
    else if (f.type === "string") out[f.name] = `${f.kafkaName}-${n}`;
    else if (f.type === "bytes" || f.type === "records") out[f.name] = Uint8Array.of(n & 0xff, 0xa5, n >> 8);
    else if (f.type === "[]string") out[f.name] = [`${f.kafkaName}-${n}a`, `${f.kafkaName}-${n}b`];
    else if (f.type === "[]int32") out[f.name] = [200_000 + n, 300_000 + n];
    else if (f.type === "[]int64") out[f.name] = [2 ** 41 + n, 2 ** 42 + n];
    else out[f.name] = [sample(f.children, version, nulls, next), sample(f.children, version, nulls, next)];
  }
  return out;
}

function samples(fields: Field[], version: number): Array<[string, Record<string, unknown>]> {
  let n = 0;
  const next = () => ++n;
  return [["distinct values", sample(fields, version, false, next)], ["nulls where Kafka allows them", sample(fields, version, true, next)]];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("ledge's codec follows Kafka's message definitions", () => {
  it("the reference table covers every API ledge has a codec for, with Kafka's flexible versions", () => {
    for (const row of apiTable) {
      const s = schemas.get(row.apiKey);
      expect(s, `add Kafka's facts for ${row.name} to test/kafka/reference/messages.ts`).toBeDefined();
      expect(s!.name).toBe(row.name);
      for (const v of codecVersions(row.apiKey)) {
        expect(isFlexible(row.apiKey, v), `${row.name} v${v} flexible`).toBe(isFlexibleVersion(row.apiKey, v));
        const m = messageVersion(row.apiKey, v)!;
        expect(m.request.flexible, `${row.name} v${v} request struct`).toBe(isFlexibleVersion(row.apiKey, v));
        expect(m.response.flexible, `${row.name} v${v} response struct`).toBe(isFlexibleVersion(row.apiKey, v));
      }
    }
  });

  for (const row of apiTable) {
    for (const version of codecVersions(row.apiKey)) {
      for (const side of ["request", "response"] as Side[]) {
        it(`${row.name} v${version} ${side}`, () => {
          const ledge = messageVersion(row.apiKey, version)![side];
          for (const [what, body] of samples(schemas.get(row.apiKey)![side], version)) {
            const kafkaBytes = encodeBody(row.apiKey, version, side, body);
            const r = new Reader(kafkaBytes);
            const decoded = ledge.read(r);
            expect(r.remaining, `${what}: bytes ledge left unread`).toBe(0);
            expect(decoded, `${what}: ledge's decoding`).toEqual(body);
            const w = new Writer();
            ledge.write(w, body);
            expect(hex(w.toBytes()), `${what}: ledge's encoding`).toBe(hex(kafkaBytes));
          }
        });
      }
    }
  }
});
