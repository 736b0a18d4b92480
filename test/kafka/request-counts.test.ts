// ledge_kafka_requests_total's error label: the first non-zero error code of an answer, found at
// the response, topic or partition level, never inside record bytes.
import { describe, expect, it } from "vitest";
import { Metrics } from "../../runtime/metrics/index.ts";
import { ErrorCode } from "../../runtime/kafka/errors.ts";
import { firstErrorCode, RequestCounts } from "../../gateways/kafka/request-counts.ts";

const produce = (codes: number[]) => ({ responses: [{ name: "t", partitionResponses: codes.map((errorCode, index) => ({ index, errorCode, baseOffset: 0n })) }], throttleTimeMs: 0 });

describe("ledge_kafka_requests_total{api,error}", () => {
  it("takes the first non-zero error code of the response, its topics or their partitions", () => {
    expect(firstErrorCode(produce([0, 0]))).toBe(0);
    expect(firstErrorCode(produce([0, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.CORRUPT_MESSAGE]))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(firstErrorCode({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] })).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(firstErrorCode({ topics: [{ partitions: [{ errorCode: 0, records: new Uint8Array([0, 0, 0, 7]) }] }] })).toBe(0);
    // Deeper than response → topic → partition is not searched (bounded work per answer).
    expect(firstErrorCode({ a: { b: { c: { d: { errorCode: 7 } } } } })).toBe(0);
  });

  it("counts answers per API name and error name beside the unlabelled total of requests read", () => {
    const m = new Metrics();
    const counts = new RequestCounts(m);
    for (let i = 0; i < 3; i++) counts.read();
    counts.answered(0, "Produce", produce([0]));
    counts.answered(0, "Produce", produce([0]));
    counts.answered(0, "Produce", produce([ErrorCode.CORRUPT_MESSAGE]));
    const text = m.toPrometheus();
    expect(text).toContain("# TYPE ledge_kafka_requests_total counter");
    expect(text).toMatch(/^ledge_kafka_requests_total 3$/m);
    expect(text).toMatch(/^ledge_kafka_requests_total\{api="Produce",error="NONE"\} 2$/m);
    expect(text).toMatch(/^ledge_kafka_requests_total\{api="Produce",error="CORRUPT_MESSAGE"\} 1$/m);
  });
});
