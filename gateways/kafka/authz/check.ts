// What handlers ask before acting: may this connection's principal do `op` on a resource?
// Without ACLs (no listeners.kafka.sasl, or sasl without acls) the answer is always yes.
import type { RequestContext } from "../context.ts";
import { clusterResourceName, type Operation, type ResourceType } from "./acl.ts";

export function authorized(ctx: RequestContext, type: ResourceType, name: string, op: Operation): boolean {
  const authorizer = ctx.parts.sasl?.authorizer;
  if (authorizer === undefined) return true;
  // Requests other than ApiVersions/SASL reach handlers only once authenticated (handlers/index.ts).
  const user = ctx.connection.principal;
  return user !== null && authorizer.allows(user, type, name, op);
}

export const authorizedOnCluster = (ctx: RequestContext, op: Operation): boolean => authorized(ctx, "cluster", clusterResourceName, op);
