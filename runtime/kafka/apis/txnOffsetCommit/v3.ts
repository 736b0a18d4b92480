// TxnOffsetCommit Request (Version: 3) => transactional_id group_id producer_id producer_epoch
//     generation_id member_id group_instance_id [topics] TAG_BUFFER
//   topics => name [partitions] TAG_BUFFER
//     partitions => partition_index committed_offset committed_leader_epoch committed_metadata TAG_BUFFER
//   (generation_id, member_id and group_instance_id are new, KIP-447; COMPACT_STRING,
//   COMPACT_NULLABLE_STRING, COMPACT_ARRAY; first flexible version)
// TxnOffsetCommit Response (Version: 3) => throttle_time_ms [topics] TAG_BUFFER
//   topics => name [partitions] TAG_BUFFER
//     partitions => partition_index error_code TAG_BUFFER
import {
  compactArray, compactNullableString, compactString, insertAfter, int32, replaceFields, struct, withZero,
} from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v2 from "./v2.ts";

export const partition = struct(replaceFields(v2.partition.fields, { committedMetadata: compactNullableString }), true);
export const topic = struct({ name: compactString, partitions: compactArray(partition) }, true);
const groupMember = { generationId: withZero(int32, -1), memberId: compactString, groupInstanceId: compactNullableString };
export const request = struct(
  insertAfter(replaceFields(v2.request.fields, { transactionalId: compactString, groupId: compactString, topics: compactArray(topic) }), "producerEpoch", groupMember),
  true,
);

export const partitionResult = struct(v0.partitionResult.fields, true);
export const topicResult = struct({ name: compactString, partitions: compactArray(partitionResult) }, true);
export const response = struct(replaceFields(v2.response.fields, { topics: compactArray(topicResult) }), true);
