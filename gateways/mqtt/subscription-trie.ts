// Who is subscribed to what: a trie over topic levels with `+` and `#` children, plain
// subscriptions per client and shared subscriptions ($share/group/filter) per group.
import type { QoS } from "mqtt-packet";

export interface SubscriptionOptions {
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  subscriptionId?: number;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  plain: Map<string, SubscriptionOptions>;
  shared: Map<string, Map<string, SubscriptionOptions>>;
}

function node(): TrieNode {
  return { children: new Map(), plain: new Map(), shared: new Map() };
}

/** One match result: the client, the options of its subscription, and whether it is shared. */
export type MatchVisitor = (clientId: string, options: SubscriptionOptions, shared: boolean) => void;

export class SubscriptionTrie {
  #root = node();
  #count = 0;
  /** Round-robin cursor per shared group+filter. */
  #sharedCursor = new Map<Map<string, SubscriptionOptions>, number>();

  get size(): number {
    return this.#count;
  }

  add(filter: string, clientId: string, options: SubscriptionOptions, group?: string): void {
    let n = this.#root;
    for (const level of filter.split("/")) {
      let next = n.children.get(level);
      if (!next) n.children.set(level, (next = node()));
      n = next;
    }
    let target = n.plain;
    if (group !== undefined) {
      target = n.shared.get(group) ?? new Map();
      n.shared.set(group, target);
    }
    if (!target.has(clientId)) this.#count++;
    target.set(clientId, options);
  }

  remove(filter: string, clientId: string, group?: string): boolean {
    const path: TrieNode[] = [this.#root];
    const levels = filter.split("/");
    for (const level of levels) {
      const next = path[path.length - 1].children.get(level);
      if (!next) return false;
      path.push(next);
    }
    const leaf = path[path.length - 1];
    const target = group === undefined ? leaf.plain : leaf.shared.get(group);
    if (!target || !target.delete(clientId)) return false;
    this.#count--;
    if (group !== undefined && target.size === 0) {
      leaf.shared.delete(group);
      this.#sharedCursor.delete(target);
    }
    // Prune empty nodes so the trie does not grow with churned filters.
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i];
      if (n.children.size || n.plain.size || n.shared.size) break;
      path[i - 1].children.delete(levels[i - 1]);
    }
    return true;
  }

  /** Visits every subscription matching `topic`; one member per shared group, in turn,
   * skipping members `available` says are away while any member is available. */
  match(topic: string, visit: MatchVisitor, available: (clientId: string) => boolean = () => true): void {
    // Consecutive messages often share a topic: its levels are split once.
    if (topic !== this.#lastTopic) {
      this.#lastTopic = topic;
      this.#lastLevels = topic.split("/");
    }
    const levels = this.#lastLevels;
    this.#available = available;
    // [MQTT-4.7.2-1]: $-topics do not match filters starting with a wildcard.
    this.#walk(this.#root, levels, 0, topic.startsWith("$"), visit);
  }

  #available: (clientId: string) => boolean = () => true;
  #lastTopic = "";
  #lastLevels: string[] = [""];

  #walk(n: TrieNode, levels: string[], i: number, dollar: boolean, visit: MatchVisitor): void {
    const first = i === 0 && dollar;
    const hash = first ? undefined : n.children.get("#");
    if (hash) this.#emit(hash, visit); // "a/#" also matches "a" [MQTT-4.7.1-2]
    if (i === levels.length) {
      this.#emit(n, visit);
      return;
    }
    const exact = n.children.get(levels[i]);
    if (exact) this.#walk(exact, levels, i + 1, dollar, visit);
    const plus = first ? undefined : n.children.get("+");
    if (plus) this.#walk(plus, levels, i + 1, dollar, visit);
  }

  #emit(n: TrieNode, visit: MatchVisitor): void {
    for (const [clientId, options] of n.plain) visit(clientId, options, false);
    for (const members of n.shared.values()) this.#pickShared(members, visit);
  }

  #pickShared(members: Map<string, SubscriptionOptions>, visit: MatchVisitor): void {
    const start = ((this.#sharedCursor.get(members) ?? -1) + 1) % members.size;
    let fallback: [string, SubscriptionOptions] | undefined;
    for (let pass = 0; pass < 2; pass++) {
      let k = 0;
      for (const [clientId, options] of members) {
        const turn = pass === 0 ? k >= start : k < start;
        k++;
        if (!turn) continue;
        fallback ??= [clientId, options];
        if (!this.#available(clientId)) continue;
        this.#sharedCursor.set(members, k - 1);
        visit(clientId, options, true);
        return;
      }
    }
    // Nobody available: the member whose turn it is queues it (persistent sessions).
    this.#sharedCursor.set(members, start);
    if (fallback) visit(fallback[0], fallback[1], true);
  }
}
