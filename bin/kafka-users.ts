// listeners.kafka.sasl.mqttUsers: the MQTT users as Kafka SASL users, wired here because gateways
// never import each other (bin/start.ts at start, bin/reload.ts to validate a reloaded config).
import { authenticate, type MqttAuthConfig } from "../gateways/mqtt/auth.ts";
import type { ExternalUsers } from "../gateways/kafka/sasl/config.ts";

/** mqtt.users with a username and passwordHash, for listeners.kafka.sasl.mqttUsers: one identity
 * in both protocols, its password checked by the MQTT gateway's code (scrypt off the event loop). */
export function mqttUsersForKafka(auth: MqttAuthConfig): ExternalUsers {
  const names = new Set(auth.users.flatMap((u) => u.username !== undefined && u.passwordHash !== undefined ? [u.username] : []));
  return {
    names, source: "mqtt.users",
    checkPassword: async (name, password) => (await authenticate(auth, { username: name, password })).ok,
  };
}
