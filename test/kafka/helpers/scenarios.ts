// Client scenarios run unchanged against ledge and against librdkafka's mock cluster, so their
// client-visible results can be compared.
import { Kafka, logLevel, CompressionTypes } from "kafkajs";
import { kcat, telemetryLines } from "./kcat.ts";

export const codecs = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type Codec = (typeof codecs)[number];

export interface ProduceConsumeResult {
  produceCode: number | null;
  produceErrors: string[];
  /** The codec librdkafka reports for each produced MessageSet ("uncompressed", "gzip"…). */
  setCodecs: string[];
  notCompressing: boolean;
  consumed: string[];
  consumeCode: number | null;
  consumeErrors: string[];
}

/** kcat -P (idempotent, one codec, debug=feature,msg), then kcat -C -e with CRC checks. */
export async function kcatProduceConsume(bootstrap: string, topic: string, codec: Codec, count = 200): Promise<ProduceConsumeResult> {
  const lines = telemetryLines(count, codec);
  const z = codec === "none" ? [] : ["-z", codec];
  const p = await kcat(["-b", bootstrap, "-P", "-t", topic, "-p", "0", ...z, "-X", "enable.idempotence=true",
    "-X", "linger.ms=20", "-X", "debug=feature,msg"], `${lines.join("\n")}\n`);
  const setCodecs = [...p.stderr.matchAll(/Produce MessageSet with \d+ message\(s\) \([^)]*, ([a-z0-9]+)\)/g)].map((m) => m[1]);
  const c = await kcat(["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-X", "check.crcs=true", "-f", "%s\n"]);
  return {
    produceCode: p.code,
    produceErrors: p.stderr.split("\n").filter((l) => /Delivery failed|ERROR/i.test(l)),
    setCodecs,
    notCompressing: /not compressing batch/i.test(p.stderr),
    consumed: c.stdout.split("\n").filter((l) => l.length > 0),
    consumeCode: c.code,
    consumeErrors: c.stderr.split("\n").filter((l) => /ERROR|CRC/i.test(l) && !/Reached end/.test(l)),
  };
}

export function expectedLines(codec: Codec, count = 200): string[] {
  return telemetryLines(count, codec);
}

export interface KafkajsResult {
  sendErrorCodes: number[];
  /** Per partition: [offset, value] in the order the consumer saw them. */
  byPartition: Record<number, Array<[number, string]>>;
}

/** kafkajs: a producer sends `count` keyed records to an auto-created topic, a group consumer
 * reads them. The mock cluster names controller 0, which is none of its brokers, and kafkajs
 * asks the controller for admin calls and for producer ids: so no admin call here, and the
 * idempotent variant runs against ledge only (kafkajs.test.ts). */
export async function kafkajsRoundTrip(bootstrap: string, topic: string, count = 60, idempotent = false): Promise<KafkajsResult> {
  const kafka = new Kafka({ clientId: "scenario", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  const producer = kafka.producer({ idempotent, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({ key: `key-${i % 5}`, value: `value-${i}` }));
  const res = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const byPartition: Record<number, Array<[number, string]>> = {};
  let seen = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs consumer saw ${seen} of ${count} records within 20 s`)), 20_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          (byPartition[partition] ??= []).push([Number(message.offset), message.value!.toString()]);
          if (++seen === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return { sendErrorCodes: res.map((r) => r.errorCode), byPartition };
}
