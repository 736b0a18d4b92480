// DescribeConfigs Request (Version: 1) => [resources] include_synonyms
// DescribeConfigs Response (Version: 1): configs => name value read_only config_source is_sensitive [synonyms]
//   synonyms => name value source
import { array, boolean, insertAfter, int8, nullableString, replaceFields, string, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const synonym = struct({ name: string, value: nullableString, source: int8 });
export const config = struct(insertAfter(
  insertAfter(replaceFields(v0.config.fields, { isDefault: null }), "readOnly", { configSource: int8 }),
  null, { synonyms: array(synonym) },
));
export const result = struct({ ...v0.result.fields, configs: array(config) });

export const request = struct(insertAfter(v0.request.fields, null, { includeSynonyms: boolean }));
export const response = struct({ ...v0.response.fields, results: array(result) });
