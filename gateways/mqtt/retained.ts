// Retained messages: the last retained message per topic, kept in memory for matching and in a
// durable store so they survive restarts. Bounded by mqtt.limits.retainedCountMax.
import type { QoS } from "mqtt-packet";
import type { KeyValueStore } from "../../runtime/log/types.ts";
import type { BrokerMessage, MessageProperties } from "./message.ts";
import { topicMatches } from "./topics.ts";

interface StoredRetained {
  payload: Uint8Array;
  qos: QoS;
  properties?: MessageProperties;
  expiresAtMs?: number;
}

export class RetainedMessages {
  readonly #store: KeyValueStore<StoredRetained>;
  readonly #byTopic = new Map<string, BrokerMessage>();
  readonly #countMax: number;

  constructor(store: KeyValueStore<StoredRetained>, countMax: number) {
    this.#store = store;
    this.#countMax = countMax;
    for (const { key, value } of store.range("")) {
      this.#byTopic.set(key, {
        topic: key, payload: Buffer.from(value.payload), qos: value.qos, retain: true,
        properties: value.properties, expiresAtMs: value.expiresAtMs,
      });
    }
  }

  get size(): number {
    return this.#byTopic.size;
  }

  /** Stores (or, with an empty payload, clears [MQTT-3.3.1-6]) the topic's retained message.
   * False when the store is full: the message is still published, just not retained. */
  set(message: BrokerMessage): Promise<void> | false {
    if (message.payload.length === 0) {
      if (!this.#byTopic.delete(message.topic)) return Promise.resolve();
      return this.#store.remove(message.topic);
    }
    if (!this.#byTopic.has(message.topic) && this.#byTopic.size >= this.#countMax) return false;
    // A copy: the inbound payload is a view into a socket chunk that must not be pinned.
    const payload = Buffer.from(message.payload);
    this.#byTopic.set(message.topic, { ...message, payload, retain: true });
    const { qos, properties, expiresAtMs } = message;
    const stored: StoredRetained = { payload, qos, properties, expiresAtMs };
    if (stored.properties === undefined) delete stored.properties;
    if (stored.expiresAtMs === undefined) delete stored.expiresAtMs;
    return this.#store.put(message.topic, stored);
  }

  /** Retained messages matching `filter`, expired ones dropped. */
  matching(filter: string, nowMs: number): BrokerMessage[] {
    const out: BrokerMessage[] = [];
    for (const [topic, message] of this.#byTopic) {
      if (!topicMatches(filter, topic)) continue;
      if (message.expiresAtMs !== undefined && message.expiresAtMs <= nowMs) {
        this.#byTopic.delete(topic);
        this.#store.remove(topic).catch(() => {}); // expired anyway; a restart drops it again
        continue;
      }
      out.push(message);
    }
    return out;
  }
}
