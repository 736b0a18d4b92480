// Auth and ACL failures through a real gateway with MQTT.js 3.1.1 and 5: each failure gets its
// protocol's code, and an authorised client connected the whole time keeps working.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MqttClient } from "mqtt";
import { decodeBatch } from "../../runtime/core/index.ts";
import { hashPassword } from "../../gateways/mqtt/auth-password.ts";
import { collect, startGateway, type GatewayFixture, type Inbox } from "./helpers/gateway-fixture.ts";

const cheap = { N: 1024, r: 8, p: 1 };
let f: GatewayFixture;
let watcher: MqttClient;
let watched: Inbox;

beforeAll(async () => {
  f = await startGateway({
    mqtt: {
      allowAnonymous: false,
      users: [
        { username: "alice", passwordHash: hashPassword("alice-pw", cheap), acl: { publish: ["sensors/alice/#"], subscribe: ["cmd/alice/#", "sensors/+/temp"] } },
        { username: "watcher", passwordHash: hashPassword("watcher-pw", cheap) },
      ],
    },
  });
  // The authorised bystander: subscribed to everything for the whole file.
  watcher = await f.connect({ username: "watcher", password: "watcher-pw", protocolVersion: 5 });
  watched = collect(watcher);
  await watcher.subscribeAsync("#", { qos: 1 });
});
afterAll(async () => f?.close());

/** Connects and returns the refusal code MQTT.js reports (CONNACK return/reason code). */
async function refusal(options: Record<string, unknown>): Promise<number> {
  try {
    const c = await f.connect(options);
    c.end(true);
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
}

function storedValues(): string[] {
  const out: string[] = [];
  const d = f.log.describeTopic("mqtt-messages")!;
  for (let p = 0; p < d.partitions; p++) {
    for (const b of f.log.read("mqtt-messages", p, 0, 64 * 2 ** 20).batches) {
      for (const r of decodeBatch(b).records) out.push(Buffer.from(r.value!).toString());
    }
  }
  return out;
}

async function watcherStillWorks(tag: string): Promise<void> {
  const before = watched.got.length;
  await watcher.publishAsync(`watch/${tag}`, tag, { qos: 1 });
  await watched.next(before + 1);
  expect(watched.got.some((g) => g.topic === `watch/${tag}`)).toBe(true);
}

describe.each([
  ["3.1.1", 4, { badCredentials: 4, notAuthorized: 5, subackDenied: 0x80 }],
  ["5", 5, { badCredentials: 0x86, notAuthorized: 0x87, subackDenied: 0x87 }],
] as const)("MQTT %s", (_name, protocolVersion, codes) => {
  it("refuses a wrong password and an unknown user as bad credentials", async () => {
    expect(await refusal({ protocolVersion, username: "alice", password: "wrong" })).toBe(codes.badCredentials);
    expect(await refusal({ protocolVersion, username: "mallory", password: "alice-pw" })).toBe(codes.badCredentials);
    await watcherStillWorks(`creds-${protocolVersion}`);
  });

  it("refuses anonymous clients: allowAnonymous is false", async () => {
    expect(await refusal({ protocolVersion })).toBe(codes.notAuthorized);
    expect(f.logLines.some((l) => l.includes("mqtt.allowAnonymous is false"))).toBe(true);
    await watcherStillWorks(`anon-${protocolVersion}`);
  });

  it("grants subscriptions inside the ACL and refuses those outside it in SUBACK", async () => {
    const alice = await f.connect({ protocolVersion, username: "alice", password: "alice-pw" });
    // MQTT.js rejects when any filter is refused; the SUBACK rides on the error.
    const suback = await alice.subscribeAsync(["cmd/alice/#", "sensors/+/temp", "cmd/#", "#", "$share/g/cmd/bob/x"], { qos: 1 })
      .then(() => expect.unreachable("some filters are outside the ACL"), (err: { packet: { granted: number[] } }) => err.packet);
    expect(suback.granted).toEqual([1, 1, codes.subackDenied, codes.subackDenied, codes.subackDenied]);
    expect(await alice.subscribeAsync("cmd/alice/reboot", { qos: 1 })).toMatchObject([{ qos: 1 }]); // still connected
    await alice.endAsync();
    await watcherStillWorks(`sub-${protocolVersion}`);
  });

  it("stores a publish inside the ACL and refuses one outside it", async () => {
    const alice = await f.connect({ protocolVersion, username: "alice", password: "alice-pw" });
    const ok = `ok-${protocolVersion}`;
    await alice.publishAsync("sensors/alice/temp", ok, { qos: 1 });
    const denied = `denied-${protocolVersion}`;
    if (protocolVersion === 5) {
      // MQTT 5: PUBACK 0x87 Not authorized; the connection stays up.
      await expect(alice.publishAsync("sensors/bob/temp", denied, { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
      await alice.publishAsync("sensors/alice/again", `${ok}-again`, { qos: 1 });
      await alice.endAsync();
    } else {
      // 3.1.1 has no negative PUBACK: the server closes the connection [MQTT-3.3.5-2].
      const closed = new Promise<void>((resolve) => alice.once("close", () => resolve()));
      alice.publish("sensors/bob/temp", denied, { qos: 1 });
      await closed;
      alice.end(true);
    }
    await watcherStillWorks(`pub-${protocolVersion}`);
    const values = storedValues();
    expect(values).toContain(ok);
    expect(values).not.toContain(denied);
    expect(watched.got.map((g) => g.payload.toString())).not.toContain(denied);
  });
});

it("refuses a will topic outside the publisher's ACL", async () => {
  const code = await refusal({ protocolVersion: 5, username: "alice", password: "alice-pw", will: { topic: "cmd/bob/x", payload: Buffer.from("bye"), qos: 1 } });
  expect(code).toBe(0x87);
  await watcherStillWorks("will");
});
