// A session's plain QoS 1 deliveries from its own cursors that await PUBACK, by packet id, in
// typed arrays: a delivery in flight costs no object. A catch-up has up to the client's Receive
// Maximum of them in flight (65,535 for MQTT 3.1.1), so an object and a Map entry each were a
// measured share of its time and its garbage. Each keeps its partition's cursor and offset (the
// cursor stays below it until PUBACK), and its decoded batch and record index: a reconnect sends
// it again from there. The arrays grow to the highest packet id used; Session keeps packet ids
// below about twice its peak in flight, so an idle subscriber holds a few KiB at most.
import type { BatchColumns } from "../../runtime/core/index.ts";
import type { PartitionCursor } from "./session.ts";

const slotsMin = 64;

export class LogInflight {
  /** Deliveries in flight. */
  count = 0;
  /** Per packet id: the record's offset, -1 for none in flight. */
  #offset = new Float64Array(0);
  /** Per packet id: the session's send sequence number (resends keep the first order [MQTT-4.6.0-1]). */
  #sent = new Float64Array(0);
  #index = new Int32Array(0);
  #retain = new Uint8Array(0);
  #cursor: Array<PartitionCursor | undefined> = [];
  #batch: Array<BatchColumns | undefined> = [];

  /** Packet ids the arrays have room for. */
  get slots(): number {
    return this.#offset.length;
  }

  has(id: number): boolean {
    return id < this.#offset.length && this.#offset[id] >= 0;
  }

  add(id: number, cursor: PartitionCursor, offset: number, batch: BatchColumns, index: number, retain: boolean, sent: number): void {
    if (id >= this.#offset.length) this.#grow(id + 1);
    this.#offset[id] = offset;
    this.#sent[id] = sent;
    this.#index[id] = index;
    this.#retain[id] = retain ? 1 : 0;
    this.#cursor[id] = cursor;
    this.#batch[id] = batch;
    this.count++;
  }

  /** The cursor of `id`'s delivery (which has(id)). */
  cursorOf(id: number): PartitionCursor {
    return this.#cursor[id]!;
  }

  offsetOf(id: number): number {
    return this.#offset[id];
  }

  remove(id: number): void {
    this.#offset[id] = -1;
    this.#cursor[id] = undefined;
    this.#batch[id] = undefined;
    this.count--;
  }

  /** Every delivery in flight: `visit(id, sent)`. */
  forEach(visit: (id: number, sent: number) => void): void {
    const offsets = this.#offset;
    for (let id = 1, left = this.count; left > 0 && id < offsets.length; id++) {
      if (offsets[id] < 0) continue;
      left--;
      visit(id, this.#sent[id]);
    }
  }

  /** Per cursor, its lowest offset in flight (into `lowest`, keeping lower values there). */
  lowestOffsets(lowest: Map<PartitionCursor, number>): void {
    this.forEach((id) => {
      const cursor = this.#cursor[id]!;
      const low = lowest.get(cursor);
      if (low === undefined || this.#offset[id] < low) lowest.set(cursor, this.#offset[id]);
    });
  }

  batchOf(id: number): BatchColumns {
    return this.#batch[id]!;
  }

  indexOf(id: number): number {
    return this.#index[id];
  }

  retainOf(id: number): boolean {
    return this.#retain[id] === 1;
  }

  #grow(needed: number): void {
    let slots = Math.max(slotsMin, this.#offset.length);
    while (slots < needed) slots *= 2;
    const offset = new Float64Array(slots).fill(-1);
    offset.set(this.#offset);
    this.#offset = offset;
    this.#sent = grown(this.#sent, new Float64Array(slots));
    this.#index = grown(this.#index, new Int32Array(slots));
    this.#retain = grown(this.#retain, new Uint8Array(slots));
    this.#cursor.length = slots;
    this.#batch.length = slots;
  }
}

function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
