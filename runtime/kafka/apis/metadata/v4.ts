// Metadata Request (Version: 4) => [topics] allow_auto_topic_creation
// Metadata Response (Version: 4) => same as v3
import { boolean, insertAfter, struct } from "../../protocol/types.ts";
import * as v3 from "./v3.ts";

export const request = struct(insertAfter(v3.request.fields, null, { allowAutoTopicCreation: boolean }));
export const response = v3.response;
