// The MQTT gateway's counters and gauges, registered once in the shared registry.
import type { CounterSeries, Metrics } from "../../runtime/metrics/index.ts";

export function mqttMetrics(m: Metrics) {
  const messagesIn = m.counter("ledge_mqtt_messages_in_total", "PUBLISHes accepted for the log: per {qos}, and unlabelled the total");
  return {
    connections: m.gauge("ledge_mqtt_connections", "MQTT connections open now"),
    sessions: m.gauge("ledge_mqtt_sessions", "MQTT sessions held (online and offline persistent)"),
    connectionsRefused: m.counter("ledge_mqtt_connections_refused_total", "CONNECTs refused (auth, limits, bad client id or protocol)"),
    protocolErrors: m.counter("ledge_mqtt_protocol_errors_total", "connections closed for malformed or forbidden packets"),
    keepAliveTimeouts: m.counter("ledge_mqtt_keepalive_timeouts_total", "connections closed after 1.5 x keep-alive without a packet"),
    limitBreaches: m.counter("ledge_mqtt_limit_breaches_total", "clients that went past an mqtt.limits bound"),
    messagesIn,
    /** ledge_mqtt_messages_in_total's series per QoS (index = QoS). */
    messagesInByQos: [0, 1, 2].map((qos) => messagesIn.with({ qos: String(qos) })) as readonly CounterSeries[],
    batchesAppended: m.counter("ledge_mqtt_batches_appended_total", "record batches the gateway appended to the log"),
    batchBuffersReused: m.counter("ledge_mqtt_batch_buffers_reused_total", "record batches encoded into a buffer an earlier, committed batch used"),
    payloadCheckFailed: m.counter("ledge_mqtt_payload_check_failed_total", "PUBLISHes refused by a route's payload check"),
    appendFailed: m.counter("ledge_mqtt_append_failed_total", "batches the log refused (storage full, closed)"),
    publishDenied: m.counter("ledge_mqtt_publish_denied_total", "PUBLISHes outside the client's ACL"),
    deliveries: m.counter("ledge_mqtt_deliveries_total", "PUBLISHes sent to subscribers"),
    dropped: m.counter("ledge_mqtt_dropped_total", "messages not delivered: queue full, expired, too large, offline QoS 0"),
    sessionQueueWritesStored: m.counter("ledge_mqtt_session_queue_writes_stored_total", "persistent-session queue entries (messages to deliver, or their removal) committed to disk"),
    sessionMessagesLost: m.counter("ledge_mqtt_session_messages_lost_total", "log records sessions could not read: deleted before they got them (storage cap, retention) or skipped past mqtt.limits.sessionLagBytesMax / sessionLagMsMax"),
    sessionCursorWrites: m.counter("ledge_mqtt_session_cursor_writes_total", "writes of persistent sessions' cursors (each one transaction for every session changed since the last)"),
    retained: m.gauge("ledge_mqtt_retained_messages", "retained messages held"),
  };
}

export type MqttMetrics = ReturnType<typeof mqttMetrics>;
