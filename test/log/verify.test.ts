// `ledge verify` on a log a real ledge wrote (Kafka produce with every codec through kcat, MQTT
// publishes through MQTT.js): passes while ledge runs (the running ledge reads for it) and after it stops; then on copies of that
// log, each damaged through a second LMDB handle the test opens, it exits 1 naming the batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open, type Database, type RootDatabase } from "lmdb";
import mqtt from "mqtt";
import { ledgeDirs, runLedge, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";
import { batchKeyParts, topicBounds, BATCH_KEY_BYTES } from "../../runtime/log/keys.ts";
import { metaKeys } from "../../runtime/log/partition.ts";
import { ATTRIBUTE_COMPRESSION_MASK, ATTRIBUTES_OFFSET, CRC_OFFSET } from "../../runtime/core/batch-header.ts";

const codecs = ["gzip", "snappy", "lz4", "zstd"] as const;
let dirs: LedgeDirs;
let ledge: LedgeProcess | undefined;
const copies = mkdtempSync(join(tmpdir(), "ledge-verify-copies-"));

const verify = (dataDir: string) => runLedge(["verify", "--data-dir", dataDir]);

/** A second LMDB handle on a copy of the log, as a disk fault or a bug elsewhere would write. */
async function withCopy(name: string, damage: (db: { env: RootDatabase; batches: Database<Buffer, Buffer>; meta: Database<unknown, string> }) => void): Promise<string> {
  const dir = join(copies, name);
  cpSync(dirs.dataDir, dir, { recursive: true });
  const env = open({ path: join(dir, "ledge.mdb"), maxDbs: 64 });
  const batches = env.openDB<Buffer, Buffer>({ name: "batches", keyEncoding: "binary", encoding: "binary" });
  const meta = env.openDB<unknown, string>({ name: "meta", encoding: "msgpack" });
  try {
    damage({ env, batches, meta });
  } finally {
    await env.close();
  }
  return dir;
}

/** Keys and values of topic `v`, partition `partition`, in offset order. */
function storedBatches(batches: Database<Buffer, Buffer>, meta: Database<unknown, string>, partition: number): { key: Buffer; value: Buffer }[] {
  const { id } = meta.get(metaKeys.topic("v")) as { id: number };
  const { start, end } = topicBounds(id, BATCH_KEY_BYTES);
  return [...batches.getRange({ start, end })]
    .filter(({ key }) => batchKeyParts(key).partition === partition)
    .map(({ key, value }) => ({ key: Buffer.from(key), value: Buffer.from(value) }));
}

beforeAll(async () => {
  dirs = await ledgeDirs("ledge-verify-", "mqtt: { allowAnonymous: true }\ntopics:\n  - { name: v, partitions: 2 }\n");
  ledge = await startLedge(dirs.args);
  const bootstrap = `127.0.0.1:${ledge.ports.kafka}`;
  for (const [i, codec] of codecs.entries()) {
    for (const partition of [0, 1]) {
      const lines = Array.from({ length: 300 }, (_, n) => `{"codec":"${codec}","n":${n},"p":${partition}}`);
      const r = await kcat(["-b", bootstrap, "-P", "-t", "v", "-p", String(partition), "-z", codec, "-X", "acks=all", "-X", "linger.ms=5", "-X", `batch.num.messages=${50 + i}`], `${lines.join("\n")}\n`, 30_000);
      expect(r.code, r.stderr).toBe(0);
    }
  }
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { clientId: "verify-pub" });
  for (let n = 0; n < 100; n++) await client.publishAsync(`sensors/${n % 7}/t`, JSON.stringify({ n }), { qos: 1 });
  await client.endAsync();
}, 120_000);

afterAll(async () => {
  ledge?.child.kill("SIGKILL");
  await dirs?.remove();
  rmSync(copies, { recursive: true, force: true });
});

describe("ledge verify", () => {
  it("passes on a healthy log while ledge runs and appends, with a line per partition", async () => {
    // MQTT publishes keep arriving while verify reads: it must see one consistent snapshot (the
    // meta table's counts and the batches they describe), or its count checks would fail.
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge!.ports.mqtt}`, { clientId: "verify-busy" });
    let published = 0;
    let verifying = true;
    const busy = (async () => {
      const deadline = Date.now() + 90_000;
      while (verifying && published < 200_000 && Date.now() < deadline) {
        await client.publishAsync(`busy/${published % 5}`, `busy ${published}`, { qos: 1 });
        published++;
      }
    })();
    const before = published;
    const r = await verify(dirs.dataDir);
    verifying = false;
    await busy;
    await client.endAsync();
    // Appends went on while verify ran (how many depends on the machine's load: a loaded CI run
    // managed 75 where a quiet one does thousands); verify reads a snapshot and never blocks them.
    expect(published - before).toBeGreaterThan(0);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The running ledge read its own log: no second process may open it (runtime/log/owner.ts).
    expect(r.stdout).toContain(`ledge start (pid ${ledge!.child.pid}) holds ${dirs.dataDir}; it read its own log`);
    expect(r.stdout).toMatch(/^ok {2}v\/0: \d+ batches, 1200 records, \d+ bytes, offsets 0\.\.1199 \(log start 0, next 1200\)$/m);
    expect(r.stdout).toMatch(/^ok {2}v\/1: \d+ batches, 1200 records, \d+ bytes, offsets 0\.\.1199 \(log start 0, next 1200\)$/m);
    expect(r.stdout).toMatch(/^ok {2}mqtt-messages\/0: \d+ batches, \d+ records, /m);
    expect(r.stdout).toMatch(/^3 partitions, \d+ batches, \d+ records, \d+ bytes$/m);
    expect(r.stdout).toMatch(/every batch and count checks out/);
  });

  it("passes after ledge has stopped, and the log holds batches of every codec", async () => {
    ledge!.child.kill("SIGTERM");
    expect(await ledge!.exited).toBe(0);
    ledge = undefined;
    const r = await verify(dirs.dataDir);
    expect(r.code).toBe(0);
    const seen = new Set<number>();
    await withCopy("codecs", ({ batches, meta }) => {
      for (const { value } of storedBatches(batches, meta, 0)) seen.add(value.readInt16BE(ATTRIBUTES_OFFSET) & ATTRIBUTE_COMPRESSION_MASK);
    });
    // gzip, snappy, lz4, zstd (librdkafka also sends a batch uncompressed, 0, when that is smaller)
    expect([...seen].filter((c) => c !== 0).sort()).toEqual([1, 2, 3, 4]);
  });

  it("exits 1 naming the batch whose stored bytes no longer match their CRC", async () => {
    let offset = -1;
    const dir = await withCopy("flipped", ({ batches, meta }) => {
      const victim = storedBatches(batches, meta, 1)[3];
      offset = batchKeyParts(victim.key).baseOffset;
      victim.value[victim.value.length - 1] ^= 0x01; // inside the records, covered by the CRC
      batches.putSync(victim.key, victim.value);
    });
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ledge verify: v/1 batch at offset ${offset}: .*CRC`, "m"));
    expect(r.stdout).toMatch(/^BAD v\/1: /m);
    expect(r.stdout).toMatch(/^ok {2}v\/0: /m);
  });

  it("names a batch whose CRC field itself was changed", async () => {
    const dir = await withCopy("crc-field", ({ batches, meta }) => {
      const victim = storedBatches(batches, meta, 0)[0];
      victim.value[CRC_OFFSET] ^= 0x80;
      batches.putSync(victim.key, victim.value);
    });
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ledge verify: v\/0 batch at offset 0: .*CRC/m);
  });

  it("names a batch stored under a key that disagrees with its header's base offset", async () => {
    let offset = -1;
    const dir = await withCopy("offset", ({ batches, meta }) => {
      const victim = storedBatches(batches, meta, 0)[2];
      offset = batchKeyParts(victim.key).baseOffset;
      victim.value.writeUInt32BE(victim.value.readUInt32BE(4) + 1, 4); // baseOffset lies outside the CRC
      batches.putSync(victim.key, victim.value);
    });
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`v/0 batch at offset ${offset}: its header says base offset ${offset + 1}, but it is stored under offset ${offset}`);
  });

  it("names the gap a missing batch leaves, and the meta table's counts then disagree", async () => {
    let missing = { base: -1, last: -1, next: -1 };
    const dir = await withCopy("gap", ({ batches, meta }) => {
      const stored = storedBatches(batches, meta, 1);
      const victim = stored[1];
      missing = { base: batchKeyParts(victim.key).baseOffset, last: batchKeyParts(stored[2].key).baseOffset - 1, next: batchKeyParts(stored[2].key).baseOffset };
      batches.removeSync(victim.key);
    });
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`v/1 batch at offset ${missing.next}: offsets ${missing.base}..${missing.last} are missing before it`);
  });

  it("names a partition whose meta table byte count disagrees with its batches", async () => {
    const dir = await withCopy("meta", ({ meta }) => {
      const { id } = meta.get(metaKeys.topic("v")) as { id: number };
      const state = meta.get(metaKeys.partition(id, 0)) as { bytes: number };
      meta.putSync(metaKeys.partition(id, 0), { ...state, bytes: state.bytes + 1 });
    });
    const r = await verify(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ledge verify: v\/0: the meta table counts \d+ stored bytes, the batches hold \d+$/m);
  });

  it("exits 2 with a clear message where there is no log", async () => {
    const r = await verify(join(copies, "nothing-here"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ledge log at .*ledge\.mdb; pass the data directory ledge runs with/);
  });
});
