// The broker's shared state: connections, sessions, the subscription trie (plain subscriptions
// of live sessions), retained messages, the ingest accumulator, and the log tail, sessions'
// cursors (log-delivery.ts) and share groups' cursors (share-groups.ts) that feed deliveries. Handlers call into it through
// BrokerServices (handlers/context.ts); it owns no socket itself (each MqttConnection owns its
// stream).
import type { Duplex } from "node:stream";
import type { Logger } from "../../runtime/logger.ts";
import type { TopicChange } from "../../runtime/log/types.ts";
import type { Metrics } from "../../runtime/metrics/index.ts";
import type { MqttConfig } from "./config.ts";
import type { MqttAuthConfig } from "./auth.ts";
import type { MqttLimits, MqttRoute } from "./config.ts";
import { routedLogTopics } from "./routes.ts";
import { MqttConnection } from "./connection.ts";
import type { BrokerServices, ClientContext, ClientOptions } from "./handlers/context.ts";
import { Ingest, type IngestOutcome } from "./ingest.ts";
import type { MqttLog } from "./log-port.ts";
import { LogDelivery, newLogRecord, readLogRecord, type LogRecord, type Match } from "./log-delivery.ts";
import { LogTail } from "./log-tail.ts";
import { throttleLogger } from "../../runtime/log-throttle.ts";
import type { BrokerMessage } from "./message.ts";
import { mqttMetrics, type MqttMetrics } from "./metrics.ts";
import { offsetAt } from "./record-mapping.ts";
import { RetainedMessages } from "./retained.ts";
import { sendPublish, sendRecord } from "./send-publish.ts";
import { Session, type Outgoing, type SessionHooks } from "./session.ts";
import { ShareGroups } from "./share-groups.ts";
import type { BatchColumns } from "../../runtime/core/index.ts";
import { SessionStore } from "./session-store.ts";
import { SubscriptionTrie, type SubscriptionOptions } from "./subscription-trie.ts";
import { parseShared } from "./topics.ts";
import { Wills } from "./wills.ts";

export interface BrokerDeps {
  config: MqttConfig;
  log: MqttLog;
  logger: Logger;
  metrics: Metrics;
}

/** The longest a session lives with "never expires" (0xFFFFFFFF) is capped by config anyway. */
const expiryNeverS = 0xffffffff;

export class Broker implements BrokerServices {
  config: MqttConfig;
  readonly logger: Logger;
  readonly metrics: MqttMetrics;
  readonly ingest: Ingest;
  readonly trie = new SubscriptionTrie();
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<ClientContext>();
  readonly retained: RetainedMessages;
  readonly store: SessionStore;
  readonly wills: Wills;
  readonly #tail: LogTail;
  readonly delivery: LogDelivery;
  readonly shares: ShareGroups;
  readonly #log: MqttLog;
  readonly #hooks: SessionHooks;
  /** Reused per fan-out: best subscription per client for one message. */
  readonly #matched = new Map<string, SubscriptionOptions>();
  readonly #matchedIds = new Map<string, number[]>();
  readonly #match: Match = { qos: 0, retainAsPublished: false, subscriptionId: undefined };
  /** The record the tail offers (reused: each is read into it). */
  readonly #record = newLogRecord();
  #closing = false;
  /** Durable writes started without a waiter (session saves); close() awaits them. */
  readonly #writes = new Set<Promise<unknown>>();
  #stopWatchingTopics: () => void = () => {};

  /** Keeps a fire-and-forget store write so shutdown can wait for it. */
  track(write: Promise<unknown>): void {
    const settled = write.catch((err: Error) => this.logger.error(`storing MQTT session state failed: ${err.message}; the session may not survive a restart`));
    this.#writes.add(settled);
    void settled.then(() => this.#writes.delete(settled));
  }

  private constructor(deps: BrokerDeps) {
    this.config = deps.config;
    this.#log = deps.log;
    this.logger = throttleLogger(deps.logger, { countedIn: "the ledge_mqtt_* metrics" });
    this.metrics = mqttMetrics(deps.metrics);
    this.ingest = new Ingest(deps.log, deps.config.routes, deps.config.limits, this.metrics);
    this.retained = new RetainedMessages(deps.log.openStore("mqtt-retained"), deps.config.limits.retainedCountMax);
    this.store = new SessionStore(deps.log.openStore("mqtt-sessions"), deps.log.openStore("mqtt-queued"), (w) => this.track(w), (n) => this.metrics.sessionQueueWritesStored.inc(n));
    this.wills = new Wills({
      logger: this.logger,
      publish: (message) => this.#appendAndRetain(message),
      sessionOf: (clientId) => this.sessions.get(clientId),
      track: (write) => this.track(write),
    }, deps.log.openStore("mqtt-wills"));
    this.#tail = new LogTail(deps.log, deps.logger);
    // How deliveries are written (send-publish.ts): for share groups, log delivery and sessions alike.
    const senders: Pick<SessionHooks, "sendPublish" | "sendRecord"> = {
      sendPublish: (connection, item, dup) => sendPublish(this.metrics, connection, item, dup),
      sendRecord: (connection, batch, index, qos, retain, dup, packetId) => sendRecord(this.metrics, connection, batch, index, qos, retain, dup, packetId),
    };
    this.shares = new ShareGroups({
      log: deps.log,
      tail: this.#tail,
      routes: deps.config.routes,
      logTopics: this.ingest.logTopics,
      metrics: this.metrics,
      logger: this.logger,
      sendPublish: senders.sendPublish,
      track: (write) => this.track(write),
    }, deps.log.openStore("mqtt-share-cursors"));
    this.delivery = new LogDelivery({
      log: deps.log,
      tail: this.#tail,
      routes: deps.config.routes,
      logTopics: this.ingest.logTopics,
      limits: deps.config.limits,
      metrics: this.metrics,
      logger: this.logger,
      sessions: () => this.sessions.values(),
      held: () => this.shares.held(),
      join: (session) => this.#plainInTrie(session, true),
      leave: (session) => this.#plainInTrie(session, false),
      ...senders,
      track: (write) => this.track(write),
    }, deps.log.openStore("mqtt-cursors"));
    this.#hooks = {
      dropped: () => this.metrics.dropped.inc(),
      catchUp: (session) => {
        this.delivery.catchUp(session);
        this.shares.room(session);
      },
      acknowledged: (session, cursor, offset) => this.delivery.acknowledged(session, cursor, offset),
      shareAcknowledged: (item) => this.shares.acknowledged(item),
      persist: (session, item) => (item.storeKey = this.store.queue(session.clientId, item)),
      release: (item) => {
        if (item.storeKey === undefined) return;
        this.store.forget([item.storeKey]);
        item.storeKey = undefined;
      },
      ...senders,
    };
  }

  static async open(deps: BrokerDeps): Promise<Broker> {
    const broker = new Broker(deps);
    await broker.ingest.open();
    await broker.#loadSessions();
    broker.shares.loaded();
    broker.delivery.protect(); // before retention next runs: what offline sessions still need stays
    broker.metrics.retained.set(broker.retained.size);
    broker.#tail.start(broker.ingest.logTopics, {
      sink: (cols, index, key) => broker.#fromTail(cols, index, key),
      wanted: () => broker.trie.size > 0,
      advanced: (key) => broker.shares.advanced(key),
    });
    broker.#stopWatchingTopics = deps.log.onTopicChange((change) => broker.#routedTopicChanged(change));
    broker.wills.load();
    return broker;
  }

  /** Accepts a client on any transport (TCP, TLS, WebSocket stream). */
  handleConnection(stream: Duplex, options: ClientOptions = {}): ClientContext {
    const client = new MqttConnection(stream, this, options).client;
    this.connections.add(client);
    this.metrics.connections.set(this.connections.size);
    return client;
  }

  get limits(): MqttLimits {
    return this.config.limits;
  }

  get auth(): MqttAuthConfig {
    return this.config.auth;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  session(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  saveSession(session: Session): Promise<void> {
    return this.store.save(session, 0);
  }

  storeCursors(session: Session, item?: Outgoing): Promise<void> {
    return item?.share ? this.shares.storeHeld(item) : this.delivery.store.storeNow(session);
  }

  retainedMatching(filter: string, nowMs: number): BrokerMessage[] {
    return this.retained.matching(filter, nowMs);
  }

  publishPlain(topic: string, source: Buffer, start: number, end: number, qos: 0 | 1 | 2, clientId: string): IngestOutcome {
    return this.ingest.submitPlain(topic, source, start, end, qos, clientId);
  }

  whenRoom(): Promise<void> | undefined {
    return this.ingest.whenRoom();
  }

  storeWill(client: ClientContext): Promise<void> {
    return this.wills.connected(client);
  }

  cancelWill(clientId: string): void {
    this.wills.cancel(clientId);
  }

  get overConnectionLimit(): boolean {
    return this.connections.size > this.config.limits.connectionCountMax;
  }

  /** True once close() began: publishes are refused from then on. */
  /** The log's disk failed: ledge is about to exit (fail-stop); CONNECTs are refused. */
  get storageFailure(): Error | null {
    return this.#log.storageFailure;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** A client's or mqtt.bridgeFrom's message: appended and retained (#appendAndRetain),
   * unless close() began. `durable` resolves when the log (and retained store) hold it. */
  publish(message: BrokerMessage): IngestOutcome {
    if (this.#closing) return { ok: true, durable: Promise.reject(new Error("the MQTT gateway is shutting down")) };
    return this.#appendAndRetain(message);
  }

  /** Routes, checks and appends a message to the log; stores it as the topic's retained
   * message when flagged. Also while closing: wills use it (those of the connections shutdown ends). */
  #appendAndRetain(message: BrokerMessage): IngestOutcome {
    const outcome = this.ingest.submit(message);
    if (!outcome.ok || !message.retain) return outcome;
    const stored = this.retained.set(message);
    this.metrics.retained.set(this.retained.size);
    if (stored === false) {
      this.logger.warn(`retained message for '${message.topic}' not kept: mqtt.limits.retainedCountMax (${this.config.limits.retainedCountMax}) reached; raise it or clear retained topics`);
      this.metrics.limitBreaches.inc();
      return outcome;
    }
    return { ok: true, durable: Promise.all([outcome.durable, stored]).then(() => undefined) };
  }

  /**
   * A log topic that routes write to was deleted (by a Kafka client, say), created or grew:
   * ingest takes its new shape, and deliveries follow its partitions. A deleted one is created
   * again at once (as configured, when log.autoCreateTopics allows) so MQTT publishes go on.
   */
  #routedTopicChanged(change: TopicChange): void {
    const topic = change.topic;
    if (!this.ingest.logTopics.has(topic) || this.#closing) return;
    if (change.kind === "deleted") this.#tail.stopTopic(topic);
    this.track(this.ingest.refreshTopic(topic).then(
      (partitions) => {
        this.#tail.followTopic(topic, partitions);
        if (change.kind === "deleted") this.logger.warn(`log topic '${topic}', which mqtt.routes write to, was deleted; created it again with ${partitions} partitions (its earlier records are gone)`);
      },
      (err: Error) => this.logger.error(`log topic '${topic}', which mqtt.routes write to, was deleted and not created again: ${err.message}; MQTT publishes routed to it are refused until it exists`),
    ));
  }

  /**
   * Swaps the routes (config reload). The log topics the new routes write to are made (or found)
   * and followed first, which may fail (log.autoCreateTopics: false and no such topic: a
   * ConfigError, the old routes stay); then every publish from this turn on takes the new routes,
   * and sessions' cursors follow them. A topic no longer routed is let go as an unsubscribe
   * would: no longer followed, sessions' cursors on it dropped, not re-created when deleted.
   */
  async setRoutes(routes: MqttRoute[]): Promise<void> {
    const routed = new Set(routedLogTopics(routes));
    const added = [...routed].filter((t) => !this.ingest.logTopics.has(t));
    await this.ingest.openTopics(added);
    for (const topic of added) this.#tail.followTopic(topic, this.ingest.logTopics.get(topic) ?? 1, "end");
    this.config = { ...this.config, routes };
    this.ingest.setRoutes(routes);
    const removed = [...this.ingest.logTopics.keys()].filter((t) => !routed.has(t));
    for (const topic of removed) this.ingest.forgetTopic(topic);
    this.delivery.setRoutes(routes);
    this.shares.setRoutes(routes);
    for (const topic of removed) this.#tail.stopTopic(topic);
  }

  #fromTail(cols: BatchColumns, index: number, key: string): void {
    const r = this.#record;
    if (readLogRecord(cols, index, r)) this.fanOut(r, key, offsetAt(cols, index));
  }

  /** A record from the log tail (partition `key`, `offset`): every matching live session gets
   * it once, at its best QoS, from its cursor (share groups read the log themselves). */
  fanOut(r: LogRecord, key: string, offset: number): void {
    const found = this.trie.matching(r.topic);
    const origin = r.origin;
    if (found.length === 1) {
      // One subscriber (the common case): nothing to merge.
      const { clientId, options } = found[0];
      if (!(options.noLocal && clientId === origin)) this.#offer(clientId, options, options.subscriptionId, r, key, offset); // [MQTT-3.8.3-3]
      return;
    }
    const matched = this.#matched;
    matched.clear();
    const ids = this.#matchedIds;
    for (const { clientId, options } of found) {
      if (options.noLocal && clientId === origin) continue; // [MQTT-3.8.3-3]
      const prev = matched.get(clientId);
      if (!prev || options.qos > prev.qos) matched.set(clientId, options);
      // Overlapping subscriptions: one copy carries every identifier [MQTT-3.3.4-3]. The list
      // is made only when a second subscription of the client matches (rare).
      if (prev && options.subscriptionId !== undefined) {
        const list = ids.get(clientId) ?? (prev.subscriptionId !== undefined ? [prev.subscriptionId] : []);
        if (!list.includes(options.subscriptionId)) list.push(options.subscriptionId);
        ids.set(clientId, list);
      }
    }
    for (const [clientId, options] of matched) this.#offer(clientId, options, ids.get(clientId) ?? options.subscriptionId, r, key, offset);
    matched.clear();
    ids.clear();
  }

  #offer(clientId: string, options: SubscriptionOptions, subscriptionId: Match["subscriptionId"], r: LogRecord, key: string, offset: number): void {
    const session = this.sessions.get(clientId);
    if (!session?.live) return;
    const match = this.#match; // reused: offer() keeps nothing of it
    match.qos = options.qos;
    match.retainAsPublished = options.retainAsPublished;
    match.subscriptionId = subscriptionId;
    this.delivery.offer(session, r, match, key, offset);
  }

  newSession(clientId: string, expiryS: number): Session {
    const session = new Session(clientId, expiryS, this.config.limits.queuedCountMax, this.#hooks);
    this.sessions.set(clientId, session);
    this.metrics.sessions.set(this.sessions.size);
    return session;
  }

  addSubscription(session: Session, filter: string, options: SubscriptionOptions): boolean {
    const isNew = this.#subscribe(session, filter, options);
    this.delivery.ensureCursors(session);
    return isNew;
  }

  #subscribe(session: Session, filter: string, options: SubscriptionOptions): boolean {
    const shared = parseShared(filter);
    const isNew = !session.subscriptions.has(filter);
    session.subscriptions.set(filter, { filter, options });
    // A plain subscription is in the trie while its session is live; else its cursors serve it.
    if (typeof shared === "object") this.shares.join(session, shared.group, shared.filter, options);
    else if (session.live) this.trie.add(filter, session.clientId, options);
    return isNew;
  }

  removeSubscription(session: Session, filter: string): boolean {
    if (!session.subscriptions.delete(filter)) return false;
    const shared = parseShared(filter);
    if (typeof shared === "object") this.shares.leave(session, shared.group, shared.filter);
    else if (session.live) this.trie.remove(filter, session.clientId);
    this.delivery.ensureCursors(session);
    return true;
  }

  /** Puts a session's plain subscriptions into the trie (it caught up) or takes them out. */
  #plainInTrie(session: Session, live: boolean): void {
    for (const { filter, options } of session.subscriptions.values()) {
      if (filter.startsWith("$share/")) continue;
      if (live) this.trie.add(filter, session.clientId, options);
      else this.trie.remove(filter, session.clientId);
    }
  }

  /** Ends a session for good: subscriptions, queue and stored state go. */
  async discardSession(session: Session): Promise<void> {
    this.delivery.offline(session);
    this.shares.ended(session);
    for (const filter of [...session.subscriptions.keys()]) this.removeSubscription(session, filter);
    session.cursors.clear();
    clearTimeout(session.expiryTimer);
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    this.metrics.sessions.set(this.sessions.size);
    await Promise.all([this.store.remove(session.clientId), this.delivery.store.remove(session.clientId)]);
  }

  /** Called once per connection when its stream closes. */
  connectionClosed(connection: ClientContext, wasConnected: boolean): void {
    this.connections.delete(connection);
    this.metrics.connections.set(this.connections.size);
    const session = connection.session;
    if (!wasConnected || !session || session.connection !== connection) return;
    session.detach();
    this.delivery.offline(session);
    this.shares.offline(session);
    this.wills.connectionLost(connection);
    if (!session.persistent) {
      this.track(this.discardSession(session));
      return;
    }
    this.#keepOffline(session, Date.now());
  }

  /** A persistent session without a connection: store it, its queue, and arm its expiry. */
  #keepOffline(session: Session, sinceMs: number): void {
    // Messages queued before the session became persistent have no stored copy yet. One read
    // from the log (the session's cursor or a share group's) needs none: its cursor stays below
    // it, so after a restart the cursor sends it again — a stored copy would send it twice.
    for (const item of [...session.inflight.values(), ...session.queue]) {
      if (item.storeKey === undefined && item.stage === "publish" && !item.cursor && !item.share) item.storeKey = this.store.queue(session.clientId, item);
    }
    this.track(this.store.save(session, sinceMs));
    if (session.expiryS >= expiryNeverS) return;
    const leftMs = Math.max(0, sinceMs + session.expiryS * 1000 - Date.now());
    session.expiryTimer = setTimeout(() => {
      if (!session.connection) this.track(this.discardSession(session));
    }, Math.min(leftMs, 2 ** 31 - 1));
    session.expiryTimer.unref();
  }

  async #loadSessions(): Promise<void> {
    const nowMs = Date.now();
    for (const loaded of this.store.loadAll()) {
      const since = loaded.stored.disconnectedAtMs || nowMs;
      if (loaded.stored.expiryS < expiryNeverS && since + loaded.stored.expiryS * 1000 <= nowMs) {
        await this.store.remove(loaded.clientId);
        continue;
      }
      const session = this.newSession(loaded.clientId, loaded.stored.expiryS);
      for (const s of loaded.stored.subscriptions) this.#subscribe(session, s.filter, s.options);
      this.delivery.restore(session, this.delivery.store.get(loaded.clientId));
      for (const id of loaded.stored.incomingQos2) session.incomingQos2.add(id);
      for (const q of loaded.queued) session.queue.push(q.item);
      this.#keepOffline(session, since);
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#stopWatchingTopics();
    // Shutdown ends these connections without a DISCONNECT from their clients: their wills
    // are published now, or stored with their due time when delayed [MQTT-3.1.3-9].
    for (const c of this.connections) if (c.session?.connection === c) this.wills.connectionLost(c);
    this.wills.close();
    for (const c of [...this.connections]) c.disconnect(0x8b, "the server is shutting down");
    await this.#tail.close();
    this.delivery.close(); // every session is offline now: their exact positions are stored
    this.shares.close();
    // Persistent sessions were saved as their connections closed.
    await new Promise((r) => setImmediate(r));
    await Promise.all([...this.#writes]);
  }
}
