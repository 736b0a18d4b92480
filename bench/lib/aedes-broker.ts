// aedes 1.2.0 with its default in-memory persistence, as its own process (the baseline for
// qos1-vs-aedes):  node --import tsx bench/lib/aedes-broker.ts   → prints "aedes ready PORT"
import { createServer, type AddressInfo } from "node:net";
import { Aedes } from "aedes";

const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`aedes ready ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => broker.close(() => process.exit(0)));
