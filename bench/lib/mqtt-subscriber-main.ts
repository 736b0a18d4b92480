// The counting subscriber as its own process (so its CPU is not the load generator's): args
// PORT CLIENT_ID FILTER SUBSCRIBE(1|0); prints "subscriber ready PORT CONNECT_MS", then "count N LAST_MS"
// every 50 ms; a line "leave" on stdin disconnects (the session stays) and exits.
import { createInterface } from "node:readline";
import { countingSubscriber } from "./mqtt-subscriber.ts";

const [port, clientId, filter, subscribe] = process.argv.slice(2);
const sub = await countingSubscriber(Number(port), clientId, filter, subscribe === "1");
process.stdout.write(`subscriber ready ${port} ${sub.connectAtMs}\n`);
const timer = setInterval(() => process.stdout.write(`count ${sub.received} ${sub.lastAtMs}\n`), 50);
createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line !== "leave") return;
  clearInterval(timer);
  process.stdout.write(`count ${sub.received} ${sub.lastAtMs}\n`);
  await sub.leave();
  process.exit(0);
});
