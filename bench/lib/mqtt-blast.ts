// The subscriber's own ceiling for the catch-up row: a server that answers CONNECT with CONNACK
// (session present) and then only writes `count` pre-encoded QoS 1 PUBLISHes of the load's shape
// as fast as the socket takes them, ignoring PUBACKs. No broker delivers faster to that client.
import { createServer, type AddressInfo, type Server } from "node:net";
import { encodePublish, PacketSplitter } from "./mqtt-load.ts";

const chunkPackets = 256;

export async function startBlastServer(count: number, payloadBytes: number): Promise<{ port: number; close(): Promise<void> }> {
  const payload = Buffer.alloc(payloadBytes, 0x61);
  // Packet ids cycle 1..chunkPackets: the subscriber acknowledges by id and never checks them.
  const chunk = Buffer.concat(Array.from({ length: chunkPackets }, (_, i) => encodePublish(`catchup/blast/${i % 20}`, payload, 1, i + 1)));
  const perPacket = chunk.length / chunkPackets;
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => undefined);
    const splitter = new PacketSplitter((first) => {
      if (first >> 4 !== 1) return; // only CONNECT matters; PUBACKs and DISCONNECT are dropped
      socket.write(Buffer.from([0x20, 2, 1, 0]));
      let left = count;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunkPackets);
          left -= n;
          if (!socket.write(n === chunkPackets ? chunk : chunk.subarray(0, n * perPacket))) return void socket.once("drain", pump);
        }
      };
      pump();
    });
    socket.on("data", (d: Buffer) => splitter.push(d));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.unref();
    }),
  };
}
