// mqtt-packet's parser for whole frames, one for the process instead of one per connection: each
// parser holds a buffer-list stream, a Packet and listeners (~1.5 KB per idle client, seen in a
// heap snapshot with 1,000 clients). The frame reader hands it exactly one packet and parsing is
// synchronous, so nothing is left in it between calls. A connection keeps only its settings
// (mqtt-packet reads protocolVersion and bridgeMode from them; a CONNECT replaces them).
import mqttPacket, { type Packet, type Parser } from "mqtt-packet";

export interface ParserSettings {
  protocolVersion?: number;
  bridgeMode?: boolean;
}

export type FrameParse = { packet: Packet; settings: ParserSettings } | { error: string };

interface SettingsHolder {
  settings: ParserSettings;
}

let parser: Parser = freshParser();
let parsed: Packet | undefined;
let parseError: Error | undefined;

function freshParser(): Parser {
  const p = mqttPacket.parser({});
  p.on("packet", (packet: Packet) => (parsed = packet));
  p.on("error", (err: Error) => (parseError = err));
  return p;
}

/** Parses one whole frame with a connection's settings; returns the packet and the settings
 * to keep (new ones after a CONNECT), or what was wrong with the frame. */
export function parseFrame(frame: Buffer, settings: ParserSettings): FrameParse {
  const holder = parser as unknown as SettingsHolder;
  parsed = undefined;
  parseError = undefined;
  holder.settings = settings;
  let leftBytes = -1;
  try {
    leftBytes = parser.parse(frame);
  } finally {
    // Anything left over (an error mid-packet, a throw) must not reach another connection's frame.
    if (leftBytes !== 0 || parseError || !parsed) parser = freshParser();
  }
  const error = parseError as Error | undefined; // set by the parser's synchronous events
  const packet = parsed as Packet | undefined;
  if (error || !packet) return { error: error?.message ?? "the packet could not be parsed" };
  const after = holder.settings;
  // A CONNECT makes itself the settings: keep only what the parser reads, not the whole packet.
  const kept = after === settings ? settings : { protocolVersion: after.protocolVersion, bridgeMode: after.bridgeMode };
  holder.settings = {};
  return { packet, settings: kept };
}
