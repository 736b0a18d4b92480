// SUBSCRIBE: each filter is checked (syntax, shared-subscription form, ACL, per-client bound)
// and gets its own SUBACK code, in order [MQTT-3.9.3-1]. Persistent sessions store the change before the
// SUBACK. Matching retained messages follow per Retain Handling [MQTT-3.3.1-9..11].
import type { ISubscribePacket, ISubscription, QoS } from "mqtt-packet";
import { canSubscribe, subackDeniedCode } from "../auth.ts";
import type { ClientContext } from "./context.ts";
import { Reason } from "../reason-codes.ts";
import type { SubscriptionOptions } from "../subscription-trie.ts";
import { parseShared, validateFilter } from "../topics.ts";
import type { PacketHandler } from "./types.ts";

interface Accepted {
  sub: ISubscription;
  options: SubscriptionOptions;
  isNew: boolean;
  shared: boolean;
}

/** The SUBACK code for one filter (granted QoS, or a failure with the reason why). */
function check(c: ClientContext, sub: ISubscription): { code: number; why?: string } {
  const limits = c.limits;
  const shared = parseShared(sub.topic);
  if (typeof shared === "string") return { code: Reason.topicFilterInvalid, why: shared };
  const filter = typeof shared === "object" ? shared.filter : sub.topic;
  const problem = validateFilter(filter, limits.topicLevelCountMax, limits.topicBytesMax);
  if (problem) return { code: Reason.topicFilterInvalid, why: problem };
  if (!canSubscribe(c.identity!, sub.topic)) return { code: subackDeniedCode(c.protocolVersion), why: `${c.identity!.name} may not subscribe to it` };
  const session = c.session!;
  if (!session.subscriptions.has(sub.topic) && session.subscriptions.size >= limits.subscriptionCountPerClientMax) {
    c.metrics.limitBreaches.inc();
    c.logger.warn(`${c.who} has ${limits.subscriptionCountPerClientMax} subscriptions (mqtt.limits.subscriptionCountPerClientMax); refused '${sub.topic}'`);
    return { code: Reason.quotaExceeded, why: `over mqtt.limits.subscriptionCountPerClientMax (${limits.subscriptionCountPerClientMax})` };
  }
  return { code: sub.qos };
}

export const handleSubscribe: PacketHandler<ISubscribePacket> = async (c, packet) => {
  const broker = c.broker;
  const session = c.session!;
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  if (subscriptionId === 0) return c.protocolFailure(Reason.protocolError, "subscription identifier 0 (MQTT 5 §3.8.2.1.2: 1 to 268,435,455)");
  // A protocol error, so the connection ends: 0x82 is no SUBACK code (MQTT 5 §3.9.3).
  const noLocalShared = packet.subscriptions.find((sub) => sub.nl && sub.topic.startsWith("$share/"));
  if (noLocalShared) return c.protocolFailure(Reason.protocolError, `No Local on shared subscription '${noLocalShared.topic.slice(0, 100)}' [MQTT-3.8.3-4]`);
  const granted: number[] = [];
  const accepted: Accepted[] = [];
  const refusals: string[] = [];
  for (const sub of packet.subscriptions) {
    const { code, why } = check(c, sub);
    if (why) refusals.push(`'${sub.topic.slice(0, 100)}': ${why}`);
    // 3.1.1 knows only 0x80 as a failure code [MQTT-3.9.3-2].
    granted.push(code >= 0x80 && c.protocolVersion !== 5 ? 0x80 : code);
    if (code >= 0x80) continue;
    const options: SubscriptionOptions = {
      qos: sub.qos, noLocal: sub.nl ?? false, retainAsPublished: sub.rap ?? false, retainHandling: sub.rh ?? 0, subscriptionId,
    };
    const isNew = broker.addSubscription(session, sub.topic, options);
    accepted.push({ sub, options, isNew, shared: sub.topic.startsWith("$share/") });
  }
  if (session.persistent && accepted.length > 0) await broker.saveSession(session);
  if (c.closed) return;
  // MQTT 5: a reason string on every negative answer (bounded; it is optional for clients).
  const reasonString = c.protocolVersion === 5 && refusals.length > 0 ? refusals.join("; ").slice(0, 1000) : undefined;
  c.send({ cmd: "suback", messageId: packet.messageId, granted, properties: reasonString ? { reasonString } : undefined });
  sendRetained(c, accepted);
};

function sendRetained(c: ClientContext, accepted: Accepted[]): void {
  const nowMs = Date.now();
  for (const a of accepted) {
    // Shared subscriptions get no retained messages (MQTT 5 §4.8.2); rh 2 = never, rh 1 = only new.
    if (a.shared || a.options.retainHandling === 2 || (a.options.retainHandling === 1 && !a.isNew)) continue;
    for (const message of c.broker.retainedMatching(a.sub.topic, nowMs)) {
      // Retained messages sent for a new subscription keep retain = 1 [MQTT-3.3.1-8].
      c.session!.deliver(message, Math.min(message.qos, a.options.qos) as QoS, true, a.options.subscriptionId);
    }
  }
}
