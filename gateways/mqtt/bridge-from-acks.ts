// Holds the PUBACKs an MQTT.js client sends until each message is durable, without making
// MQTT.js wait. MQTT.js writes a QoS 1 PUBACK from handleMessage's callback and handles the
// next packet only after it; waiting there for a durable commit would carry one message per
// commit (measured ~100 msgs/s here). Instead handleMessage calls back at once, and the PUBACK
// write (MQTT.js's internal `_sendPacket`, pinned by test/mqtt/bridge-from.unit.test.ts) is
// deferred until that message's ingest resolved, in arrival order [MQTT-4.6.0-2]. At most
// `inflightCountMax` messages wait; past that MQTT.js is not called back (backpressure).
// Each PUBACK leaves as soon as the commit holding its message is durable (the log resolves a
// whole group commit at once), so the upstream's window reopens commit by commit.
import assert from "node:assert";
import type { IPublishPacket, MqttClient, Packet } from "mqtt";
import type { CounterSeries, GaugeSeries } from "../../runtime/metrics/index.ts";

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

export interface HeldAcks {
  /** Messages whose ingest has not settled yet. */
  readonly pendingCount: number;
  /** Tracks `work` for `packet`; calls `next` (MQTT.js's callback) once there is room. */
  admit(packet: IPublishPacket, work: Promise<unknown>, next: () => void): void;
}

/** Where the held acks are counted: PUBACKs sent, and messages waiting for their commit. */
export interface HeldAckCounts {
  acksSent: CounterSeries;
  inflight: GaugeSeries;
}

export function holdPubacks(client: MqttClient, inflightCountMax: number, onFailure: (err: Error, packet: IPublishPacket) => void, counts: HeldAckCounts): HeldAcks {
  assert(inflightCountMax >= 1, "inflightCountMax must allow one message");
  const internal = client as unknown as { _sendPacket: SendPacket };
  assert(typeof internal._sendPacket === "function", "MQTT.js no longer has _sendPacket: re-check bridge-from-acks.ts");
  const send = internal._sendPacket.bind(client);
  const held = new Map<number, { stream: unknown; settled: Promise<boolean> }>();
  let ackChain: Promise<unknown> = Promise.resolve();
  let pendingCount = 0;
  let waiting: (() => void) | undefined;

  internal._sendPacket = (packet, cb, ...rest) => {
    const h = packet.cmd === "puback" && packet.messageId !== undefined ? held.get(packet.messageId) : undefined;
    if (!h) return send(packet, cb, ...rest);
    held.delete(packet.messageId!);
    // Only on the connection the message came in on: after a reconnect the upstream
    // redelivers anything not acknowledged, and a stale id must not ack a redelivery early.
    ackChain = ackChain.then(() => h.settled).then((ok) => {
      if (!ok || client.stream !== h.stream || !client.connected) return;
      send(packet);
      counts.acksSent.inc();
    });
    cb?.();
  };

  return {
    get pendingCount() {
      return pendingCount;
    },
    admit(packet, work, next) {
      counts.inflight.set(++pendingCount);
      const settled = work.then(() => true, (err: Error) => (onFailure(err, packet), false)).finally(() => {
        counts.inflight.set(--pendingCount);
        if (waiting && pendingCount < inflightCountMax) {
          const resume = waiting;
          waiting = undefined;
          resume();
        }
      });
      if (packet.qos > 0 && packet.messageId !== undefined) held.set(packet.messageId, { stream: client.stream, settled });
      if (pendingCount < inflightCountMax) next();
      else waiting = next;
    },
  };
}
