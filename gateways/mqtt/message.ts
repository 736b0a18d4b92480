// The application message as the broker moves it between clients, the log and the stores.
import type { QoS, UserProperties } from "mqtt-packet";

/** The MQTT 5 PUBLISH properties that travel with a message (topic alias and subscription
 * ids are per connection, so they are not here). */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  messageExpiryInterval?: number;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: UserProperties;
}

export interface BrokerMessage {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: MessageProperties;
  /** Epoch ms after which the message must not be delivered (MQTT 5 message expiry). */
  expiresAtMs?: number;
  /** The publishing client's id (stored as header mqtt.client-id), for No Local. */
  originClientId?: string;
}

/** Remaining expiry interval in whole seconds to send on, or undefined when none; -1 = expired. */
export function remainingExpiryS(message: BrokerMessage, nowMs: number): number | undefined {
  if (message.expiresAtMs === undefined) return undefined;
  const left = Math.ceil((message.expiresAtMs - nowMs) / 1000);
  return left > 0 ? left : -1; // [MQTT-3.3.2-5]
}
