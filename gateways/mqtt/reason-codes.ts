// MQTT 5 reason codes the broker sends (MQTT 5 section 2.4), named once. MQTT 3.1.1 has
// CONNACK return codes only; `connackCode311` maps the CONNACK ones.

export const Reason = {
  success: 0x00,
  grantedQos1: 0x01,
  grantedQos2: 0x02,
  normalDisconnect: 0x00,
  disconnectWithWill: 0x04,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  serverShuttingDown: 0x8b,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdentifierInUse: 0x91,
  packetIdentifierNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  messageRateTooHigh: 0x96,
  quotaExceeded: 0x97,
  payloadFormatInvalid: 0x99,
  retainNotSupported: 0x9a,
  qosNotSupported: 0x9b,
  sharedSubscriptionsNotSupported: 0x9e,
  connectionRateExceeded: 0x9f,
  subscriptionIdentifiersNotSupported: 0xa1,
  wildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** MQTT 3.1.1 CONNACK return codes for the MQTT 5 reasons a CONNACK can carry. */
export function connackCode311(reason: number): number {
  switch (reason) {
    case Reason.success: return 0;
    case Reason.unsupportedProtocolVersion: return 1;
    case Reason.clientIdentifierNotValid: return 2;
    case Reason.badUserNameOrPassword: return 4;
    case Reason.notAuthorized: return 5;
    default: return 3; // server unavailable
  }
}

/** The MQTT 5 reason string of a PUBACK/PUBREC whose message the log did not store. */
export function notStoredReason(err: unknown): string {
  return (err as { code?: unknown })?.code === "LEDGE_ERR_STORAGE_FAILED"
    ? "storage failed: the broker's disk failed and it is restarting; resend after it is back"
    : "the message could not be stored; retry later";
}
