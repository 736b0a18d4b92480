// The one shape every packet handler has. A handler validates before any side effect; a
// returned promise holds back reading the next packet until it settles.
import type { Packet } from "mqtt-packet";
import type { ClientContext } from "./context.ts";

export type PacketHandler<P extends Packet> = (c: ClientContext, packet: P) => Promise<void> | void;
