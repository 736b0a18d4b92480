// Producer ids for idempotent Kafka producers (InitProducerId): a durable counter in the meta
// table, so an id is never handed out twice, across restarts too.
import type { LogContext } from "./context.ts";
import { metaKeys } from "./partition.ts";

/** The first id handed out on a new data directory. */
const PRODUCER_ID_FIRST = 1000;

export class ProducerIds {
  readonly #ctx: LogContext;
  #next: number;

  constructor(ctx: LogContext) {
    this.#ctx = ctx;
    this.#next = (ctx.tables.meta.get(metaKeys.producerIdNext) as number | undefined) ?? PRODUCER_ID_FIRST;
  }

  /** A new producer id, durable before it resolves. */
  async allocate(): Promise<number> {
    this.#ctx.checkOpen();
    const id = this.#next++;
    await this.#ctx.durable(this.#ctx.tables.meta.put(metaKeys.producerIdNext, this.#next), "allocating a producer id");
    return id;
  }
}
