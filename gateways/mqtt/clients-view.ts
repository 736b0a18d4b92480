// What an operator sees of the MQTT clients (the admin API's /api/mqtt, the dashboard): how many
// connections and sessions there are, and the connected clients — at most CLIENTS_SHOWN_MAX of
// them, so a gateway with thousands of devices answers in bounded time and size.
import type { Broker } from "./broker.ts";

export const CLIENTS_SHOWN_MAX = 200;

const protocolNames = { 3: "3.1", 4: "3.1.1", 5: "5" } as const;

export interface MqttClientsView {
  connections: number;
  sessions: number;
  clients: Array<{ clientId: string; remote: string; user: string; protocol: string; subscriptions: number; queued: number }>;
  /** Connected clients left out of `clients` (past CLIENTS_SHOWN_MAX). */
  clientsOmitted: number;
}

export function mqttClientsView(broker: Broker, shownMax = CLIENTS_SHOWN_MAX): MqttClientsView {
  const clients: MqttClientsView["clients"] = [];
  let connected = 0;
  for (const c of broker.connections) {
    if (c.state !== "connected") continue;
    connected++;
    if (clients.length >= shownMax) continue;
    const s = c.session;
    clients.push({
      clientId: c.clientId, remote: c.remote, user: c.identity?.name ?? "", protocol: protocolNames[c.protocolVersion],
      subscriptions: s?.subscriptionCount ?? 0, queued: s ? s.queue.length + s.inflightCount : 0,
    });
  }
  clients.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  return { connections: broker.connections.size, sessions: broker.sessionCount, clients, clientsOmitted: connected - clients.length };
}
