// Which log topic an MQTT message goes to, and under what key: the first route whose filter
// matches wins; anything unmatched takes the default route (all → mqtt-messages, key = topic).
import { defaultRouteTopic, type MqttRoute } from "./config.ts";
import { topicMatches } from "./topics.ts";

export const defaultRoute: MqttRoute = { filter: "#", topic: defaultRouteTopic };

export function routeFor(routes: MqttRoute[], topic: string): MqttRoute {
  for (const route of routes) if (topicMatches(route.filter, topic)) return route;
  return defaultRoute;
}

/** Every log topic a message can be routed to (the tail reads these). */
export function routedLogTopics(routes: MqttRoute[]): string[] {
  return [...new Set([...routes.map((r) => r.topic), defaultRoute.topic])];
}

/** The record key for `topic` under `route`: the whole topic, or the configured level. */
export function keyFor(route: MqttRoute, topic: string): string {
  if (route.keyLevel === undefined) return topic;
  const levels = topic.split("/");
  return levels[route.keyLevel] ?? topic;
}

/** The log topics that can hold messages matching subscription `filter`: those of the routes
 * whose filter overlaps it, and the default route's unless a route takes every topic. */
export function logTopicsFor(routes: MqttRoute[], filter: string): string[] {
  const out = new Set<string>();
  let all = false;
  for (const route of routes) {
    if (filtersOverlap(route.filter, filter)) out.add(route.topic);
    if (route.filter === "#") all = true;
  }
  if (!all) out.add(defaultRoute.topic);
  return [...out];
}

/** Whether some topic matches both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; ; i++) {
    if (x[i] === "#" || y[i] === "#") return true; // "a/#" also matches "a"
    if (i === x.length || i === y.length) return x.length === y.length;
    if (x[i] !== "+" && y[i] !== "+" && x[i] !== y[i]) return false;
  }
}
