// The only switch over packet types. It gates on connection state first: nothing but CONNECT
// before CONNECT [MQTT-3.1.0-1], no second CONNECT [MQTT-3.1.0-2], no server-to-client packets.
import type { Packet } from "mqtt-packet";
import type { MqttConnection } from "../connection.ts";
import { Reason } from "../reason-codes.ts";
import { handleAuth } from "./auth.ts";
import { handleConnect } from "./connect.ts";
import { handleDisconnect } from "./disconnect.ts";
import { handlePingreq } from "./pingreq.ts";
import { handlePuback, handlePubcomp, handlePubrec } from "./acks.ts";
import { handlePublish } from "./publish.ts";
import { handlePubrel } from "./pubrel.ts";
import { handleSubscribe } from "./subscribe.ts";
import { handleUnsubscribe } from "./unsubscribe.ts";

export function dispatch(c: MqttConnection, packet: Packet): Promise<void> | void {
  if (c.state === "awaiting-connect") {
    if (packet.cmd === "connect") return handleConnect(c, packet);
    return c.protocolFailure(Reason.protocolError, `${packet.cmd.toUpperCase()} before CONNECT [MQTT-3.1.0-1]`);
  }
  if (c.state !== "connected") return;
  switch (packet.cmd) {
    case "publish": return handlePublish(c, packet);
    case "puback": return handlePuback(c, packet);
    case "pubrec": return handlePubrec(c, packet);
    case "pubrel": return handlePubrel(c, packet);
    case "pubcomp": return handlePubcomp(c, packet);
    case "subscribe": return handleSubscribe(c, packet);
    case "unsubscribe": return handleUnsubscribe(c, packet);
    case "pingreq": return handlePingreq(c, packet);
    case "disconnect": return handleDisconnect(c, packet);
    case "auth": return handleAuth(c, packet);
    case "connect": return c.protocolFailure(Reason.protocolError, "a second CONNECT on one connection [MQTT-3.1.0-2]");
    default: return c.protocolFailure(Reason.protocolError, `${packet.cmd.toUpperCase()} is sent by servers, not clients`);
  }
}
