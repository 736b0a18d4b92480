// Closing the log: a reader parked in waitForData is failed with LEDGE_ERR_LOG_CLOSED (Kafka 56,
// retriable), and every call after close is refused with the same code instead of touching a
// closed LMDB environment. Data acknowledged before close is there after a reopen.
import { afterEach, describe, expect, it } from "vitest";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir> | undefined;

afterEach(() => {
  t?.remove();
  t = undefined;
});

const closed = { code: "LEDGE_ERR_LOG_CLOSED", kafkaErrorCode: 56, retriable: true };

describe("log close", () => {
  it("fails a parked reader, then refuses appends and admin calls with LEDGE_ERR_LOG_CLOSED", async () => {
    t = tempDir();
    const log = await openLog(t.dir);
    await log.createTopic("c", 1);
    await log.append("c", 0, batch(2));
    const parked = log.waitForData("c", 0, 2, 60_000);
    await log.close();
    await expect(parked).rejects.toMatchObject(closed);
    await expect(parked).rejects.toThrow(/log closed while a reader waited on c\/0/);
    await expect(log.append("c", 0, batch(1))).rejects.toMatchObject(closed);
    await expect(log.createTopic("d", 1)).rejects.toMatchObject(closed);

    const reopened = await openLog(t.dir);
    expect(reopened.read("c", 0, 0, 10_000).batches).toHaveLength(1);
    await reopened.close();
  });
});
