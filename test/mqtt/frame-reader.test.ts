// The frame reader keeps an offset into its pending bytes instead of a view per packet: however
// a stream of packets is cut into chunks, the same whole frames must come out, in order, and
// the limit and malformed checks must still fire.
import fc from "fast-check";
import mqttPacket, { type Packet } from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { FrameReader } from "../../gateways/mqtt/frame-reader.ts";

const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ topic: fc.stringMatching(/^[a-z/]{1,20}$/), payload: fc.uint8Array({ maxLength: 300 }), qos: fc.constantFrom(0, 1), id: fc.integer({ min: 1, max: 65535 }) })
    .map(({ topic, payload, qos, id }) => ({ cmd: "publish", topic, payload: Buffer.from(payload), qos, dup: false, retain: false, ...(qos ? { messageId: id } : {}) }) as Packet),
  fc.constant({ cmd: "pingreq" } as Packet),
  fc.integer({ min: 1, max: 65535 }).map((id) => ({ cmd: "puback", messageId: id }) as Packet),
);

function drain(reader: FrameReader, out: Buffer[]): void {
  for (;;) {
    const f = reader.next();
    if (f === undefined) return;
    if (!Buffer.isBuffer(f)) throw new Error(f.message);
    out.push(Buffer.from(f));
  }
}

describe("FrameReader", () => {
  it("yields the same frames however the byte stream is chunked", () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }), (packets, cuts) => {
        const frames = packets.map((p) => mqttPacket.generate(p));
        const stream = Buffer.concat(frames);
        const reader = new FrameReader(1024 * 1024);
        const out: Buffer[] = [];
        let at = 0;
        for (let k = 0; at < stream.length; k++) {
          const n = cuts[k % cuts.length];
          reader.push(stream.subarray(at, at + n));
          at += n;
          drain(reader, out);
        }
        expect(out).toEqual(frames);
        expect(reader.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("yields the same frames when several chunks arrive before the frames are taken", () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 4 }), (packets, cuts, pushesPerDrain) => {
        const frames = packets.map((p) => mqttPacket.generate(p));
        const stream = Buffer.concat(frames);
        const reader = new FrameReader(1024 * 1024);
        const out: Buffer[] = [];
        for (let k = 0, at = 0; at < stream.length; k++) {
          const n = cuts[k % cuts.length];
          reader.push(stream.subarray(at, at + n));
          at += n;
          if (k % pushesPerDrain === 0) drain(reader, out);
        }
        drain(reader, out);
        expect(out).toEqual(frames);
        expect(reader.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("copies only the packet cut by a chunk boundary: the packets after it are views of the new chunk", () => {
    const publish = (n: number) => mqttPacket.generate({ cmd: "publish", topic: "t", payload: Buffer.alloc(200, n), qos: 0, dup: false, retain: false });
    const frames = Array.from({ length: 6 }, (_, n) => publish(n));
    const stream = Buffer.concat(frames);
    const cut = frames[0].length + 50; // inside the second packet
    const reader = new FrameReader(1024);
    reader.push(stream.subarray(0, cut));
    expect(reader.next()).toEqual(frames[0]);
    expect(reader.next()).toBeUndefined();
    const chunk = Buffer.allocUnsafeSlow(stream.length - cut); // a socket read: its own memory
    stream.copy(chunk, 0, cut);
    reader.push(chunk);
    const joined = reader.next() as Buffer;
    expect(joined).toEqual(frames[1]);
    expect(joined.length).toBe(frames[1].length);
    for (let n = 2; n < frames.length; n++) {
      const f = reader.next() as Buffer;
      expect(f).toEqual(frames[n]);
      expect(f.buffer).toBe(chunk.buffer); // not a copy
    }
    expect(reader.next()).toBeUndefined();
    expect(reader.bufferedBytes).toBe(0);
  });

  it("holds a partial packet across pushes and counts its bytes", () => {
    const frame = mqttPacket.generate({ cmd: "publish", topic: "a/b", payload: Buffer.alloc(100, 1), qos: 1, messageId: 7, dup: false, retain: false });
    const reader = new FrameReader(1024);
    reader.push(Buffer.concat([mqttPacket.generate({ cmd: "pingreq" }), frame.subarray(0, 10)]));
    expect(reader.next()).toEqual(Buffer.from([0xc0, 0]));
    expect(reader.next()).toBeUndefined();
    expect(reader.bufferedBytes).toBe(10);
    reader.push(frame.subarray(10));
    expect(reader.next()).toEqual(frame);
    expect(reader.bufferedBytes).toBe(0);
  });

  it("refuses a packet over the limit from its fixed header, and a 5-byte remaining length", () => {
    const big = new FrameReader(100);
    big.push(Buffer.from([0xc0, 0])); // a good packet first: the offset is not 0 for the next
    big.push(Buffer.from([0x30, 0xc8, 0x01])); // claims 200 bytes
    expect(big.next()).toEqual(Buffer.from([0xc0, 0]));
    expect(big.next()).toMatchObject({ error: "too-large" });
    const bad = new FrameReader(1024);
    bad.push(Buffer.from([0xc0, 0, 0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(bad.next()).toEqual(Buffer.from([0xc0, 0]));
    expect(bad.next()).toMatchObject({ error: "malformed" });
  });

  it("checks PUBLISH topic UTF-8 at any offset in the pending bytes", () => {
    const r = new FrameReader(1024);
    r.push(Buffer.from([0xc0, 0, 0x30, 0x05, 0x00, 0x02, 0xc3, 0x28, 0x61]));
    expect(r.next()).toEqual(Buffer.from([0xc0, 0]));
    expect(r.next()).toMatchObject({ error: "malformed", message: expect.stringMatching(/UTF-8/) });
  });
});
