// Kafka's rule for topic names, the one copy every room checks against: the config file's
// topics and MQTT routes (at start), the log (createTopic), and the Kafka listener
// (CreateTopics, Metadata). Kafka's broker enforces the same rule (Topic.validate): at most
// 249 characters of ASCII letters, digits, '.', '_' and '-', and neither "." nor "..".
// It lives in runtime/kafka, the bottom room, because runtime/config must check it and
// runtime/log already imports runtime/config: a home in runtime/log would close a cycle.

export const TOPIC_NAME_LENGTH_MAX = 249;

/** The rule in words, for error messages and docs. */
export const topicNameRule = `1 to ${TOPIC_NAME_LENGTH_MAX} characters of [a-zA-Z0-9._-], not "." or ".."`;

const legalCharacters = /^[a-zA-Z0-9._-]*$/;

/** Why `name` is not a valid topic name, or undefined when it is one. */
export function topicNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "is not a string";
  if (name.length === 0) return "is empty";
  if (name === "." || name === "..") return `is "${name}", which Kafka reserves`;
  if (name.length > TOPIC_NAME_LENGTH_MAX) return `is ${name.length} characters long, over ${TOPIC_NAME_LENGTH_MAX}`;
  if (!legalCharacters.test(name)) return "has characters outside [a-zA-Z0-9._-]";
  return undefined;
}
