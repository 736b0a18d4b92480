// CONNECT: check the request, authenticate, take over or create the session, answer CONNACK
// with our limits (MQTT 5 properties), then resume the session's deliveries.
import { randomBytes } from "node:crypto";
import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import { authenticate, canPublish } from "../auth.ts";
import type { ClientContext } from "./context.ts";
import { connackCode311, Reason } from "../reason-codes.ts";
import { validateTopicName } from "../topics.ts";
import type { Will } from "../wills.ts";
import type { PacketHandler } from "./types.ts";
import { LogError } from "../../../runtime/log/errors.ts";

const clientIdBytesMax = 256;

function refuse(c: ClientContext, reason: number, message: string): void {
  c.metrics.connectionsRefused.inc();
  c.logger.warn(`refused CONNECT from ${c.who}: ${message}`);
  const packet: IConnackPacket = { cmd: "connack", sessionPresent: false };
  if (c.protocolVersion === 5) {
    packet.reasonCode = reason;
    packet.properties = { reasonString: message };
  } else packet.returnCode = connackCode311(reason);
  c.send(packet);
  c.disconnect(reason);
}

/** Problems with the CONNECT itself, before anything is looked up: [reason, message]. */
function connectProblem(c: ClientContext, packet: IConnectPacket): [number, string] | undefined {
  const limits = c.limits;
  const failure = c.broker.storageFailure;
  if (failure) return [Reason.serverUnavailable, `storage failed, the broker is restarting: ${failure.message}`];
  if (c.broker.overConnectionLimit) {
    c.metrics.limitBreaches.inc();
    return [Reason.quotaExceeded, `connection limit mqtt.limits.connectionCountMax (${limits.connectionCountMax}) reached`];
  }
  if (Buffer.byteLength(packet.clientId) > clientIdBytesMax) return [Reason.clientIdentifierNotValid, `client id longer than ${clientIdBytesMax} bytes`];
  if (packet.clientId === "" && !packet.clean && c.protocolVersion !== 5) {
    return [Reason.clientIdentifierNotValid, "an empty client id needs clean session [MQTT-3.1.3-8]"];
  }
  const p = packet.properties;
  if (p?.receiveMaximum === 0) return [Reason.protocolError, "receive maximum 0 (MQTT 5 §3.1.2.11.3): must be 1..65535"];
  if (p?.maximumPacketSize === 0) return [Reason.protocolError, "maximum packet size 0: must be at least 1"];
  if (p?.authenticationMethod) return [Reason.badUserNameOrPassword, `authentication method '${p.authenticationMethod}' is not supported`];
  if (packet.will) {
    const problem = validateTopicName(packet.will.topic, limits.topicLevelCountMax, limits.topicBytesMax);
    if (problem) return [Reason.topicNameInvalid, `will topic: ${problem}`];
  }
  return undefined;
}

function readWill(c: ClientContext, packet: IConnectPacket): Will | undefined {
  const w = packet.will;
  if (!w) return undefined;
  const { willDelayInterval, ...properties } = w.properties ?? {};
  const payload = Buffer.isBuffer(w.payload) ? w.payload : Buffer.from(w.payload ?? "");
  return {
    message: { topic: w.topic, payload, qos: w.qos ?? 0, retain: w.retain ?? false, properties: c.protocolVersion === 5 ? properties : undefined, originClientId: c.clientId },
    delayS: willDelayInterval ?? 0,
  };
}

export const handleConnect: PacketHandler<IConnectPacket> = async (c, packet) => {
  c.state = "connecting";
  c.protocolVersion = (packet.protocolVersion ?? 4) as 3 | 4 | 5;
  c.clientId = packet.clientId;
  const problem = connectProblem(c, packet);
  if (problem) return refuse(c, problem[0], problem[1]);
  const broker = c.broker;
  const auth = await authenticate(broker.auth, {
    username: packet.username, password: packet.password, peerCertificate: c.options.tlsPeerCertificate, remoteIp: c.options.remoteIp,
  });
  if (c.closed) return;
  if (!auth.ok) {
    const reason = auth.reason === "bad-credentials" ? Reason.badUserNameOrPassword : Reason.notAuthorized;
    return refuse(c, reason, auth.message);
  }
  c.identity = auth.identity;
  if (packet.will && !canPublish(auth.identity, packet.will.topic)) {
    return refuse(c, Reason.notAuthorized, `${auth.identity.name} may not publish to will topic '${packet.will.topic}'`);
  }
  await startSession(c, packet);
};

async function startSession(c: ClientContext, packet: IConnectPacket): Promise<void> {
  const broker = c.broker;
  const limits = broker.limits;
  const props = packet.properties ?? {};
  let assignedId: string | undefined;
  if (c.clientId === "") c.clientId = assignedId = `ledge-${randomBytes(9).toString("base64url")}`;
  const askedExpiryS = c.protocolVersion === 5 ? props.sessionExpiryInterval ?? 0 : packet.clean ? 0 : limits.sessionExpirySecondsMax;
  const expiryS = Math.min(askedExpiryS, limits.sessionExpirySecondsMax);
  // [MQTT-3.1.4-3]: a second connection with the same client id takes the session over.
  const existing = broker.session(c.clientId);
  existing?.connection?.disconnect(Reason.sessionTakenOver, `another connection took over client id '${c.clientId}'`);
  broker.cancelWill(c.clientId);
  let session = broker.session(c.clientId); // the takeover may have ended a non-persistent one
  const cleanStart = packet.clean !== false;
  if (session && cleanStart) {
    await broker.discardSession(session);
    session = undefined;
  }
  const sessionPresent = session !== undefined;
  if (!session && broker.sessionCount >= limits.sessionCountMax) {
    c.metrics.limitBreaches.inc();
    return refuse(c, Reason.quotaExceeded, `session limit mqtt.limits.sessionCountMax (${limits.sessionCountMax}) reached; raise it or lower sessionExpirySecondsMax`);
  }
  session ??= broker.newSession(c.clientId, expiryS);
  session.expiryS = expiryS;
  c.will = readWill(c, packet);
  // The will is stored before CONNACK: from then on even a crash of ledge publishes it.
  try {
    await Promise.all([session.persistent ? broker.saveSession(session) : undefined, broker.storeWill(c)]);
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    // The disk is full (or failing): the session or will cannot be kept, so the client is
    // told why in CONNACK instead of being dropped without one.
    if (c.will) broker.cancelWill(c.clientId);
    // A session made for this CONNECT goes; a stored one the client came back to stays as it was.
    if (!sessionPresent && !session.connection) broker.track(broker.discardSession(session));
    const full = err.code === "LEDGE_ERR_STORAGE_FULL";
    return refuse(c, full ? Reason.quotaExceeded : Reason.serverUnavailable,
      `its ${session.persistent ? "persistent session" : "will"} cannot be stored: ${err.message}`);
  }
  if (c.closed) {
    // Gone while the session was being stored: a session nobody holds must not linger, and a
    // client that never had its CONNACK has no will.
    if (c.will) broker.cancelWill(c.clientId);
    if (!session.persistent && !session.connection) broker.track(broker.discardSession(session));
    return;
  }

  c.session = session;
  c.clientReceiveMax = props.receiveMaximum ?? 65_535;
  c.clientPacketBytesMax = props.maximumPacketSize ?? 268_435_455;
  c.clientTopicAliasMax = props.topicAliasMaximum ?? 0;
  c.problemInformation = props.requestProblemInformation !== false;
  let keepAliveSeconds = packet.keepalive ?? 0;
  const keepAliveCapped = keepAliveSeconds > limits.keepAliveSecondsMax || (c.protocolVersion === 5 && keepAliveSeconds === 0);
  if (keepAliveCapped) keepAliveSeconds = limits.keepAliveSecondsMax;

  const connack: IConnackPacket = { cmd: "connack", sessionPresent };
  if (c.protocolVersion === 5) {
    connack.reasonCode = Reason.success;
    connack.properties = {
      receiveMaximum: limits.inflightCountMax,
      maximumPacketSize: limits.packetBytesMax,
      topicAliasMaximum: limits.topicAliasCountMax,
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      sharedSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
    };
    if (assignedId) connack.properties.assignedClientIdentifier = assignedId;
    if (keepAliveCapped) connack.properties.serverKeepAlive = keepAliveSeconds;
    if (expiryS !== askedExpiryS) connack.properties.sessionExpiryInterval = expiryS;
  } else connack.returnCode = 0;
  c.send(connack);
  c.connected(keepAliveSeconds);
  session.attach(c); // stored copies stay until the client acknowledges each message
}
