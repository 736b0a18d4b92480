// A persistent session sends only below its stored reservation (log-delivery.ts): the rule that
// asks for the next one. Each store write must move the reservation a whole reserveAheadOffsets,
// asked for half a reservation ahead; moving it from the current offset gained half as much per
// write, and a catch-up at 200k+ msgs/s then stalled on store writes.
import { describe, expect, it } from "vitest";
import { reserveAheadOffsets, withinReservation } from "../../gateways/mqtt/log-delivery.ts";

describe("withinReservation", () => {
  it("asks once at the midpoint for a whole reservation more, and sends nothing at or past the stored one", () => {
    const R = reserveAheadOffsets;
    const cursor = { reserved: R, reserving: R };
    let asked = 0;
    const store = () => asked++;
    expect(withinReservation(cursor, 0, store)).toBe(true);
    expect(withinReservation(cursor, R / 2 - 1, store)).toBe(true);
    expect(asked).toBe(0);
    expect(withinReservation(cursor, R / 2, store)).toBe(true);
    expect(asked).toBe(1);
    expect(cursor.reserving).toBe(2 * R); // a whole reservation beyond the stored one
    expect(withinReservation(cursor, R - 1, store)).toBe(true);
    expect(asked).toBe(1); // one write in flight at a time
    expect(withinReservation(cursor, R, store)).toBe(false); // not stored yet: wait
    cursor.reserved = cursor.reserving; // the write is durable
    expect(withinReservation(cursor, R, store)).toBe(true);
    expect(withinReservation(cursor, R + R / 2, store)).toBe(true);
    expect(asked).toBe(2);
    expect(cursor.reserving).toBe(3 * R);
  });

  it("a session that jumped past its reservation (a lost range skipped) reserves from where it is", () => {
    const cursor = { reserved: 100, reserving: 100 };
    expect(withinReservation(cursor, 10 * reserveAheadOffsets, () => undefined)).toBe(false);
    expect(cursor.reserving).toBe(11 * reserveAheadOffsets);
  });
});
