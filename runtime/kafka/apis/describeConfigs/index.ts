// DescribeConfigs (key 32): topic (resource type 2) and broker (4) configs.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export const ResourceType = { topic: 2, broker: 4 } as const;
/** config_source values (v1+). */
export const ConfigSource = { topicConfig: 1, staticBrokerConfig: 4, defaultConfig: 5 } as const;

export interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  includeSynonyms?: boolean;
  includeDocumentation?: boolean;
}

export interface DescribeConfigsEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault?: boolean;
  configSource?: number;
  isSensitive: boolean;
  synonyms?: { name: string; value: string | null; source: number }[];
  configType?: number;
  documentation?: string | null;
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string; configs: DescribeConfigsEntry[] }[];
}

export const describeConfigsVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
