// Kafka's topic-name rule (runtime/kafka/topic-name.ts) and the rooms that check it at start:
// the config file's topics and MQTT routes refuse exactly what the log and a Kafka broker refuse,
// so a bad name stops start-up with the key named instead of failing the first publish.
import { describe, it, expect } from "vitest";
import { topicNameProblem, TOPIC_NAME_LENGTH_MAX } from "../../runtime/kafka/topic-name.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";

// Refused by Kafka's Topic.validate; each with the reason topicNameProblem must give.
const refused: [string, RegExp][] = [
  ["", /empty/],
  [".", /reserves/],
  ["..", /reserves/],
  ["x".repeat(250), /250 characters long, over 249/],
  ["has space", /outside/],
  ["slash/no", /outside/],
  ["plus+", /outside/],
  ["ü", /outside/],
];
const accepted = ["a", "...", "._-", "Telemetry.v2_eu-1", "x".repeat(249)];

describe("topic names", () => {
  it("refuses what Kafka refuses, saying why, and accepts the rest", () => {
    expect(TOPIC_NAME_LENGTH_MAX).toBe(249);
    for (const [name, why] of refused) expect(topicNameProblem(name), JSON.stringify(name)).toMatch(why);
    for (const name of accepted) expect(topicNameProblem(name), name).toBeUndefined();
    expect(topicNameProblem(42)).toMatch(/not a string/);
  });

  it("the config file's topics and MQTT routes refuse the same names, naming the key", () => {
    for (const [name] of refused) {
      // The empty name is refused one step earlier, as "a non-empty string"; the key is named too.
      const form = name === "" ? "a non-empty string" : "a (Kafka|log) topic name";
      expect(() => readConfig({ topics: [{ name }] }), JSON.stringify(name)).toThrow(new RegExp(`config key 'topics\\[0\\]\\.name' must be ${form}`));
      expect(() => readMqttConfig({ routes: [{ filter: "a/#", topic: name }] }), JSON.stringify(name))
        .toThrow(new RegExp(`config key 'mqtt\\.routes\\[0\\]\\.topic' must be ${form}`));
    }
    for (const name of accepted) {
      expect(readConfig({ topics: [{ name }] }).topics[0].name).toBe(name);
      expect(readMqttConfig({ routes: [{ filter: "a/#", topic: name }] }).routes[0].topic).toBe(name);
    }
  });
});
