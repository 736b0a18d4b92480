// Metadata (key 3): brokers, topics and partition leaders.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";
import * as v6 from "./v6.ts";
import * as v7 from "./v7.ts";
import * as v8 from "./v8.ts";

export interface MetadataRequest {
  /** v0: [] means all; v1+: null means all, [] means none. */
  topics: { name: string }[] | null;
  allowAutoTopicCreation?: boolean;
}

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch?: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas?: number[];
}

export interface MetadataTopic {
  errorCode: number;
  name: string;
  isInternal?: boolean;
  partitions: MetadataPartition[];
}

export interface MetadataResponse {
  throttleTimeMs?: number;
  brokers: MetadataBroker[];
  clusterId?: string | null;
  controllerId?: number;
  topics: MetadataTopic[];
}

export const metadataVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8 };
