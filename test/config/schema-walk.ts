// The config schema as the code reads it: a document that sets every optional section and puts
// one item in every list of mappings, and the keys the readers ask about while reading it
// (ConfigReader.keysReadBy). Tests that must cover every key walk this, not a list kept by hand.
import { ConfigReader, type SchemaKey } from "../../runtime/config/reader.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";
import { readSaslSettings } from "../../gateways/kafka/sasl/config.ts";
import { hashPassword } from "../../gateways/mqtt/auth-password.ts";

export function fullDocument(): Record<string, unknown> {
  const tls = { cert: "c.pem", key: "k.pem" };
  const scram = { salt: "AA==", iterations: 4096, storedKey: "AA==", serverKey: "AA==" };
  return {
    listeners: {
      mqtt: { tls },
      kafka: { tls, sasl: { mechanisms: ["PLAIN"], users: [{ name: "a", password: "b", scram: { "SCRAM-SHA-256": scram } }] } },
      http: { tls, token: "t" },
    },
    topics: [{ name: "t", config: {} }],
    pipelines: [{
      name: "p", from: "t", match: "a/+", format: "json", key: "device", time: "ts", fields: ["temp"],
      window: { type: "hopping", size: "10s", advance: "5s", grace: "1s" }, aggregates: ["count"], emit: "final", to: "o", start: "earliest",
    }, {
      name: "s", from: "t", key: "device", window: { type: "session", gap: "30s", grace: "1s" }, aggregates: ["count"], emit: "update", to: "o",
    }, {
      name: "c", from: "t", key: "device", window: { type: "count", size: 10 }, aggregates: ["count"], to: "o",
    }],
    bridge: { brokers: ["a:1"], topics: [{ from: "t" }], tls: { ca: "ca.pem" }, sasl: { mechanism: "PLAIN", username: "u", passwordFile: "pw" } },
    mqtt: {
      routes: [{ filter: "a/+", topic: "t", key: "{1}", check: "json" }],
      users: [{ username: "u", passwordHash: hashPassword("p"), acl: { publish: ["#"], subscribe: ["#"] } }],
      bridgeFrom: [{ url: "mqtt://127.0.0.1:1883", filters: ["#"], clientId: "c" }],
    },
  };
}

export function schemaKeys(): SchemaKey[] {
  return ConfigReader.keysReadBy(() => {
    const config = readConfig(fullDocument());
    readMqttConfig(config.mqtt);
    readSaslSettings(config.listeners.kafka.sasl);
  });
}
