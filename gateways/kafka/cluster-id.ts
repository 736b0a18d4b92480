// The cluster id this ledge names in Metadata (v2+): made once per data directory and kept in
// the log, like a Kafka cluster's (22 characters of base64url, a random 128-bit id). Clients
// that remember it (ledge's own bridge among them) can tell a rebuilt or different cluster
// behind the same address from the one they knew.
import { randomBytes } from "node:crypto";
import type { KeyValueStore } from "../../runtime/log/types.ts";

const storeKey = "id";

/** The data directory's cluster id, made and persisted on first use. */
export async function persistentClusterId(store: KeyValueStore<string>): Promise<string> {
  const kept = store.get(storeKey);
  if (kept !== undefined) return kept;
  const id = randomBytes(16).toString("base64url");
  await store.put(storeKey, id);
  return id;
}
