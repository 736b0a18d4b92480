// The upstream connection's own refusals, against a scripted TCP peer on loopback: a TLS
// listener's alert read as a frame size is named as TLS, not as an oversized frame.
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type AddressInfo, type Server } from "node:net";
import { BrokerConnection } from "../../bridge/connection.ts";
import { UpstreamError } from "../../bridge/errors.ts";

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

/** A peer that answers the first bytes it reads with `reply`. */
async function peer(reply: Buffer): Promise<number> {
  server = createServer((s) => s.once("data", () => s.write(reply)));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

const options = { clientId: "t", connectTimeoutMs: 2000, requestTimeoutMs: 2000, responseBytesMax: 1 << 20 };

describe("bridge upstream connection", () => {
  it("a TLS alert answering plain ApiVersions is named as a TLS listener, with the key to set", async () => {
    // TLS record: alert (0x15), version 3.3, length 2, fatal (2), protocol_version (70).
    const port = await peer(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]));
    const err = await BrokerConnection.open({ host: "127.0.0.1", port }, options).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/broker 127\.0\.0\.1:\d+: the broker answered in TLS \(a TLS listener\): set bridge\.tls/);
  });

  it("any other frame over responseBytesMax is named by its size", async () => {
    const port = await peer(Buffer.from([0x7f, 0x00, 0x00, 0x00]));
    await expect(BrokerConnection.open({ host: "127.0.0.1", port }, options)).rejects.toThrow(/a response frame of 2130706432 bytes is over the 1048576 accepted/);
  });
});
