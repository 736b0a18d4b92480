// Client scenarios run unchanged against ledge and against librdkafka's mock cluster, so their
// client-visible results can be compared.
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
