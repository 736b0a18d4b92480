// A consume-transform-produce application for test/transactions/crash.test.ts, run as its own
// process so the test can SIGKILL it: a kafkajs consumer in a group reads the input topic
// read_committed with auto-commit off; every chunk of records becomes one producer transaction
// holding the transformed records and the group's next offset (sendOffsets), then commit. After
// each commit it prints `committed <partition> <nextOffset>`. On any error it exits 1 without
// aborting: the next instance's InitProducerId fences this one and aborts what it left open, and
// its consumer starts from the group's committed offsets.
// Usage: node --import tsx ctp-app.ts BROKER INPUT_TOPIC OUTPUT_TOPIC GROUP TRANSACTIONAL_ID RECORDS_PER_TXN
// (CTP_DEBUG=1 prints kafkajs's debug log on stdout.)
import { Kafka, logLevel } from "kafkajs";

const [broker, input, output, group, transactionalId, perTxnArg] = process.argv.slice(2);
const recordsPerTxn = Number(perTxnArg);
if (!broker || !input || !output || !group || !transactionalId || !(recordsPerTxn > 0)) {
  process.stderr.write("usage: ctp-app.ts BROKER INPUT_TOPIC OUTPUT_TOPIC GROUP TRANSACTIONAL_ID RECORDS_PER_TXN\n");
  process.exit(2);
}

/** The transformation whose output the test checks: "i-<n>" becomes "o-<n>". */
const transform = (value: string) => `o-${value.slice(2)}`;

function fail(what: string, err: unknown): never {
  process.stderr.write(`ctp-app: ${what}: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
}

const kafka = new Kafka({
  clientId: "ctp-app",
  brokers: [broker],
  logLevel: process.env.CTP_DEBUG ? logLevel.DEBUG : logLevel.NOTHING,
  connectionTimeout: 1_000,
  requestTimeout: 5_000,
  retry: { retries: 6, initialRetryTime: 100, maxRetryTime: 1_000 },
});
const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({
  groupId: group,
  readUncommitted: false,
  sessionTimeout: 3_000,
  rebalanceTimeout: 3_000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
  retry: { retries: 6, initialRetryTime: 100, maxRetryTime: 1_000 },
});
consumer.on(consumer.events.CRASH, (e) => fail("consumer crashed", e.payload.error));

try {
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
} catch (err) {
  fail("connecting", err);
}

await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, isRunning, isStale, heartbeat, resolveOffset }) => {
    try {
      for (let i = 0; i < batch.messages.length; i += recordsPerTxn) {
        if (!isRunning() || isStale()) return; // a rebalance: the next fetch starts from committed offsets
        const chunk = batch.messages.slice(i, i + recordsPerTxn);
        const next = String(Number(chunk[chunk.length - 1].offset) + 1);
        const txn = await producer.transaction();
        await txn.send({ topic: output, messages: chunk.map((m) => ({ key: m.key, value: transform(m.value!.toString()) })) });
        await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
        await txn.commit();
        process.stdout.write(`committed ${batch.partition} ${next}\n`);
        resolveOffset(chunk[chunk.length - 1].offset); // the next fetch starts after it
        await heartbeat();
      }
    } catch (err) {
      fail(`processing ${batch.topic}/${batch.partition}`, err);
    }
  },
});
process.stdout.write("running\n");
