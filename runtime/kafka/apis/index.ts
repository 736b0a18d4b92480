// The single table of the Kafka APIs ledge speaks and the versions it advertises
// (kafka-protocol.md 1b). The ApiVersions response is generated from it; a test asserts both
// match. Ranges are chosen so librdkafka 2.0.2 enables every codec and idempotence, kafkajs
// finds every key, and kafka-python 2.0 infers a 2.3 broker (magic 2, Produce v7), while the APIs they
// use stay non-flexible (ApiVersions and the transaction APIs have flexible versions too).

export interface ApiRow {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible (KIP-482) version in Kafka; above maxVersion means "not flexible here". */
  flexibleFrom: number;
  /** Advertised only on listeners with SASL configured. */
  saslOnly?: boolean;
  /** Spoken by the bridge as a client; the listener neither serves nor advertises it (yet). */
  clientOnly?: boolean;
}

export const ApiKey = {
  Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, OffsetFetch: 9,
  FindCoordinator: 10, JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14,
  DescribeGroups: 15, ListGroups: 16, SaslHandshake: 17, ApiVersions: 18, CreateTopics: 19,
  DeleteTopics: 20, InitProducerId: 22, AddPartitionsToTxn: 24, AddOffsetsToTxn: 25, EndTxn: 26,
  TxnOffsetCommit: 28, DescribeAcls: 29, DescribeConfigs: 32, SaslAuthenticate: 36, DescribeTransactions: 65,
  ListTransactions: 66,
} as const;

const noFlexible = 1000;

export const apiTable: readonly ApiRow[] = [
  // Min 0 although v0-2 are answered with UNSUPPORTED_VERSION: librdkafka enables gzip/snappy
  // only when Produce's range includes v0 (Kafka 4 does the same, KAFKA-18659).
  { apiKey: 0, name: "Produce", minVersion: 0, maxVersion: 7, flexibleFrom: 9 },
  // Max >= 10 enables zstd in librdkafka; 11 is the last non-flexible version.
  { apiKey: 1, name: "Fetch", minVersion: 4, maxVersion: 11, flexibleFrom: 12 },
  { apiKey: 2, name: "ListOffsets", minVersion: 1, maxVersion: 5, flexibleFrom: 6 },
  // Min 0: kafka-python 2.0.2 probes with Metadata v0.
  { apiKey: 3, name: "Metadata", minVersion: 0, maxVersion: 7, flexibleFrom: 9 },
  { apiKey: 8, name: "OffsetCommit", minVersion: 2, maxVersion: 7, flexibleFrom: 8 },
  { apiKey: 9, name: "OffsetFetch", minVersion: 1, maxVersion: 5, flexibleFrom: 6 },
  // Min 0: librdkafka gates LZ4 and the group coordinator on FindCoordinator v0.
  { apiKey: 10, name: "FindCoordinator", minVersion: 0, maxVersion: 2, flexibleFrom: 3 },
  { apiKey: 11, name: "JoinGroup", minVersion: 0, maxVersion: 5, flexibleFrom: 6 },
  { apiKey: 12, name: "Heartbeat", minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { apiKey: 13, name: "LeaveGroup", minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { apiKey: 14, name: "SyncGroup", minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { apiKey: 15, name: "DescribeGroups", minVersion: 0, maxVersion: 4, flexibleFrom: 5 },
  { apiKey: 16, name: "ListGroups", minVersion: 0, maxVersion: 2, flexibleFrom: 3 },
  { apiKey: 17, name: "SaslHandshake", minVersion: 0, maxVersion: 1, flexibleFrom: noFlexible, saslOnly: true },
  // librdkafka opens with v3 and kafka-python 2.2+ with v4 (= v3 schema).
  { apiKey: 18, name: "ApiVersions", minVersion: 0, maxVersion: 4, flexibleFrom: 3 },
  { apiKey: 19, name: "CreateTopics", minVersion: 0, maxVersion: 4, flexibleFrom: 5 },
  { apiKey: 20, name: "DeleteTopics", minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  // Min 0: librdkafka enables idempotence only when InitProducerId v0 is in range.
  { apiKey: 22, name: "InitProducerId", minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  // The transaction APIs, v0-v3 (v3 first flexible), served by runtime/transactions; the bridge
  // also sends 24 and 26 upstream. AddPartitionsToTxn v0-v3 are the client forms in Kafka
  // 2.8-4.x (v4+ is broker to broker).
  { apiKey: 24, name: "AddPartitionsToTxn", minVersion: 0, maxVersion: 3, flexibleFrom: 3 },
  { apiKey: 25, name: "AddOffsetsToTxn", minVersion: 0, maxVersion: 3, flexibleFrom: 3 },
  { apiKey: 26, name: "EndTxn", minVersion: 0, maxVersion: 3, flexibleFrom: 3 },
  { apiKey: 28, name: "TxnOffsetCommit", minVersion: 0, maxVersion: 3, flexibleFrom: 3 },
  // Operators' view of the Kafka ACLs (listeners.kafka.sasl.acls); v2 is the first flexible one.
  { apiKey: 29, name: "DescribeAcls", minVersion: 0, maxVersion: 1, flexibleFrom: 2 },
  { apiKey: 32, name: "DescribeConfigs", minVersion: 0, maxVersion: 3, flexibleFrom: 4 },
  { apiKey: 36, name: "SaslAuthenticate", minVersion: 0, maxVersion: 1, flexibleFrom: 2, saslOnly: true },
  // Admin views of transactions (KIP-664), flexible from v0.
  { apiKey: 65, name: "DescribeTransactions", minVersion: 0, maxVersion: 0, flexibleFrom: 0 },
  { apiKey: 66, name: "ListTransactions", minVersion: 0, maxVersion: 0, flexibleFrom: 0 },
];

const byKey = new Map(apiTable.map((row) => [row.apiKey, row]));

export function apiRow(apiKey: number): ApiRow | undefined {
  return byKey.get(apiKey);
}

export function isFlexible(apiKey: number, version: number): boolean {
  const row = byKey.get(apiKey);
  return row !== undefined && version >= row.flexibleFrom;
}

export function apiName(apiKey: number): string {
  return byKey.get(apiKey)?.name ?? `api key ${apiKey}`;
}
