// The MQTT clients view the admin API serves (/api/mqtt): connected clients only (a socket that
// has not sent CONNECT is counted as a connection, not listed), in client id order, and at most
// `shownMax` of them, the rest counted in `clientsOmitted`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { mqttClientsView } from "../../gateways/mqtt/clients-view.ts";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

let g: GatewayFixture;
beforeAll(async () => void (g = await startGateway()));
afterAll(async () => await g.close());

describe("mqttClientsView", () => {
  it("lists connected clients by id, bounded, and counts the rest", async () => {
    for (const id of ["c3", "c1", "c2"]) await g.connect({ clientId: id });
    const silent: Socket = connect(g.port, "127.0.0.1");
    await new Promise((r) => silent.once("connect", r));
    for (let i = 0; i < 100 && g.gateway.broker.connections.size < 4; i++) await new Promise((r) => setTimeout(r, 10));

    const all = mqttClientsView(g.gateway.broker);
    expect(all.connections).toBe(4);
    expect(all.sessions).toBe(3);
    expect(all.clients.map((c) => c.clientId)).toEqual(["c1", "c2", "c3"]);
    expect(all.clientsOmitted).toBe(0);

    const two = mqttClientsView(g.gateway.broker, 2);
    expect(two.clients).toHaveLength(2);
    expect(two.clientsOmitted).toBe(1);
    silent.destroy();
  });
});
