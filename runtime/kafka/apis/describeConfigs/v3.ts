// DescribeConfigs Request (Version: 3) => [resources] include_synonyms include_documentation
// DescribeConfigs Response (Version: 3): configs gain config_type and documentation after synonyms
import { array, boolean, insertAfter, int8, nullableString, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";

export const config = struct(insertAfter(v2.config.fields, null, { configType: int8, documentation: nullableString }));
export const result = struct({ ...v2.result.fields, configs: array(config) });
export const request = struct(insertAfter(v2.request.fields, null, { includeDocumentation: boolean }));
export const response = struct({ ...v2.response.fields, results: array(result) });
