// Reaches the group coordinator from a Kafka handler. Shared by the group API handlers.
import type { GroupCoordinator } from "../../../runtime/groups/coordinator.ts";
import type { GatewayParts } from "../context.ts";

/** The coordinator, or null on a listener started without one (answers COORDINATOR_NOT_AVAILABLE). */
export function coordinatorOf(parts: GatewayParts): GroupCoordinator | null {
  return parts.groups ?? null;
}

/** COORDINATOR_NOT_AVAILABLE: retriable, so clients look for the coordinator again. */
export const coordinatorNotAvailable = 15;
