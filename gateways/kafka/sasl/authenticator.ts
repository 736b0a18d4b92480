// Runs one connection's SASL exchange over tokens, whatever carries them (SaslAuthenticate
// requests, or raw frames after SaslHandshake v0). PLAIN is one step; SCRAM two. A PLAIN user
// from mqtt.users (sasl.mqttUsers) is checked by its owner, off the event loop (scrypt).
import { timingSafeEqual, createHash } from "node:crypto";
import type { ConnectionState } from "../context.ts";
import type { SaslSettings } from "./config.ts";
import { SaslFailure, ScramExchange, type ScramMechanism } from "./scram.ts";

export { SaslFailure } from "./scram.ts";

export interface SaslStep {
  response: Uint8Array;
  /** True once the client is authenticated. */
  done: boolean;
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

async function plain(settings: SaslSettings, token: Uint8Array, state: ConnectionState): Promise<SaslStep> {
  // authzid NUL authcid NUL passwd (RFC 4616)
  const parts = Buffer.from(token).toString("utf8").split("\u0000");
  if (parts.length !== 3) throw new SaslFailure("malformed PLAIN token");
  const [authzid, name, password] = parts;
  if (authzid !== "" && authzid !== name) throw new SaslFailure(`user ${JSON.stringify(name)} may not act as ${JSON.stringify(authzid)}`);
  const user = settings.users.get(name);
  const external = settings.external?.names.has(name) ? settings.external : undefined;
  const ok = external ? await external.checkPassword(name, password) : user?.password !== undefined && sameSecret(user.password, password);
  if (!ok) throw new SaslFailure(`authentication failed for user ${JSON.stringify(name)}`);
  state.principal = name;
  return { response: new Uint8Array(0), done: true };
}

/** One token in, one token out. Throws SaslFailure when the client must be refused. */
export async function saslStep(settings: SaslSettings, state: ConnectionState, token: Uint8Array): Promise<SaslStep> {
  const mechanism = state.saslMechanism;
  if (mechanism === null) throw new SaslFailure("SaslAuthenticate before SaslHandshake");
  if (mechanism === "PLAIN") return plain(settings, token, state);
  let exchange = state.saslExchange as ScramExchange | null;
  if (!exchange) {
    const m = mechanism as ScramMechanism;
    exchange = new ScramExchange(m, (name) => settings.users.get(name)?.scram[m]);
    state.saslExchange = exchange;
    return { response: exchange.first(token), done: false };
  }
  const response = exchange.final(token);
  state.principal = exchange.user;
  state.saslExchange = null;
  return { response, done: true };
}
