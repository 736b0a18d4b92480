// bridge.sasl's client side against a scripted broker: the listener's own SCRAM server
// (gateways/kafka/sasl) answers, or a tampered copy of its answers does. Every refusal must be
// an UpstreamError of kind "auth" that names what to change; a broker that cannot prove it holds
// the user's credentials is refused too.
import { describe, expect, it } from "vitest";
import { bridgeSaslAuthenticator } from "../../bridge/sasl.ts";
import type { BrokerConnection } from "../../bridge/connection.ts";
import { UpstreamError } from "../../bridge/errors.ts";
import { ApiKey } from "../../runtime/kafka/apis/index.ts";
import { ErrorCode } from "../../runtime/kafka/errors.ts";
import { deriveScramCredential, SaslFailure, ScramExchange, type ScramMechanism } from "../../gateways/kafka/sasl/scram.ts";
import type { BridgeSaslConfig } from "../../runtime/config/index.ts";

type Answer = (apiKey: number, body: { mechanism?: string; authBytes?: Uint8Array }) => unknown;

/** A BrokerConnection that answers SaslHandshake/SaslAuthenticate with `answer`. */
function scripted(answer: Answer, ranges: Record<number, [number, number]> = { [ApiKey.SaslHandshake]: [0, 1], [ApiKey.SaslAuthenticate]: [0, 1] }) {
  const sent: Array<{ apiKey: number; version: number; body: unknown }> = [];
  const c = {
    name: "upstream:9093",
    range: (k: number) => (ranges[k] ? { apiKey: k, minVersion: ranges[k][0], maxVersion: ranges[k][1] } : undefined),
    requireVersion: (k: number, min: number, max: number) => {
      const r = ranges[k];
      if (!r || r[1] < min) throw new UpstreamError("unsupported", `no ${k}`);
      return Math.min(max, r[1]);
    },
    request: async (apiKey: number, version: number, body: { mechanism?: string; authBytes?: Uint8Array }) => {
      sent.push({ apiKey, version, body });
      return answer(apiKey, body);
    },
  };
  return { c: c as unknown as BrokerConnection, sent };
}

const ok = (authBytes: Uint8Array = new Uint8Array(0)) => ({ errorCode: 0, errorMessage: null, authBytes, sessionLifetimeMs: 0 });
const failed = (message: string) => ({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: new Uint8Array(0), sessionLifetimeMs: 0 });

/** A broker running the listener's SCRAM server for one user; `tamper` may rewrite its tokens. */
function scramBroker(m: ScramMechanism, user: string, password: string, tamper: (step: "first" | "final", token: string) => string = (_s, t) => t) {
  const cred = deriveScramCredential(m, password, 4096);
  const exchange = new ScramExchange(m, (name) => (name === user ? cred : undefined));
  let step = 0;
  return scripted((apiKey, body) => {
    if (apiKey === ApiKey.SaslHandshake) return { errorCode: 0, mechanisms: [m] };
    try {
      const out = step++ === 0 ? exchange.first(body.authBytes!) : exchange.final(body.authBytes!);
      return ok(Buffer.from(tamper(step === 1 ? "first" : "final", out.toString("utf8"))));
    } catch (err) {
      if (err instanceof SaslFailure) return failed(err.message);
      throw err;
    }
  });
}

const config = (mechanism: BridgeSaslConfig["mechanism"], username = "edge", password = "edge-secret"): BridgeSaslConfig => ({ mechanism, username, password });

async function refusal(run: Promise<void>): Promise<UpstreamError> {
  const err = await run.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  expect((err as UpstreamError).kind).toBe("auth");
  return err as UpstreamError;
}

describe("bridge.sasl client: PLAIN", () => {
  it("sends SaslHandshake v1, then one SaslAuthenticate with authzid, user and password NUL-separated", async () => {
    const { c, sent } = scripted((apiKey) => (apiKey === ApiKey.SaslHandshake ? { errorCode: 0, mechanisms: ["PLAIN"] } : ok()));
    await bridgeSaslAuthenticator(config("PLAIN"))!(c);
    expect(sent.map((s) => [s.apiKey, s.version])).toEqual([[ApiKey.SaslHandshake, 1], [ApiKey.SaslAuthenticate, 1]]);
    expect(Buffer.from((sent[1].body as { authBytes: Uint8Array }).authBytes).toString("utf8")).toBe("\0edge\0edge-secret");
  });

  it("a refused password names the broker, its message and the keys to check", async () => {
    const { c } = scripted((apiKey) => (apiKey === ApiKey.SaslHandshake ? { errorCode: 0, mechanisms: ["PLAIN"] } : failed("authentication failed for user \"edge\"")));
    const e = await refusal(bridgeSaslAuthenticator(config("PLAIN"))!(c));
    expect(e.message).toMatch(/broker upstream:9093 refused SASL authentication as user 'edge' with PLAIN: SASL_AUTHENTICATION_FAILED \(58\) \(authentication failed for user "edge"\); check bridge\.sasl\.username and bridge\.sasl\.password/);
    expect(e.kafkaCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
  });

  it("a mechanism the broker does not offer names the ones it does", async () => {
    const { c, sent } = scripted(() => ({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["SCRAM-SHA-512"] }));
    const e = await refusal(bridgeSaslAuthenticator(config("PLAIN"))!(c));
    expect(e.message).toMatch(/does not offer SASL PLAIN \(it offers SCRAM-SHA-512\); set bridge\.sasl\.mechanism to one of those/);
    expect(sent).toHaveLength(1);
  });

  it("a broker without SASL (no SaslHandshake in ApiVersions) is named, nothing is sent", async () => {
    const { c, sent } = scripted(() => ok(), {});
    const e = await refusal(bridgeSaslAuthenticator(config("PLAIN"))!(c));
    expect(e.message).toMatch(/offers no SASL .*bridge\.sasl is set: remove it, or point bridge\.brokers at the upstream's SASL listener/);
    expect(sent).toHaveLength(0);
  });

  it("a broker with SaslHandshake v0 only (raw tokens) is refused by version", async () => {
    const { c } = scripted(() => ok(), { [ApiKey.SaslHandshake]: [0, 0], [ApiKey.SaslAuthenticate]: [0, 1] });
    await expect(bridgeSaslAuthenticator(config("PLAIN"))!(c)).rejects.toThrow(UpstreamError);
  });
});

describe.each(["SCRAM-SHA-256", "SCRAM-SHA-512"] as const)("bridge.sasl client: %s against the listener's SCRAM server", (m) => {
  it("authenticates in two rounds, and checks the server's signature", async () => {
    const { c, sent } = scramBroker(m, "edge", "edge-secret");
    await bridgeSaslAuthenticator(config(m))!(c);
    expect(sent.map((s) => s.apiKey)).toEqual([ApiKey.SaslHandshake, ApiKey.SaslAuthenticate, ApiKey.SaslAuthenticate]);
    const first = Buffer.from((sent[1].body as { authBytes: Uint8Array }).authBytes).toString("utf8");
    expect(first).toMatch(/^n,,n=edge,r=[A-Za-z0-9+/=]{32}$/);
  });

  it("escapes ',' and '=' in the user name (RFC 5802 5.1), so the server finds the user", async () => {
    const { c } = scramBroker(m, "a,b=c", "pw-of-abc");
    await bridgeSaslAuthenticator(config(m, "a,b=c", "pw-of-abc"))!(c);
  });

  it("a wrong password is refused by the server with its message", async () => {
    const { c } = scramBroker(m, "edge", "edge-secret");
    const e = await refusal(bridgeSaslAuthenticator(config(m, "edge", "wrong"))!(c));
    expect(e.message).toMatch(new RegExp(`refused SASL authentication as user 'edge' with ${m}: SASL_AUTHENTICATION_FAILED`));
  });

  it("a server whose nonce does not extend ours is refused", async () => {
    const { c } = scramBroker(m, "edge", "edge-secret", (step, t) => (step === "first" ? t.replace(/^r=/, "r=X") : t));
    expect((await refusal(bridgeSaslAuthenticator(config(m))!(c))).message).toMatch(/nonce does not extend ours/);
  });

  it("iteration counts outside Kafka's 4096 to 16384 are refused before any hashing", async () => {
    for (const i of ["1000", "1000000000", "x"]) {
      const { c, sent } = scramBroker(m, "edge", "edge-secret", (step, t) => (step === "first" ? t.replace(/i=\d+/, `i=${i}`) : t));
      expect((await refusal(bridgeSaslAuthenticator(config(m))!(c))).message).toMatch(new RegExp(`asks for ${i} iterations, outside Kafka's 4096 to 16384`));
      expect(sent).toHaveLength(2); // no client-final sent
    }
  });

  it("a server-first without a salt is refused", async () => {
    const { c } = scramBroker(m, "edge", "edge-secret", (step, t) => (step === "first" ? t.replace(/s=[^,]*/, "s=") : t));
    expect((await refusal(bridgeSaslAuthenticator(config(m))!(c))).message).toMatch(/sent no salt/);
  });

  it("a server that cannot prove it holds the credentials (wrong or missing v=) is refused", async () => {
    for (const final of ["v=AAAA", "x=1", ""]) {
      const { c } = scramBroker(m, "edge", "edge-secret", (step, t) => (step === "final" ? final : t));
      expect((await refusal(bridgeSaslAuthenticator(config(m))!(c))).message).toMatch(/server signature does not match: it does not hold this user's credentials/);
    }
  });

  it("a server-final carrying e= is reported with the server's reason", async () => {
    const { c } = scramBroker(m, "edge", "edge-secret", (step, t) => (step === "final" ? "e=other-error" : t));
    expect((await refusal(bridgeSaslAuthenticator(config(m))!(c))).message).toMatch(new RegExp(`upstream refused SASL ${m} authentication as user 'edge': other-error`));
  });
});
