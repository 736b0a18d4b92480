// Who is subscribed to what: a trie over topic levels with `+` and `#` children, the plain
// subscriptions of live sessions per client. Shared subscriptions ($share/group/filter) are not
// here: each share group reads the log from its own cursors (share-groups.ts).
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
}

function node(): TrieNode {
  return { children: new Map(), plain: new Map() };
}

/** One match result: the client and the options of its subscription. */
export type MatchVisitor = (clientId: string, options: SubscriptionOptions) => void;

/** One subscription a topic matches. */
export interface TopicMatch {
  readonly clientId: string;
  readonly options: SubscriptionOptions;
}

/** Topics whose matches are remembered (then all are forgotten at once). */
const matchesCachedTopicsMax = 4096;

export class SubscriptionTrie {
  #root = node();
  #count = 0;
  /** Per topic, what `matching` found; emptied by every change to the trie. */
  readonly #matches = new Map<string, readonly TopicMatch[]>();

  get size(): number {
    return this.#count;
  }

  add(filter: string, clientId: string, options: SubscriptionOptions): void {
    let n = this.#root;
    for (const level of filter.split("/")) {
      let next = n.children.get(level);
      if (!next) n.children.set(level, (next = node()));
      n = next;
    }
    if (!n.plain.has(clientId)) this.#count++;
    n.plain.set(clientId, options);
    this.#matches.clear();
  }

  remove(filter: string, clientId: string): boolean {
    const path: TrieNode[] = [this.#root];
    const levels = filter.split("/");
    for (const level of levels) {
      const next = path[path.length - 1].children.get(level);
      if (!next) return false;
      path.push(next);
    }
    const leaf = path[path.length - 1];
    if (!leaf.plain.delete(clientId)) return false;
    this.#count--;
    this.#matches.clear();
    // Prune empty nodes so the trie does not grow with churned filters.
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i];
      if (n.children.size || n.plain.size) break;
      path[i - 1].children.delete(levels[i - 1]);
    }
    return true;
  }

  /** Every subscription matching `topic`, remembered until the trie changes: records of the
   * same few topics follow each other, and walking the trie for each split the topic and
   * visited every level again. The list is shared: never change it. */
  matching(topic: string): readonly TopicMatch[] {
    const known = this.#matches.get(topic);
    if (known) return known;
    const found: TopicMatch[] = [];
    this.match(topic, (clientId, options) => found.push({ clientId, options }));
    if (this.#matches.size >= matchesCachedTopicsMax) this.#matches.clear();
    this.#matches.set(topic, found);
    return found;
  }

  /** Visits every subscription matching `topic`. */
  match(topic: string, visit: MatchVisitor): void {
    // Consecutive messages often share a topic: its levels are split once.
    if (topic !== this.#lastTopic) {
      this.#lastTopic = topic;
      this.#lastLevels = topic.split("/");
    }
    const levels = this.#lastLevels;
    // [MQTT-4.7.2-1]: $-topics do not match filters starting with a wildcard.
    this.#walk(this.#root, levels, 0, topic.startsWith("$"), visit);
  }

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
    for (const [clientId, options] of n.plain) visit(clientId, options);
  }
}
