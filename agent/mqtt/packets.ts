// The MQTT 5.0 packets the client sends and receives, as values. QoS 2 is not offered: the
// client publishes and subscribes at QoS 0 or 1 only. Absent optional fields are null; absent
// properties are absent keys.
import type { Properties } from './properties.ts';

export type QoS = 0 | 1;

/** §2.1.2 Table 2-1. */
export const TYPE = {
  CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8,
  SUBACK: 9, UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14, AUTH: 15,
} as const;

export interface Will {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
}

export interface Connect {
  readonly type: 'connect';
  readonly clientId: string;
  readonly cleanStart: boolean;
  /** Seconds, 0..65535; 0 turns keep-alive off (§3.1.2.10). */
  readonly keepAlive: number;
  readonly properties: Properties;
  readonly will: Will | null;
  readonly username: string | null;
  readonly password: Uint8Array | null;
}

export interface Connack {
  readonly type: 'connack';
  readonly sessionPresent: boolean;
  readonly reasonCode: number;
  readonly properties: Properties;
}

export interface Publish {
  readonly type: 'publish';
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  /** 1..65535 at QoS 1; 0 at QoS 0 (there is none on the wire). */
  readonly packetId: number;
  readonly properties: Properties;
}

export interface Puback {
  readonly type: 'puback';
  readonly packetId: number;
  readonly reasonCode: number;
  readonly properties: Properties;
}

export interface Subscription {
  readonly topicFilter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
}

export interface Subscribe {
  readonly type: 'subscribe';
  readonly packetId: number;
  readonly subscriptions: readonly Subscription[];
  readonly properties: Properties;
}

export interface Suback {
  readonly type: 'suback';
  readonly packetId: number;
  readonly reasonCodes: readonly number[];
  readonly properties: Properties;
}

export interface Unsubscribe {
  readonly type: 'unsubscribe';
  readonly packetId: number;
  readonly topicFilters: readonly string[];
  readonly properties: Properties;
}

export interface Unsuback {
  readonly type: 'unsuback';
  readonly packetId: number;
  readonly reasonCodes: readonly number[];
  readonly properties: Properties;
}

export interface Pingreq { readonly type: 'pingreq' }
export interface Pingresp { readonly type: 'pingresp' }

export interface Disconnect {
  readonly type: 'disconnect';
  readonly reasonCode: number;
  readonly properties: Properties;
}

export type Packet = Connect | Connack | Publish | Puback | Subscribe | Suback | Unsubscribe | Unsuback | Pingreq | Pingresp | Disconnect;

const codes = (...c: number[]): readonly boolean[] => {
  const t: boolean[] = [];
  for (const x of c) t[x] = true;
  return t;
};
/** §3.2.2.2 Table 3-1: CONNACK reason codes. */
export const CONNACK_CODES = codes(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f);
/** §3.4.2.1 Table 3-4: PUBACK reason codes. */
export const PUBACK_CODES = codes(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);
/** §3.9.3 Table 3-8: SUBACK reason codes. */
export const SUBACK_CODES = codes(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2);
/** §3.11.3 Table 3-9: UNSUBACK reason codes. */
export const UNSUBACK_CODES = codes(0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91);
/** §3.14.2.1 Table 3-10: DISCONNECT reason codes. */
export const DISCONNECT_CODES = codes(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2);
