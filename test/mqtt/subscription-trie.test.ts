// The subscription trie alone: wildcard rules of MQTT 5 section 4.7 ($share parsing too).
import { describe, expect, it } from "vitest";
import { SubscriptionTrie, type SubscriptionOptions } from "../../gateways/mqtt/subscription-trie.ts";
import { parseShared, validateFilter, validateTopicName } from "../../gateways/mqtt/topics.ts";

const o: SubscriptionOptions = { qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 };

function matches(trie: SubscriptionTrie, topic: string): string[] {
  const out: string[] = [];
  trie.match(topic, (id) => out.push(id));
  return out.sort();
}

describe("SubscriptionTrie", () => {
  it("matches + and # per [MQTT-4.7.1-2] [MQTT-4.7.1-3]", () => {
    const t = new SubscriptionTrie();
    t.add("sport/tennis/+", "plus", o);
    t.add("sport/#", "hash", o);
    t.add("#", "all", o);
    t.add("+/+", "two", o);
    expect(matches(t, "sport/tennis/player1")).toEqual(["all", "hash", "plus"]);
    expect(matches(t, "sport")).toEqual(["all", "hash"]);
    expect(matches(t, "sport/tennis")).toEqual(["all", "hash", "two"]);
    expect(matches(t, "/finance")).toEqual(["all", "two"]);
  });

  it("remembers a topic's matches only until the trie changes (add, new options, remove)", () => {
    const t = new SubscriptionTrie();
    const ids = (topic: string) => t.matching(topic).map((m) => `${m.clientId}:${m.options.qos}`).sort();
    t.add("a/#", "one", o);
    expect(ids("a/b")).toEqual(["one:1"]);
    t.add("a/+", "two", o);
    expect(ids("a/b")).toEqual(["one:1", "two:1"]);
    t.add("a/+", "two", { ...o, qos: 2 });
    expect(ids("a/b")).toEqual(["one:1", "two:2"]);
    t.remove("a/#", "one");
    expect(ids("a/b")).toEqual(["two:2"]);
    t.remove("a/+", "two");
    expect(ids("a/b")).toEqual([]);
    t.add("#", "all", o);
    expect(ids("$SYS/x")).toEqual([]); // the cache keeps the $ rule [MQTT-4.7.2-1]
    expect(ids("a/b")).toEqual(["all:1"]);
  });

  it("keeps $-topics away from leading wildcards [MQTT-4.7.2-1]", () => {
    const t = new SubscriptionTrie();
    t.add("#", "all", o);
    t.add("+/monitor/Clients", "plus", o);
    t.add("$SYS/#", "sys", o);
    expect(matches(t, "$SYS/monitor/Clients")).toEqual(["sys"]);
  });

  it("removes subscriptions and prunes empty levels", () => {
    const t = new SubscriptionTrie();
    t.add("a/b/c", "x", o);
    expect(t.size).toBe(1);
    expect(t.remove("a/b/c", "x")).toBe(true);
    expect(t.remove("a/b/c", "x")).toBe(false);
    expect(t.size).toBe(0);
    expect(matches(t, "a/b/c")).toEqual([]);
  });
});

describe("topic names and filters", () => {
  it("refuses wildcards in topic names [MQTT-3.3.2-2], empty names [MQTT-4.7.3-1], and too many levels", () => {
    expect(validateTopicName("a/+/b", 8, 100)).toMatch(/wildcards/);
    expect(validateTopicName("a/#", 8, 100)).toMatch(/wildcards/);
    expect(validateTopicName("", 8, 100)).toMatch(/empty/);
    expect(validateTopicName("a/b/c", 2, 100)).toMatch(/levels/);
    expect(validateTopicName("a/b", 8, 100)).toBeUndefined();
  });

  it("refuses # not last or not whole [MQTT-4.7.1-1], + not whole, and parses $share", () => {
    expect(validateFilter("a/#/b", 8, 100)).toMatch(/# must be a whole level and the last one/);
    expect(validateFilter("a#", 8, 100)).toMatch(/# must be a whole level and the last one/);
    expect(validateFilter("a/b+", 8, 100)).toMatch(/\+ must be a whole level/);
    expect(validateFilter("+/a/#", 8, 100)).toBeUndefined();
    expect(parseShared("$share/g/a/+")).toEqual({ group: "g", filter: "a/+" });
    expect(parseShared("$share/g")).toMatch(/needs \$share\/\{group\}\/\{filter\}/);
    expect(parseShared("a/b")).toBeUndefined();
  });
});
