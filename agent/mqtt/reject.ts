// Hostile or broken input from the broker comes back as a value (STYLE.md 7): the MQTT 5 reason
// code to put in our DISCONNECT and a stable dotted reason. Inside the decoder a Refusal is
// thrown and caught at the one boundary that returns it (codec.ts decodePacket).

/** MQTT 5.0 §2.4 Reason Codes used by the client. */
export const RC = {
  SUCCESS: 0x00,
  DISCONNECT_WITH_WILL: 0x04,
  NO_MATCHING_SUBSCRIBERS: 0x10,
  UNSPECIFIED: 0x80,
  MALFORMED: 0x81,
  PROTOCOL: 0x82,
  TOPIC_NAME_INVALID: 0x90,
  TOPIC_ALIAS_INVALID: 0x94,
  PACKET_TOO_LARGE: 0x95,
  PAYLOAD_FORMAT_INVALID: 0x99,
} as const;

export type RejectReason = 'mqtt.malformed' | 'mqtt.protocol' | 'mqtt.too-large' | 'mqtt.unsupported' | 'mqtt.topic-alias';

export interface Reject {
  readonly ok: false;
  /** The DISCONNECT reason code (§3.14.2.1) that answers this input. */
  readonly code: number;
  readonly reason: RejectReason;
  readonly detail: string;
}

export class Refusal {
  constructor(readonly reject: Reject) {}
}

export function refuse(code: number, reason: RejectReason, detail: string): never {
  throw new Refusal({ ok: false, code, reason, detail });
}

/** §4.13.1: the packet does not parse as the spec lays it out. */
export const malformed = (detail: string): never => refuse(RC.MALFORMED, 'mqtt.malformed', detail);
/** §4.13.1: it parses, but breaks a rule of the protocol. */
export const protocolError = (detail: string): never => refuse(RC.PROTOCOL, 'mqtt.protocol', detail);
/** QoS 2 and enhanced authentication are not offered: asking for them is a Protocol Error. */
export const unsupported = (detail: string): never => refuse(RC.PROTOCOL, 'mqtt.unsupported', detail);
