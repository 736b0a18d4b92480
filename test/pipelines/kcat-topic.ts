// kcat reading a topic from the beginning, as a user would, polled until it holds enough records.
import { kcat } from "../kafka/helpers/kcat.ts";

/** kcat's records of `topic` (one line per record in `format`, split at tabs), polled until `count` are there. */
export async function kcatRecords(kafkaPort: number, topic: string, count: number, format: string, timeoutMs = 30_000): Promise<string[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await kcat(["-b", `127.0.0.1:${kafkaPort}`, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", `${format}\n`]);
    const lines = r.stdout.split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`${topic} held ${lines.length} of ${count} records; kcat: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
