// A TCP proxy in front of ledge that can cut a connection right after ledge answered a request
// of a given API key, before the client sees the answer: the client must retry what ledge has
// already done. Frames are parsed only to match answers to requests; bytes pass unchanged unless
// a `rewrite` is given, which may replace an answer (to play a broker that lacks an API, say).
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import { FrameReader } from "../../../runtime/kafka/protocol/frame.ts";

export interface FaultProxy {
  port: number;
  /** How many answers were swallowed (connection cut) so far. */
  cuts(): number;
  close(): Promise<void>;
}

/** An answer's replacement: given the request's API key and version and the answer's payload. */
export type AnswerRewrite = (apiKey: number, apiVersion: number, payload: Uint8Array) => Uint8Array;

/** Cuts the connection instead of forwarding the first `cutCount` answers to `apiKey`. */
export async function startFaultProxy(upstreamPort: number | (() => number), apiKey: number, cutCount: number, rewrite?: AnswerRewrite): Promise<FaultProxy> {
  let cut = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(typeof upstreamPort === "number" ? upstreamPort : upstreamPort(), "127.0.0.1");
    sockets.add(client).add(upstream);
    const apiOf = new Map<number, number>();
    const versionOf = new Map<number, number>();
    const fromClient = new FrameReader(256 * 2 ** 20);
    const fromServer = new FrameReader(256 * 2 ** 20);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      for (const e of fromClient.push(chunk)) {
        if (e.kind !== "frame") return kill();
        const v = new DataView(e.payload.buffer, e.payload.byteOffset, e.payload.length);
        apiOf.set(v.getInt32(4), v.getInt16(0));
        versionOf.set(v.getInt32(4), v.getInt16(2));
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      for (const e of fromServer.push(chunk)) {
        if (e.kind !== "frame") return kill();
        const correlationId = new DataView(e.payload.buffer, e.payload.byteOffset, 4).getInt32(0);
        if (apiOf.get(correlationId) === apiKey && cut < cutCount) {
          cut++;
          return kill();
        }
        const payload = rewrite ? rewrite(apiOf.get(correlationId) ?? -1, versionOf.get(correlationId) ?? -1, e.payload) : e.payload;
        const size = Buffer.alloc(4);
        size.writeInt32BE(payload.length);
        client.write(Buffer.concat([size, payload]));
      }
    });
    for (const s of [client, upstream]) {
      s.on("error", kill);
      s.on("close", () => {
        sockets.delete(s);
        kill();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    cuts: () => cut,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
