// Will messages: published when a connection ends without a DISCONNECT 0x00 [MQTT-3.1.2-8],
// after the MQTT 5 Will Delay Interval (or at session end, whichever is first)
// [MQTT-3.1.3-9]; a reconnect to the session within the delay cancels it.
import type { Broker } from "./broker.ts";
import type { MqttConnection } from "./connection.ts";
import type { BrokerMessage } from "./message.ts";

export interface Will {
  message: BrokerMessage;
  delayS: number;
}

export class Wills {
  readonly #broker: Broker;
  readonly #delayed = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  /** A new connection for `clientId`: a delayed will of its previous connection is dropped. */
  cancel(clientId: string): void {
    const timer = this.#delayed.get(clientId);
    if (timer) clearTimeout(timer);
    this.#delayed.delete(clientId);
  }

  connectionLost(connection: MqttConnection): void {
    const will = connection.will;
    connection.will = undefined;
    if (!will || connection.willCleared || this.#closed) return;
    const session = connection.session;
    const delayS = Math.min(will.delayS, session?.persistent ? session.expiryS : 0);
    if (delayS <= 0) return this.#publish(connection.clientId, will);
    const timer = setTimeout(() => {
      this.#delayed.delete(connection.clientId);
      this.#publish(connection.clientId, will);
    }, Math.min(delayS * 1000, 2 ** 31 - 1));
    this.#delayed.set(connection.clientId, timer);
  }

  #publish(clientId: string, will: Will): void {
    const outcome = this.#broker.publish({ ...will.message, expiresAtMs: will.message.properties?.messageExpiryInterval === undefined ? undefined : Date.now() + will.message.properties.messageExpiryInterval * 1000 });
    if (!outcome.ok) {
      this.#broker.logger.warn(`will of client '${clientId}' to '${will.message.topic}' not published: ${outcome.message}`);
      return;
    }
    outcome.durable.catch((err: Error) => this.#broker.logger.warn(`will of client '${clientId}' to '${will.message.topic}' was not stored: ${err.message}`));
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }
}
