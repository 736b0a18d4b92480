// Auth and ACL decisions as pure functions: config parsing, password hashes, filter subsets.
// The same rules over real MQTT.js connections are in auth.interop.test.ts.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ConfigReader } from "../../runtime/config/reader.ts";
import { ConfigError } from "../../runtime/config/errors.ts";
import { canPublish, canSubscribe, filterCovers, type Identity } from "../../gateways/mqtt/acl.ts";
import { topicMatches } from "../../gateways/mqtt/topics.ts";
import { authenticate, connackCodeFor, publishDeniedAction, readAuthConfig, subackDeniedCode } from "../../gateways/mqtt/auth.ts";
import { derivationsRunningCount, hashPassword, parsePasswordHash } from "../../gateways/mqtt/auth-password.ts";

const cheap = { N: 1024, r: 8, p: 1 };
const aliceHash = hashPassword("alice-pw", cheap);

function authConfig(mqtt: unknown) {
  const r = new ConfigReader(mqtt, "mqtt");
  const out = readAuthConfig(r);
  r.done();
  return out;
}

const users = [
  { username: "alice", passwordHash: aliceHash, acl: { publish: ["sensors/alice/#"], subscribe: ["cmd/alice/+", "sensors/#"] } },
  { certificateCN: "device-17", acl: { publish: ["dev/17/#"], subscribe: [] } },
];

describe("password hashes", () => {
  it("round-trips the documented scrypt$N$r$p$salt$hash form", () => {
    const parsed = parsePasswordHash(aliceHash);
    expect(typeof parsed).toBe("object");
    expect(aliceHash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it.each([
    ["bcrypt$1$2$3$abc$def", "of the form"],
    ["scrypt$1000$8$1$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAA==", "power of two"],
    ["scrypt$1024$0$1$c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAA==", "scrypt r"],
    ["scrypt$1024$8$1$c2E=$AAAAAAAAAAAAAAAAAAAAAA==", "salt"],
    [42, "a string"],
  ])("rejects %s", (text, expected) => {
    expect(parsePasswordHash(text)).toContain(expected);
  });
});

describe("readAuthConfig", () => {
  it("lets anonymous clients in from this machine only while no users are configured; otherwise as set", () => {
    expect(authConfig({}).allowAnonymous).toBe("loopback");
    expect(authConfig({ users }).allowAnonymous).toBe(false);
    expect(authConfig({ users, allowAnonymous: true }).allowAnonymous).toBe(true);
    expect(authConfig({ allowAnonymous: false }).allowAnonymous).toBe(false);
    expect(authConfig({ users, allowAnonymous: "loopback" }).allowAnonymous).toBe("loopback");
    expect(() => authConfig({ allowAnonymous: "yes" })).toThrow("config key 'mqtt.allowAnonymous' must be true, false or loopback");
  });

  it.each([
    [{ users: [{ username: "x" }] }, "mqtt.users[0].passwordHash"],
    [{ users: [{ username: "x", passwordHash: "plain" }] }, "mqtt.users[0].passwordHash"],
    [{ users: [{ acl: {} }] }, "mqtt.users[0]"],
    [{ users: [{ certificateCN: "a", acl: { publish: ["a/#/b"] } }] }, "mqtt.users[0].acl.publish[0]"],
    [{ users: [{ certificateCN: "a", acl: { subscribe: ["a/b+"] } }] }, "mqtt.users[0].acl.subscribe[0]"],
    [{ users: [{ certificateCN: "a", acl: { publish: [], pub: [] } }] }, "mqtt.users[0].acl.pub"],
    [{ users: [{ certificateCN: "a" }, { certificateCN: "a" }] }, "mqtt.users[1]"],
    [{ allowAnonymous: "yes" }, "mqtt.allowAnonymous"],
  ])("names the bad key for %j", (mqtt, key) => {
    try {
      authConfig(mqtt);
      expect.unreachable("config should have been refused");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).key).toBe(key);
    }
  });
});

describe("authenticate", () => {
  const auth = authConfig({ users });

  it("accepts the right password, twice (second from the verified cache)", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await authenticate(auth, { username: "alice", password: Buffer.from("alice-pw") });
      expect(r).toMatchObject({ ok: true, identity: { kind: "user", name: "alice" } });
    }
  });

  it("refuses a wrong password and an unknown user as bad credentials", async () => {
    expect(await authenticate(auth, { username: "alice", password: "nope" })).toMatchObject({ ok: false, reason: "bad-credentials" });
    expect(await authenticate(auth, { username: "mallory", password: "alice-pw" })).toMatchObject({ ok: false, reason: "bad-credentials" });
    expect(await authenticate(auth, { username: "alice" })).toMatchObject({ ok: false, reason: "bad-credentials" });
  });

  it("refuses anonymous clients unless allowAnonymous is set", async () => {
    expect(await authenticate(auth, {})).toMatchObject({ ok: false, reason: "not-authorized" });
    const open = authConfig({ users, allowAnonymous: true });
    expect(await authenticate(open, {})).toMatchObject({ ok: true, identity: { kind: "anonymous" } });
  });

  it("allowAnonymous loopback: clients on 127.0.0.0/8 and ::1 get in, others are told how to", async () => {
    const local = authConfig({});
    for (const ip of ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"]) {
      expect(await authenticate(local, { remoteIp: ip }), ip).toMatchObject({ ok: true, identity: { kind: "anonymous" } });
    }
    for (const ip of ["192.168.1.20", "::ffff:10.0.0.7", "fe80::1", "128.0.0.1", undefined]) {
      const refused = await authenticate(local, { remoteIp: ip });
      expect(refused, String(ip)).toMatchObject({ ok: false, reason: "not-authorized" });
      if (!refused.ok) expect(refused.message).toContain("set mqtt.allowAnonymous: true");
    }
    // A user still logs in as itself from anywhere.
    const both = authConfig({ users, allowAnonymous: "loopback" });
    expect(await authenticate(both, { remoteIp: "10.1.1.1" })).toMatchObject({ ok: false });
    expect(await authenticate(both, { remoteIp: "127.0.0.1" })).toMatchObject({ ok: true, identity: { kind: "anonymous" } });
  });

  it("takes a verified certificate CN as the identity", async () => {
    const cert = { subject: { CN: "device-17" } };
    expect(await authenticate(auth, { peerCertificate: cert })).toMatchObject({ ok: true, identity: { kind: "certificate", name: "device-17" } });
    const stranger = await authenticate(auth, { peerCertificate: { subject: { CN: "device-99" } } });
    expect(stranger).toMatchObject({ ok: false, reason: "not-authorized" });
    if (!stranger.ok) expect(stranger.message).toContain("device-99");
  });

  it("answers a burst of logins correctly while derivations queue (at most two at once)", async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, derivationsRunningCount())), 1);
    const attempts = Array.from({ length: 12 }, (_, i) => authenticate(auth, { username: i % 3 === 0 ? "alice" : `nobody${i}`, password: i % 3 === 0 ? `wrong${i}` : "x" }));
    const results = await Promise.all(attempts);
    clearInterval(sampler);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    expect(results.every((r) => !r.ok && r.reason === "bad-credentials")).toBe(true);
    expect(await authenticate(auth, { username: "alice", password: "alice-pw" })).toMatchObject({ ok: true });
  });

  it("maps failures to MQTT 5 reason codes and 3.1.1 return codes", () => {
    expect(connackCodeFor("bad-credentials", 5)).toBe(0x86);
    expect(connackCodeFor("not-authorized", 5)).toBe(0x87);
    expect(connackCodeFor("bad-credentials", 4)).toBe(4);
    expect(connackCodeFor("not-authorized", 4)).toBe(5);
    expect(subackDeniedCode(5)).toBe(0x87);
    expect(subackDeniedCode(4)).toBe(0x80);
    expect(publishDeniedAction(5, 1)).toEqual({ action: "ack", reasonCode: 0x87 });
    expect(publishDeniedAction(5, 0)).toEqual({ action: "drop" });
    expect(publishDeniedAction(4, 1)).toEqual({ action: "disconnect" });
  });
});

describe("ACL filters", () => {
  const alice: Identity = { kind: "user", name: "alice", acl: users[0].acl };

  it("checks publish topic names against filters", () => {
    expect(canPublish(alice, "sensors/alice/temp")).toBe(true);
    expect(canPublish(alice, "sensors/alice")).toBe(true); // "a/#" covers its parent [MQTT-4.7.1-2]
    expect(canPublish(alice, "sensors/bob/temp")).toBe(false);
  });

  it("checks subscribe filters as subsets of ACL filters", () => {
    expect(canSubscribe(alice, "cmd/alice/reboot")).toBe(true);
    expect(canSubscribe(alice, "cmd/alice/+")).toBe(true);
    expect(canSubscribe(alice, "cmd/alice/#")).toBe(false);
    expect(canSubscribe(alice, "cmd/+/reboot")).toBe(false);
    expect(canSubscribe(alice, "sensors/+/temp")).toBe(true);
    expect(canSubscribe(alice, "$share/g/sensors/#")).toBe(true);
    expect(canSubscribe(alice, "$share/g/cmd/#")).toBe(false);
    expect(canSubscribe(alice, "#")).toBe(false);
  });

  it("keeps wildcards out of $ topics [MQTT-4.7.2-1]", () => {
    expect(topicMatches("#", "$SYS/x")).toBe(false);
    expect(filterCovers("#", "$SYS/#")).toBe(false);
    expect(filterCovers("$SYS/#", "$SYS/broker/+")).toBe(true);
  });

  // The allocation-free matcher against the obvious split-based one, on awkward inputs too
  // (empty levels, "$" topics, trailing slashes).
  it("topicMatches agrees with a split-based reference", () => {
    const reference = (filter: string, topic: string) => {
      if (topic.startsWith("$") && /^[+#]/.test(filter)) return false;
      const f = filter.split("/");
      const t = topic.split("/");
      for (let i = 0; i < f.length; i++) {
        if (f[i] === "#") return true;
        if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
      }
      return f.length === t.length;
    };
    const level = fc.constantFrom("a", "b", "", "$x", "ab");
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("/"));
    const filter = fc.tuple(fc.array(fc.constantFrom("a", "b", "", "+", "$x"), { minLength: 0, maxLength: 4 }), fc.boolean())
      .map(([ls, h]) => [...ls, ...(h ? ["#"] : [])].join("/")).filter((f) => f !== "");
    fc.assert(fc.property(filter, topic, (f, t) => topicMatches(f, t) === reference(f, t)), { numRuns: 20_000 });
    expect(topicMatches("a/+", "a")).toBe(false);
    expect(topicMatches("a/+", "a/")).toBe(true);
    expect(topicMatches("+/+", "/x")).toBe(true);
  });

  // The subset check must agree with matching: if outer covers inner, every topic inner
  // matches, outer matches too.
  it("filterCovers agrees with topicMatches on random filters and topics", () => {
    const level = fc.constantFrom("a", "b", "c");
    const filterLevel = fc.constantFrom("a", "b", "+");
    const filter = fc.tuple(fc.array(filterLevel, { minLength: 0, maxLength: 3 }), fc.boolean())
      .map(([ls, hash]) => [...ls, ...(hash ? ["#"] : [])].join("/"))
      .filter((f) => f !== "");
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("/"));
    fc.assert(fc.property(filter, filter, fc.array(topic, { minLength: 1, maxLength: 8 }), (outer, inner, topics) => {
      if (!filterCovers(outer, inner)) return true;
      return topics.every((t) => !topicMatches(inner, t) || topicMatches(outer, t));
    }), { numRuns: 3000 });
  });
});
