// Will messages: published when a connection ends without a DISCONNECT 0x00 [MQTT-3.1.2-8],
// after the MQTT 5 Will Delay Interval (or at session end, whichever is first)
// [MQTT-3.1.3-9]; a reconnect to the session within the delay cancels it.
//
// Every will a client can still trigger is also in a store (`mqtt-wills`): written before the
// CONNACK while its connection is open, rewritten with a due time while its delay runs. So
// neither ledge's shutdown nor its crash loses one. At start, a will whose connection was open
// when ledge stopped counts as lost then (its delay runs from the start); a delayed one keeps its
// due time. An entry goes once its will is published (durably) or cancelled; a crash between
// those two publishes it again at start (at least once).
import type { QoS } from "mqtt-packet";
import type { KeyValueStore } from "../../runtime/log/types.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { IngestOutcome } from "./ingest.ts";
import type { BrokerMessage, MessageProperties } from "./message.ts";
import type { Session } from "./session.ts";

export interface Will {
  message: BrokerMessage;
  delayS: number;
}

/** A client that may have a will (handlers/context.ts's ClientContext). */
export interface WillOwner {
  readonly clientId: string;
  readonly session: Session | undefined;
  will: Will | undefined;
  /** Set by a clean DISCONNECT (0x00): no will is published [MQTT-3.14.4-3]. */
  readonly willCleared: boolean;
}

/** What wills need of the broker. */
export interface WillsDeps {
  readonly logger: Logger;
  /** Routes and appends a will's message, also while the broker is closing. */
  publish(message: BrokerMessage): IngestOutcome;
  sessionOf(clientId: string): Session | undefined;
  /** Keeps a fire-and-forget store write so shutdown can wait for it. */
  track(write: Promise<unknown>): void;
}

export interface StoredWill {
  /** Which connection's will this is: a newer connection's entry is never removed for an older one. */
  id: string;
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties?: MessageProperties;
  delayS: number;
  /** When to publish it (epoch ms); null while its connection is open. */
  dueAtMs: number | null;
}

let idNext = 0;

export class Wills {
  readonly #deps: WillsDeps;
  readonly #store: KeyValueStore<StoredWill>;
  readonly #delayed = new Map<string, NodeJS.Timeout>();
  /** The stored entry's id of each connection that has a will. */
  readonly #ids = new WeakMap<WillOwner, string>();
  #closed = false;

  constructor(deps: WillsDeps, store: KeyValueStore<StoredWill>) {
    this.#deps = deps;
    this.#store = store;
  }

  /** A connection with a will is accepted: resolves once its will is stored (before CONNACK). */
  async connected(connection: WillOwner): Promise<void> {
    const will = connection.will;
    if (!will) return;
    const id = `${Date.now().toString(36)}-${(idNext++).toString(36)}`;
    this.#ids.set(connection, id);
    await this.#store.put(connection.clientId, toStored(id, will, null));
  }

  /** A new connection for `clientId`: a delayed will of its previous connection is dropped. */
  cancel(clientId: string): void {
    const timer = this.#delayed.get(clientId);
    if (timer) clearTimeout(timer);
    this.#delayed.delete(clientId);
    if (this.#store.get(clientId) !== undefined) this.#deps.track(this.#store.remove(clientId));
  }

  /** The connection ended (also: ledge is shutting down): publish its will now or after its delay. */
  connectionLost(connection: WillOwner): void {
    const will = connection.will;
    connection.will = undefined;
    const id = this.#ids.get(connection);
    if (!will || id === undefined || this.#closed) return;
    if (connection.willCleared) return this.#forget(connection.clientId, id);
    const delayS = effectiveDelayS(will.delayS, connection.session);
    if (delayS <= 0) return this.#publish(connection.clientId, id, will.message);
    const dueAtMs = Date.now() + delayS * 1000;
    this.#deps.track(this.#store.put(connection.clientId, toStored(id, will, dueAtMs)));
    this.#schedule(connection.clientId, id, will.message, dueAtMs);
  }

  /** At start: publishes or schedules every stored will (after sessions are loaded). */
  load(): void {
    const nowMs = Date.now();
    let publishedCount = 0;
    let delayedCount = 0;
    for (const { key: clientId, value } of [...this.#store.range("")]) {
      const message: BrokerMessage = { topic: value.topic, payload: Buffer.from(value.payload), qos: value.qos, retain: value.retain, properties: value.properties, originClientId: clientId };
      let dueAtMs = value.dueAtMs;
      if (dueAtMs === null) {
        // Its connection was open when ledge stopped: lost now, as far as clients can tell.
        dueAtMs = nowMs + effectiveDelayS(value.delayS, this.#deps.sessionOf(clientId)) * 1000;
        if (dueAtMs > nowMs) this.#deps.track(this.#store.put(clientId, { ...value, dueAtMs }));
      }
      if (dueAtMs <= nowMs) {
        this.#publish(clientId, value.id, message);
        publishedCount++;
      } else {
        this.#schedule(clientId, value.id, message, dueAtMs);
        delayedCount++;
      }
    }
    if (publishedCount + delayedCount > 0) {
      this.#deps.logger.info(`wills of clients whose connections ended when ledge last stopped: ${publishedCount} published now, ${delayedCount} after their Will Delay Interval unless the client reconnects`);
    }
  }

  #schedule(clientId: string, id: string, message: BrokerMessage, dueAtMs: number): void {
    const timer = setTimeout(() => {
      this.#delayed.delete(clientId);
      this.#publish(clientId, id, message);
    }, Math.min(Math.max(dueAtMs - Date.now(), 0), 2 ** 31 - 1));
    this.#delayed.set(clientId, timer);
  }

  #publish(clientId: string, id: string, message: BrokerMessage): void {
    const expiryS = message.properties?.messageExpiryInterval;
    const outcome = this.#deps.publish({ ...message, expiresAtMs: expiryS === undefined ? undefined : Date.now() + expiryS * 1000 });
    if (!outcome.ok) {
      this.#deps.logger.warn(`will of client '${clientId}' to '${message.topic}' not published: ${outcome.message}`);
      return this.#forget(clientId, id);
    }
    this.#deps.track(outcome.durable.then(
      () => this.#forget(clientId, id),
      // Kept in the store: the next start publishes it.
      (err: Error) => this.#deps.logger.warn(`will of client '${clientId}' to '${message.topic}' was not stored: ${err.message}; it is published again at the next start`),
    ));
  }

  /** Removes the stored entry if it is still this will's (not a newer connection's). */
  #forget(clientId: string, id: string): void {
    if (this.#store.get(clientId)?.id === id) this.#deps.track(this.#store.remove(clientId));
  }

  /** Stops the timers; delayed wills stay stored with their due times for the next start. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }
}

/** The Will Delay Interval, cut at the session's end: a session that ends sooner publishes sooner. */
function effectiveDelayS(delayS: number, session: Session | undefined): number {
  return Math.min(delayS, session?.persistent ? session.expiryS : 0);
}

function toStored(id: string, will: Will, dueAtMs: number | null): StoredWill {
  const m = will.message;
  return { id, topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, properties: m.properties, delayS: will.delayS, dueAtMs };
}
