// The trivial MQTT peer that measures the load generator's own ceiling: CONNECT → CONNACK,
// QoS 1 PUBLISH → PUBACK at once (all acks for one incoming chunk in one write), PINGREQ →
// PINGRESP, nothing stored. Run as its own process, like the brokers it stands in for:
//   node --import tsx bench/lib/mqtt-sink.ts      → prints "sink ready PORT"
import { createServer, type AddressInfo } from "node:net";
import { PacketSplitter } from "./mqtt-load.ts";

const connack = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const pingresp = Buffer.from([0xd0, 0x00]);

const server = createServer((socket) => {
  socket.setNoDelay(true);
  const acks: Buffer[] = [];
  const splitter = new PacketSplitter((first, buf, bodyAt) => {
    const type = first >> 4;
    if (type === 1) acks.push(connack);
    else if (type === 12) acks.push(pingresp);
    else if (type === 14) socket.end();
    else if (type === 3 && ((first >> 1) & 3) > 0) {
      const topicLength = buf.readUInt16BE(bodyAt);
      const idAt = bodyAt + 2 + topicLength;
      acks.push(Buffer.from([0x40, 0x02, buf[idAt], buf[idAt + 1]]));
    }
  });
  socket.on("data", (chunk: Buffer) => {
    splitter.push(chunk);
    if (acks.length) socket.write(acks.length === 1 ? acks[0] : Buffer.concat(acks));
    acks.length = 0;
  });
  socket.on("error", () => socket.destroy());
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`sink ready ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
