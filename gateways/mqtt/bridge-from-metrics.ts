// What each `mqtt.bridgeFrom` link counts, as /metrics series under a `link` label
// (`<clientId>@<host:port>`, no credentials): the numbers an operator needs to tell a slow
// bridge (in flight at its bound) from a refusing upstream (reason codes) from a flapping one.
import type { CounterSeries, GaugeSeries, Metrics } from "../../runtime/metrics/index.ts";

/** Upstream packets whose reason codes are counted. */
export type UpstreamPacket = "connack" | "suback" | "disconnect";

export interface BridgeFromLinkMetrics {
  readonly link: string;
  /** PUBLISHes taken from the upstream broker. */
  readonly messagesIn: CounterSeries;
  /** Of those, sent again by the upstream (DUP set): they may already be in the log. */
  readonly redelivered: CounterSeries;
  /** Messages appended and durable. */
  readonly stored: CounterSeries;
  /** Messages the routes refuse (acknowledged so they do not block the session). */
  readonly refused: CounterSeries;
  /** PUBACKs sent upstream, each after its message was durable (or refused). */
  readonly acksSent: CounterSeries;
  /** Messages taken whose commit has not landed yet (their PUBACKs held). */
  readonly inflight: GaugeSeries;
  /** CONNACKs with success, and of those the ones after the first (reconnects). */
  readonly connects: CounterSeries;
  readonly reconnects: CounterSeries;
  /** SUBACKs received (a refused filter is also counted under reason codes). */
  readonly subscribes: CounterSeries;
  /** Counts a failure reason code the upstream sent (CONNACK refusal, SUBACK refusal, DISCONNECT). */
  reasonCode(packet: UpstreamPacket, code: number): void;
}

/** A reason code as operators read it in specs and broker logs: 0x87. */
export function reasonCodeHex(code: number): string {
  return `0x${code.toString(16).padStart(2, "0")}`;
}

export function bridgeFromLinkMetrics(m: Metrics, link: string): BridgeFromLinkMetrics {
  const l = { link };
  const counter = (name: string, help: string) => m.counter(`ledge_mqtt_bridge_from_${name}_total`, help).with(l);
  const reasonCodes = m.counter("ledge_mqtt_bridge_from_reason_codes_total", "failure reason codes an mqtt.bridgeFrom upstream sent, by packet (connack, suback, disconnect) and code");
  return {
    link,
    messagesIn: counter("messages_in", "PUBLISHes an mqtt.bridgeFrom link took from its upstream broker"),
    redelivered: counter("redelivered", "PUBLISHes an mqtt.bridgeFrom upstream sent again (DUP set)"),
    stored: counter("stored", "messages an mqtt.bridgeFrom link stored durably"),
    refused: counter("refused", "messages an mqtt.bridgeFrom link acknowledged without storing (refused by the routes)"),
    acksSent: counter("acks_sent", "PUBACKs an mqtt.bridgeFrom link sent upstream, each after its commit"),
    inflight: m.gauge("ledge_mqtt_bridge_from_inflight", "messages an mqtt.bridgeFrom link took and has not committed yet (PUBACK held)").with(l),
    connects: counter("connects", "successful connects of an mqtt.bridgeFrom link"),
    reconnects: counter("reconnects", "successful connects of an mqtt.bridgeFrom link after its first"),
    subscribes: counter("subscribes", "SUBACKs an mqtt.bridgeFrom link received"),
    reasonCode(packet, code) {
      reasonCodes.with({ link, packet, code: reasonCodeHex(code) }).inc();
    },
  };
}
