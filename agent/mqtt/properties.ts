// MQTT 5.0 §2.2.2 Properties: which identifier has which type, where each may appear, which may
// repeat, and the values the spec forbids. Decoding refuses (Malformed Packet for a wrong
// identifier or type, Protocol Error for a forbidden value or repetition); encoding throws a
// ZwError when our own code asks for what the spec does not allow.
import { fail } from '../../hardware/errors.ts';
import { checkInt, type Reader, Writer } from './bytes.ts';
import { MAX_VARINT } from './limits.ts';
import { malformed, protocolError, refuse, RC, unsupported } from './reject.ts';

export type UserProperty = readonly [name: string, value: string];

export interface Properties {
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  /** PUBLISH from the broker may carry several (§3.3.2.3.8); SUBSCRIBE at most one. */
  readonly subscriptionIdentifiers?: readonly number[];
  readonly sessionExpiryInterval?: number;
  readonly assignedClientIdentifier?: string;
  readonly serverKeepAlive?: number;
  readonly requestProblemInformation?: boolean;
  readonly willDelayInterval?: number;
  readonly requestResponseInformation?: boolean;
  readonly responseInformation?: string;
  readonly serverReference?: string;
  readonly reasonString?: string;
  readonly receiveMaximum?: number;
  readonly topicAliasMaximum?: number;
  readonly topicAlias?: number;
  readonly maximumQoS?: 0 | 1;
  readonly retainAvailable?: boolean;
  readonly userProperties?: readonly UserProperty[];
  readonly maximumPacketSize?: number;
  readonly wildcardSubscriptionAvailable?: boolean;
  readonly subscriptionIdentifiersAvailable?: boolean;
  readonly sharedSubscriptionAvailable?: boolean;
}

/** Where a property block sits: a packet type (§2.1.2), or WILL for CONNECT's Will Properties
 *  (type 0 is reserved, so its bit is free). */
export const WILL = 0;
const CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7;
const SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, DISCONNECT = 14, AUTH = 15;
const on = (...types: number[]): number => types.reduce((m, t) => m | (1 << t), 0);

type Kind = 'flag' | 'qos' | 'u16' | 'u32' | 'varint' | 'utf8' | 'binary' | 'pair' | 'auth';
interface Spec {
  readonly id: number;
  readonly name: keyof Properties | 'authenticationMethod' | 'authenticationData';
  readonly kind: Kind;
  readonly where: number;
  /** Smallest value allowed (a 0 is a Protocol Error). */
  readonly min?: 1;
}

// §2.2.2.2 Table 2-4.
const SPECS: readonly Spec[] = [
  { id: 0x01, name: 'payloadFormatIndicator', kind: 'flag', where: on(PUBLISH, WILL) },
  { id: 0x02, name: 'messageExpiryInterval', kind: 'u32', where: on(PUBLISH, WILL) },
  { id: 0x03, name: 'contentType', kind: 'utf8', where: on(PUBLISH, WILL) },
  { id: 0x08, name: 'responseTopic', kind: 'utf8', where: on(PUBLISH, WILL) },
  { id: 0x09, name: 'correlationData', kind: 'binary', where: on(PUBLISH, WILL) },
  { id: 0x0b, name: 'subscriptionIdentifiers', kind: 'varint', where: on(PUBLISH, SUBSCRIBE), min: 1 },
  { id: 0x11, name: 'sessionExpiryInterval', kind: 'u32', where: on(CONNECT, CONNACK, DISCONNECT) },
  { id: 0x12, name: 'assignedClientIdentifier', kind: 'utf8', where: on(CONNACK) },
  { id: 0x13, name: 'serverKeepAlive', kind: 'u16', where: on(CONNACK) },
  { id: 0x15, name: 'authenticationMethod', kind: 'auth', where: on(CONNECT, CONNACK, AUTH) },
  { id: 0x16, name: 'authenticationData', kind: 'auth', where: on(CONNECT, CONNACK, AUTH) },
  { id: 0x17, name: 'requestProblemInformation', kind: 'flag', where: on(CONNECT) },
  { id: 0x18, name: 'willDelayInterval', kind: 'u32', where: on(WILL) },
  { id: 0x19, name: 'requestResponseInformation', kind: 'flag', where: on(CONNECT) },
  { id: 0x1a, name: 'responseInformation', kind: 'utf8', where: on(CONNACK) },
  { id: 0x1c, name: 'serverReference', kind: 'utf8', where: on(CONNACK, DISCONNECT) },
  { id: 0x1f, name: 'reasonString', kind: 'utf8', where: on(CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH) },
  { id: 0x21, name: 'receiveMaximum', kind: 'u16', where: on(CONNECT, CONNACK), min: 1 },
  { id: 0x22, name: 'topicAliasMaximum', kind: 'u16', where: on(CONNECT, CONNACK) },
  { id: 0x23, name: 'topicAlias', kind: 'u16', where: on(PUBLISH), min: 1 },
  { id: 0x24, name: 'maximumQoS', kind: 'qos', where: on(CONNACK) },
  { id: 0x25, name: 'retainAvailable', kind: 'flag', where: on(CONNACK) },
  { id: 0x26, name: 'userProperties', kind: 'pair', where: on(CONNECT, CONNACK, PUBLISH, WILL, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH) },
  { id: 0x27, name: 'maximumPacketSize', kind: 'u32', where: on(CONNECT, CONNACK), min: 1 },
  { id: 0x28, name: 'wildcardSubscriptionAvailable', kind: 'flag', where: on(CONNACK) },
  { id: 0x29, name: 'subscriptionIdentifiersAvailable', kind: 'flag', where: on(CONNACK) },
  { id: 0x2a, name: 'sharedSubscriptionAvailable', kind: 'flag', where: on(CONNACK) },
];
const BY_ID: (Spec | undefined)[] = [];
for (const s of SPECS) BY_ID[s.id] = s;
const NAMES = new Set<string>(SPECS.filter((s) => s.kind !== 'auth').map((s) => s.name));

/** May this property appear more than once here? §3.3.2.3.7 and the like for User Property;
 *  §3.3.2.3.8 for Subscription Identifier in PUBLISH only. Every other repetition is a
 *  Protocol Error. */
const repeats = (s: Spec, where: number): boolean => s.kind === 'pair' || (s.id === 0x0b && where === PUBLISH);

function readValue(r: Reader, s: Spec, what: string): unknown {
  switch (s.kind) {
    case 'flag': case 'qos': {
      const v = r.u8(what);
      // §3.1.2.11.6-7, §3.2.2.3.4-5, §3.2.2.3.11-13: a value other than 0 or 1 is a Protocol Error.
      if (v > 1) protocolError(`${what} is ${v}, not 0 or 1`);
      return s.kind === 'flag' ? v === 1 : v;
    }
    case 'u16': return r.u16(what);
    case 'u32': return r.u32(what);
    case 'varint': return r.varint(what);
    case 'utf8': return r.utf8(what);
    case 'binary': return r.binary(what);
    case 'pair': return [r.utf8(`${what} name`), r.utf8(`${what} value`)];
    // §4.12: we never send an Authentication Method, so the broker must not use one.
    case 'auth': return unsupported(`${what}: enhanced authentication (§4.12) is not supported`);
  }
}

/** §2.2.2: a Property Length, then properties allowed in `where`, none repeated where the spec
 *  forbids it, none with a value the spec forbids. */
export function readProperties(r: Reader, where: number, what: string): Properties {
  const n = r.varint(`${what} Property Length`);
  // §2.2.2.1: the properties must fit in what is left of the packet.
  if (n > r.left()) malformed(`${what}: Property Length ${n} runs past the packet`);
  const p = r.sub(n, `${what} properties`);
  const out: Record<string, unknown> = {};
  const seen: boolean[] = [];
  while (p.left() > 0) {
    const id = p.varint(`${what} property identifier`);
    const s = id < BY_ID.length ? BY_ID[id] : undefined;
    // §2.2.2.2: an identifier not valid for the packet type is a Malformed Packet.
    if (!s || (s.where & (1 << where)) === 0) return malformed(`${what}: property 0x${id.toString(16)} is not allowed here (§2.2.2.2)`);
    const name = `${what} ${s.name}`;
    if (seen[id] && !repeats(s, where)) protocolError(`${name} appears more than once`);
    seen[id] = true;
    const v = readValue(p, s, name);
    if (s.min === 1 && v === 0) {
      // §3.3.2.3.4: a Topic Alias of 0 is refused with 0x94; §3.2.2.3.3, §3.2.2.3.6, §3.3.2.3.8: a
      // Receive Maximum, Maximum Packet Size or Subscription Identifier of 0 is a Protocol Error.
      if (s.id === 0x23) refuse(RC.TOPIC_ALIAS_INVALID, 'mqtt.topic-alias', `${name} is 0 (§3.3.2.3.4)`);
      protocolError(`${name} is 0`);
    }
    if (s.kind === 'pair' || s.id === 0x0b) ((out[s.name] ??= []) as unknown[]).push(v);
    else out[s.name] = v;
  }
  return out as Properties;
}

function writeValue(w: Writer, s: Spec, v: unknown, what: string): void {
  w.u8(s.id);
  switch (s.kind) {
    case 'flag':
      if (typeof v !== 'boolean') fail('mqtt.usage', `"${what}" expected boolean, got ${typeof v}`);
      return w.u8(v ? 1 : 0);
    case 'qos': return w.u8(checkInt(v, 0, 1, what));
    case 'u16': return w.u16(checkInt(v, s.min ?? 0, 0xffff, what));
    case 'u32': return w.u32(checkInt(v, s.min ?? 0, 0xffffffff, what));
    case 'varint': return w.varint(checkInt(v, 1, MAX_VARINT, what), what);
    case 'utf8': return w.utf8(v as string, what);
    case 'binary': return w.binary(v as Uint8Array, what);
    case 'pair': {
      if (!Array.isArray(v) || v.length !== 2) fail('mqtt.usage', `"${what}" expected a [name, value] pair`);
      w.utf8(v[0] as string, `${what} name`);
      return w.utf8(v[1] as string, `${what} value`);
    }
    case 'auth': return fail('mqtt.usage', `"${what}": enhanced authentication is not offered`);
  }
}

/** The Property Length and properties of `p`, in identifier order. */
export function writeProperties(w: Writer, p: Properties, where: number, what: string): void {
  for (const k of Object.keys(p)) if (!NAMES.has(k)) fail('mqtt.usage', `"${what}" has an unknown property ${k}`);
  const body = new Writer();
  for (const s of SPECS) {
    const v = (p as Record<string, unknown>)[s.name];
    if (v === undefined) continue;
    const name = `${what} ${s.name}`;
    if ((s.where & (1 << where)) === 0) fail('mqtt.usage', `"${name}" is not allowed in this packet (MQTT 5.0 §2.2.2.2)`);
    if (s.kind === 'pair' || s.id === 0x0b) {
      if (!Array.isArray(v)) fail('mqtt.usage', `"${name}" expected an array`);
      if (s.id === 0x0b && v.length > 1 && !repeats(s, where)) fail('mqtt.usage', `"${name}": at most one here (MQTT 5.0 §3.8.2.1.2)`);
      for (const x of v as unknown[]) writeValue(body, s, x, name);
    } else writeValue(body, s, v, name);
  }
  w.varint(body.length, `${what} Property Length`);
  w.bytes(body.finish());
}
