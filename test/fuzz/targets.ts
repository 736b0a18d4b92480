// The fuzz targets of `npm run fuzz` (test/fuzz/run.ts) and of CI (test/fuzz/fuzz.test.ts): each
// parser ledge runs on bytes from the network or the operator, its seeds (real client traffic
// from test/fixtures/fuzz, recorded by capture.ts, and Kafka request fixtures), and what it may
// answer. A run returns an outcome label (a value, or the name of a typed error); anything else
// it throws fails the property, and so does an output past the target's bound.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqttPacket from "mqtt-packet";
import { Packr } from "msgpackr";
import { FrameReader as MqttFrameReader } from "../../gateways/mqtt/frame-reader.ts";
import { parseFrame, type ParserSettings } from "../../gateways/mqtt/frame-parser.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";
import { readSaslSettings } from "../../gateways/kafka/sasl/config.ts";
import { FrameReader as KafkaFrameReader } from "../../runtime/kafka/protocol/frame.ts";
import { decodeRequest, encodeRequest } from "../../runtime/kafka/protocol/request-response.ts";
import { KafkaCodecError } from "../../runtime/kafka/protocol/reader.ts";
import {
  Compression, compress, crc32c, decodeBatch, decompress, encodeBatch, JsonFieldExtractor, LedgeWasmError, validateBatch, type CompressionCodec,
} from "../../runtime/core/index.ts";
import { ConfigError, parseConfigText, readConfig } from "../../runtime/config/index.ts";
import { telemetryLines } from "../../bench/lib/telemetry-lines.ts";

export interface FuzzTarget {
  name: string;
  /** What is fuzzed and what it may answer. */
  about: string;
  seeds(): Uint8Array[];
  /** Handles one input, cut into chunks at `splits` where the target reads a stream; `variant`
   * (0-3) picks a target's own variation (batches: 0 and 1 get their length and CRC fixed up,
   * so mutations reach the record walk behind the CRC). */
  run(input: Uint8Array, splits: number[], variant: number): string;
}

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const MiB = 2 ** 20;
/** The output bound the decompression and batch targets pass (a bomb must stop here). */
export const FUZZ_OUTPUT_BYTES_MAX = MiB;

function captures(kind: "kafka" | "mqtt"): Uint8Array[] {
  const dir = join(fixtures, "fuzz");
  return readdirSync(dir).filter((f) => f.endsWith(`.${kind}.bin`)).sort().map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** Every size-prefixed frame payload in the recorded Kafka streams, the per-API fixtures, and
 * requests fuzzing found a bug with (test/fixtures/fuzz/found-*.request.bin). */
function kafkaRequests(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const found = join(fixtures, "fuzz");
  for (const f of readdirSync(found).filter((n) => n.endsWith(".request.bin"))) out.push(new Uint8Array(readFileSync(join(found, f))));
  for (const stream of captures("kafka")) {
    const r = new KafkaFrameReader(64 * MiB);
    for (const e of r.push(stream)) if (e.kind === "frame") out.push(e.payload.slice());
  }
  const dir = join(fixtures, "kafka");
  for (const api of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(join(dir, api.name)).filter((n) => n.endsWith("_request.bin"))) out.push(new Uint8Array(readFileSync(join(dir, api.name, f))));
  }
  return out;
}

type ProduceBody = { topicData: { partitionData: { records: Uint8Array | null }[] }[] };

/** The record batches in the recorded Produce requests, by codec, plus ledge-encoded ones. */
function batches(codec: CompressionCodec): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const payload of kafkaRequests()) {
    if (((payload[0] << 8) | payload[1]) !== 0) continue;
    const body = decodeRequest<ProduceBody>(payload).body;
    for (const t of body.topicData) for (const p of t.partitionData) if (p.records && p.records.length > 61 && (p.records[22] & 7) === codec) out.push(p.records.slice());
  }
  const utf8 = new TextEncoder();
  out.push(encodeBatch([{ key: utf8.encode("k"), value: telemetryLines(600), timestampMs: 1, headers: [{ key: "h", value: utf8.encode("v") }] }, { key: null, value: null, timestampMs: 2 }], { compression: codec }).slice());
  return out;
}

/** Splits `input` into chunks at the given cut points (a socket's reads). */
function chunks(input: Uint8Array, splits: number[]): Uint8Array[] {
  const cuts = [...new Set(splits.map((s) => (input.length === 0 ? 0 : s % input.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const cut of cuts) {
    if (cut > at) out.push(input.subarray(at, cut));
    at = Math.max(at, cut);
  }
  out.push(input.subarray(at));
  return out;
}

const typedName = (err: unknown): string => {
  if (err instanceof LedgeWasmError) return err.statusName;
  if (err instanceof KafkaCodecError) return "KafkaCodecError";
  if (err instanceof ConfigError) return "ConfigError";
  throw err;
};

const mqttFrames: FuzzTarget = {
  name: "mqtt-frames",
  about: "MQTT 3.1.1/5 frame reader + packet parser (mqtt-packet), fed in random chunks: packets or a malformed/too-large verdict; re-encoding a parsed packet is stable",
  seeds: () => captures("mqtt"),
  run(input, splits, variant) {
    const packetBytesMax = 64 * 1024;
    const reader = new MqttFrameReader(packetBytesMax);
    let settings: ParserSettings = {};
    let packets = 0;
    for (const chunk of chunks(input, splits)) {
      reader.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      for (let found = reader.nextSpan(); found !== undefined; found = reader.nextSpan()) {
        if (found !== true) return `frame-${found.error}`;
        const frame = reader.span.buffer.subarray(reader.span.start, reader.span.end);
        assert.ok(frame.length <= packetBytesMax, "a frame within packetBytesMax");
        const parsed = parseFrame(frame, settings);
        if ("error" in parsed) return "packet-malformed";
        settings = parsed.settings;
        packets++;
        if (variant === 0) stableMqttEncoding(parsed.packet, settings.protocolVersion ?? 4);
      }
      assert.ok(reader.bufferedBytes <= packetBytesMax + chunk.length, "buffered bytes bounded by one packet and one chunk");
    }
    return packets > 0 ? "packets" : "incomplete";
  },
};

/** generate(parse(generate(p))) is generate(p): ledge forwards what it parsed (retained, wills). */
function stableMqttEncoding(packet: mqttPacket.Packet, protocolVersion: number): void {
  let once: Buffer;
  try {
    once = mqttPacket.generate(packet, { protocolVersion } as never);
  } catch {
    return; // mqtt-packet's writer refuses some packets its parser accepts; ledge never re-encodes those
  }
  const p = mqttPacket.parser({ protocolVersion } as never);
  let again: mqttPacket.Packet | undefined;
  p.on("packet", (x: mqttPacket.Packet) => (again = x));
  p.on("error", () => {});
  p.parse(once);
  if (!again) return;
  let twice: Buffer;
  try {
    twice = mqttPacket.generate(again, { protocolVersion } as never);
  } catch {
    return;
  }
  assert.ok(once.equals(twice), `re-encoding a ${packet.cmd} is stable`);
}

const kafkaFrames: FuzzTarget = {
  name: "kafka-frames",
  about: "Kafka size-prefixed frame reader fed in random chunks, then every request decoder: a request, a bad size, or KafkaCodecError",
  seeds: () => captures("kafka"),
  run(input, splits) {
    const maxFrameBytes = 64 * 1024;
    const reader = new KafkaFrameReader(maxFrameBytes);
    let requests = 0;
    for (const chunk of chunks(input, splits)) {
      for (const e of reader.push(chunk)) {
        if (e.kind === "bad-size") return "bad-size";
        assert.ok(e.payload.length <= maxFrameBytes, "a frame within maxFrameBytes");
        try {
          decodeRequest(e.payload);
          requests++;
        } catch (err) {
          return typedName(err);
        }
      }
      assert.ok(reader.bufferedBytes <= maxFrameBytes + 4 + chunk.length, "buffered bytes bounded by one frame and one chunk");
    }
    return requests > 0 ? "requests" : "incomplete";
  },
};

const kafkaRequests_: FuzzTarget = {
  name: "kafka-requests",
  about: "every Kafka request decoder on one frame payload: a request or KafkaCodecError; encode(decode(x)) decodes to the same request",
  seeds: kafkaRequests,
  run(input) {
    let decoded;
    try {
      decoded = decodeRequest(input);
    } catch (err) {
      return typedName(err);
    }
    const again = decodeRequest(encodeRequest(decoded.header, decoded.body).toBytes());
    assert.deepEqual(again, decoded, "encode(decode(x)) decodes to the same request");
    return `api-${decoded.header.apiKey}`;
  },
};

const codecNames: Record<number, string> = { 0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd" };

function batchTarget(codec: CompressionCodec): FuzzTarget {
  return {
    name: `batch-${codecNames[codec]}`,
    about: `RecordBatch v2 validate + decode, ${codecNames[codec]} records (kcat/kafkajs batches): a batch or a typed core error; decompressed bytes capped`,
    seeds: () => batches(codec),
    run(raw, _splits, variant) {
      const input = variant < 2 ? resealed(raw) : raw;
      const limits = { maxDecompressedBytes: FUZZ_OUTPUT_BYTES_MAX };
      let outcome: string;
      try {
        validateBatch(input, limits);
        outcome = "valid";
      } catch (err) {
        outcome = typedName(err);
      }
      try {
        const { records } = decodeBatch(input, limits);
        let bytes = 0;
        for (const r of records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        assert.ok(bytes <= FUZZ_OUTPUT_BYTES_MAX, "decoded record bytes within the cap");
      } catch (err) {
        typedName(err);
      }
      return outcome;
    },
  };
}

/** `batch` with batchLength and the CRC-32C made to match its bytes (when it has a header). */
function resealed(batch: Uint8Array): Uint8Array {
  if (batch.length < 61) return batch;
  const out = batch.slice();
  const v = new DataView(out.buffer);
  v.setInt32(8, out.length - 12);
  v.setUint32(17, crc32c(out.subarray(21)));
  return out;
}

function decompressTarget(codec: CompressionCodec): FuzzTarget {
  return {
    name: `decompress-${codecNames[codec]}`,
    about: `${codecNames[codec]} decompressor with a ${FUZZ_OUTPUT_BYTES_MAX}-byte output cap: bytes within the cap, or a typed core error (too large, malformed)`,
    seeds: () => [
      ...batches(codec).map((b) => b.slice(61)),
      compress(codec, telemetryLines(20_000)).slice(),
      compress(codec, new Uint8Array(FUZZ_OUTPUT_BYTES_MAX + 1)).slice(), // one byte past the cap
    ],
    run(input) {
      try {
        const out = decompress(codec, input, FUZZ_OUTPUT_BYTES_MAX);
        assert.ok(out.length <= FUZZ_OUTPUT_BYTES_MAX, "output within the cap");
        return "ok";
      } catch (err) {
        return typedName(err);
      }
    },
  };
}

const utf8 = new TextEncoder();
const configSeeds = [
  // Found by a 10^6 run: a YAML alias inside itself (its ConfigError could not be printed).
  "topics:\n  a: &x [x, *x, *x]\nc: !!binary aGVsbG8=\n",
  "dataDir: ./data\nstorage: { sync: always, maxBytes: 8GiB, overflow: drop-oldest }\nlog: { autoCreateTopics: true, partitionCountDefault: 1 }\n",
  "listeners:\n  mqtt: { host: 0.0.0.0, port: 1883 }\n  kafka: { port: 9092, advertisedHost: 127.0.0.1, maxRequestBytes: 100MiB, handshakeMsMax: 10s }\n  http: { port: 8080, connectionCountMax: 256 }\n",
  "topics:\n  - { name: telemetry, partitions: 4, config: { retention.ms: 604800000 } }\nmqtt:\n  allowAnonymous: true\n  routes:\n    - { filter: \"sensors/+/telemetry\", topic: telemetry, key: \"{1}\", check: json }\n",
  // Salted SCRAM credentials: a password would make every run derive keys (4096 PBKDF2 rounds).
  "listeners:\n  kafka:\n    sasl:\n      mechanisms: [SCRAM-SHA-256]\n      users:\n        - name: bob\n          scram:\n            SCRAM-SHA-256: { salt: c2FsdA==, iterations: 4096, storedKey: c3RvcmVk, serverKey: c2VydmVy }\n",
  // Kafka ACLs (listeners.kafka.sasl.acls, superUsers).
  "listeners:\n  kafka:\n    sasl:\n      mechanisms: [SCRAM-SHA-256]\n      users:\n        - name: bob\n          scram:\n            SCRAM-SHA-256: { salt: c2FsdA==, iterations: 4096, storedKey: c3RvcmVk, serverKey: c2VydmVy }\n      superUsers: [bob]\n      acls:\n        - { principal: \"User:bob\", resourceType: topic, resourceName: sensors., patternType: prefixed, operations: [READ, WRITE], permission: allow }\n        - { principal: \"User:*\", resourceType: cluster, operations: [DESCRIBE] }\n",
  "mqtt:\n  users:\n    - { username: u, passwordHash: \"scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==\" }\ngroups: { groupCountMax: 100 }\ntransactions: { timeoutMsMax: 15m }\n",
  "a: &x [1, 2, 3]\nb: [*x, *x, *x]\nc: !!binary aGVsbG8=\n",
];

const configYaml: FuzzTarget = {
  name: "config-yaml",
  about: "the YAML config reader and every section's validation (schema, mqtt, listeners.kafka.sasl): a config or ConfigError",
  seeds: () => configSeeds.map((s) => utf8.encode(s)),
  run(input) {
    const text = new TextDecoder().decode(input);
    try {
      const config = readConfig(parseConfigText(text, "fuzz.yaml"));
      readMqttConfig(config.mqtt);
      const sasl = config.listeners.kafka.sasl;
      // A password costs 4096 PBKDF2 rounds per mechanism to derive: at most a few users a run.
      const users = (sasl as { users?: unknown } | undefined)?.users;
      if (!Array.isArray(users) || users.length <= 2) readSaslSettings(sasl);
      return "config";
    } catch (err) {
      return typedName(err);
    }
  },
};

const extractor = new JsonFieldExtractor(["device", "temperature", "a.b.c", "ok"]);

const packr = new Packr({ useRecords: false });

const jsonExtract: FuzzTarget = {
  name: "json-extract",
  about: "JSON field extraction (wasm) over newline-split documents: columns with a per-document status, never a throw",
  seeds: () => [telemetryLines(2_000), utf8.encode('{"a":{"b":{"c":"\\u00e9\\n"}},"device":"d1","ok":true}\n[1,2,{"x":null}]\n{"temperature":-1.5e-3}')],
  run(input) {
    const positions: number[] = [];
    const lengths: number[] = [];
    let start = 0;
    for (let i = 0; i <= input.length; i++) {
      if (i === input.length || input[i] === 0x0a) {
        positions.push(start);
        lengths.push(i - start);
        start = i + 1;
      }
    }
    const fields = extractor.extract(input, Int32Array.from(positions), Int32Array.from(lengths));
    assert.equal(fields.count, positions.length, "a row per document");
    return fields.invalidCount === 0 ? "all-documents-valid" : fields.invalidCount === fields.count ? "all-documents-invalid" : "some-documents-invalid";
  },
};

const msgpackExtractor = new JsonFieldExtractor(["device", "temperature", "a.b.c", "ok"], { format: "msgpack" });

const msgpackExtract: FuzzTarget = {
  name: "msgpack-extract",
  about: "MessagePack field extraction (wasm) over documents cut at the split points: a status per document, spans inside the input, never a throw",
  seeds: () => [
    packr.pack({ device: "d1", temperature: -1.5e-3, a: { b: { c: "é" } }, ok: true, n: [1, 2, { x: null }], big: 2n ** 63n - 1n, bin: new Uint8Array([1, 2]) }),
    Uint8Array.from([0x84, 0xa6, ...utf8.encode("device"), 0xd9, 2, 0x64, 0x31, 0xab, ...utf8.encode("temperature"), 0xca, 0x41, 0xc8, 0, 0, 0xa6, ...utf8.encode("device"), 0xcf, 0, 0, 0, 0, 0, 0, 0, 7, 0xa1, 0x61, 0xde, 0, 1, 0xa1, 0x62, 0xc7, 1, 5, 9]),
  ],
  run(input, splits) {
    const cuts = [0, ...[...new Set(splits.map((s) => (input.length === 0 ? 0 : s % input.length)))].sort((a, b) => a - b), input.length];
    const positions = Int32Array.from(cuts.slice(0, -1));
    const lengths = Int32Array.from(cuts.slice(1).map((c, i) => c - cuts[i]));
    const fields = msgpackExtractor.extract(input, positions, lengths);
    assert.equal(fields.count, positions.length, "a row per document");
    for (let c = 0; c < fields.kind.length; c++) {
      if (fields.position[c] >= 0) assert.ok(fields.position[c] + fields.length[c] <= input.length, "a value's span lies inside the input");
    }
    return fields.invalidCount === 0 ? "all-documents-valid" : fields.invalidCount === fields.count ? "all-documents-invalid" : "some-documents-invalid";
  },
};

export const fuzzTargets: FuzzTarget[] = [
  mqttFrames, kafkaFrames, kafkaRequests_,
  ...[Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd].map(batchTarget),
  ...[Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd].map(decompressTarget),
  configYaml, jsonExtract, msgpackExtract,
];
