// For tests of APIs that never touch the log (ApiVersions, framing): any call is a test bug.
import type { KafkaLogPort } from "../../../gateways/kafka/log-port.ts";

const fail = (what: string) => () => {
  throw new Error(`the log's ${what} was called by a test that must not touch the log`);
};

export const unusedLog: KafkaLogPort = {
  createTopic: fail("createTopic"), deleteTopic: fail("deleteTopic"), listTopics: fail("listTopics"),
  describeTopic: fail("describeTopic"), append: fail("append") as never, read: fail("read"),
  waitForData: fail("waitForData") as never, recordAtTimestamp: fail("recordAtTimestamp"),
  partitionState: fail("partitionState"), allocateProducerId: fail("allocateProducerId"),
};
