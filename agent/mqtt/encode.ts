// Packets to bytes (MQTT 5.0 §3). A packet the spec does not allow is our own misuse: it throws a
// ZwError (mqtt.usage) and nothing is written.
import { fail } from '../../hardware/errors.ts';
import { checkInt, Writer } from './bytes.ts';
import { MAX_VARINT } from './limits.ts';
import {
  CONNACK_CODES, DISCONNECT_CODES, PUBACK_CODES, SUBACK_CODES, TYPE, UNSUBACK_CODES,
  type Connect, type Packet, type Publish, type Subscribe,
} from './packets.ts';
import { WILL, type Properties, writeProperties } from './properties.ts';
import { topicFilterProblem, topicNameProblem } from './topics.ts';

const hasProperties = (p: Properties): boolean => Object.keys(p).some((k) => (p as Record<string, unknown>)[k] !== undefined);

function qos(v: unknown, what: string): number {
  if (v === 2) fail('mqtt.usage', `"${what}": QoS 2 is not offered`);
  return checkInt(v, 0, 1, what);
}
function packetId(v: unknown, what: string): number {
  // §2.2.1 [MQTT-2.2.1-3]: a non-zero Packet Identifier.
  return checkInt(v, 1, 0xffff, `${what} packetId`);
}
function reasonCode(v: unknown, allowed: readonly boolean[], what: string): number {
  const c = checkInt(v, 0, 0xff, `${what} reasonCode`);
  if (!allowed[c]) fail('mqtt.usage', `"${what} reasonCode" 0x${c.toString(16)} is not defined for this packet (MQTT 5.0 §2.4)`);
  return c;
}
function topicName(t: string, what: string, alias: boolean): void {
  if (typeof t !== 'string') fail('mqtt.usage', `"${what}" expected string, got ${typeof t}`);
  // §3.3.2.1: a zero-length Topic Name only with a Topic Alias.
  const problem = t === '' && alias ? null : topicNameProblem(t);
  if (problem) fail('mqtt.usage', `"${what}" ${JSON.stringify(t)}: ${problem}`);
}

function connect(w: Writer, p: Connect): number {
  w.utf8('MQTT', 'protocol name'); // §3.1.2.1
  w.u8(5); // §3.1.2.2
  const will = p.will;
  if (will) topicName(will.topic, 'will topic', false);
  if (will?.properties.responseTopic !== undefined) topicName(will.properties.responseTopic, 'will responseTopic', false);
  // §3.1.2.3 Connect Flags: bit 0 reserved; §3.1.2.5-9.
  w.u8((p.username !== null ? 0x80 : 0) | (p.password !== null ? 0x40 : 0) | (will?.retain ? 0x20 : 0)
    | (will ? qos(will.qos, 'will qos') << 3 | 0x04 : 0) | (p.cleanStart ? 0x02 : 0));
  w.u16(checkInt(p.keepAlive, 0, 0xffff, 'keepAlive'));
  writeProperties(w, p.properties, TYPE.CONNECT, 'CONNECT');
  w.utf8(p.clientId, 'clientId'); // §3.1.3.1
  if (will) {
    writeProperties(w, will.properties, WILL, 'will');
    w.utf8(will.topic, 'will topic');
    w.binary(will.payload, 'will payload');
  }
  if (p.username !== null) w.utf8(p.username, 'username');
  if (p.password !== null) w.binary(p.password, 'password');
  return 0;
}

function publish(w: Writer, p: Publish): number {
  const q = qos(p.qos, 'publish qos');
  // §3.3.1.1 [MQTT-3.3.1-2]: DUP is 0 at QoS 0.
  if (q === 0 && p.dup) fail('mqtt.usage', '"publish dup" must be false at QoS 0 (MQTT 5.0 §3.3.1.1)');
  if (q === 0 && p.packetId !== 0) fail('mqtt.usage', '"publish packetId" must be 0 at QoS 0 (MQTT 5.0 §3.3.2.2)');
  topicName(p.topic, 'publish topic', p.properties.topicAlias !== undefined);
  // §3.3.2.3.5 [MQTT-3.3.2-14].
  if (p.properties.responseTopic !== undefined) topicName(p.properties.responseTopic, 'publish responseTopic', false);
  w.utf8(p.topic, 'publish topic');
  if (q === 1) w.u16(packetId(p.packetId, 'publish'));
  writeProperties(w, p.properties, TYPE.PUBLISH, 'PUBLISH');
  if (!(p.payload instanceof Uint8Array)) fail('mqtt.usage', '"publish payload" expected Uint8Array');
  w.bytes(p.payload);
  return (p.dup ? 0x08 : 0) | (q << 1) | (p.retain ? 0x01 : 0);
}

function subscribe(w: Writer, p: Subscribe): number {
  w.u16(packetId(p.packetId, 'subscribe'));
  writeProperties(w, p.properties, TYPE.SUBSCRIBE, 'SUBSCRIBE');
  // §3.8.3: a SUBSCRIBE carries at least one subscription.
  if (p.subscriptions.length === 0) fail('mqtt.usage', '"subscriptions" must not be empty (MQTT 5.0 §3.8.3)');
  for (const s of p.subscriptions) {
    const problem = topicFilterProblem(s.topicFilter);
    if (problem) fail('mqtt.usage', `"topicFilter" ${JSON.stringify(s.topicFilter)}: ${problem}`);
    // §3.8.3.1 [MQTT-3.8.3-4]: No Local is not set on a Shared Subscription.
    if (s.noLocal && s.topicFilter.startsWith('$share/')) fail('mqtt.usage', '"noLocal" is not allowed on a Shared Subscription (MQTT 5.0 §3.8.3.1)');
    w.utf8(s.topicFilter, 'topicFilter');
    w.u8(qos(s.qos, 'subscription qos') | (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) | (checkInt(s.retainHandling, 0, 2, 'retainHandling') << 4));
  }
  return 0x02; // §2.1.3 Table 2-2
}

/** PUBACK and DISCONNECT may leave out a Success reason code and empty properties (§3.4.2.1,
 *  §3.14.2.1), and empty properties after any reason code (§3.4.2.2.1, §3.14.2.2.1). */
function shortAck(w: Writer, code: number, props: Properties, type: number, what: string): void {
  const any = hasProperties(props);
  if (code === 0 && !any) return;
  w.u8(code);
  if (any) writeProperties(w, props, type, what);
}

function acks(w: Writer, type: number, id: number, codes: readonly number[], allowed: readonly boolean[], props: Properties, what: string): void {
  w.u16(packetId(id, what));
  writeProperties(w, props, type, what);
  for (const c of codes) w.u8(reasonCode(c, allowed, what));
}

function body(w: Writer, p: Packet): [type: number, flags: number] {
  switch (p.type) {
    case 'connect': return [TYPE.CONNECT, connect(w, p)];
    case 'connack':
      // §3.2.2.1.1 [MQTT-3.2.2-6]: Session Present is 0 with a failure reason code.
      if (p.sessionPresent && p.reasonCode >= 0x80) fail('mqtt.usage', '"sessionPresent" must be false with a failure reason code (MQTT 5.0 §3.2.2.1.1)');
      w.u8(p.sessionPresent ? 1 : 0);
      w.u8(reasonCode(p.reasonCode, CONNACK_CODES, 'CONNACK'));
      writeProperties(w, p.properties, TYPE.CONNACK, 'CONNACK');
      return [TYPE.CONNACK, 0];
    case 'publish': return [TYPE.PUBLISH, publish(w, p)];
    case 'puback':
      w.u16(packetId(p.packetId, 'puback'));
      shortAck(w, reasonCode(p.reasonCode, PUBACK_CODES, 'PUBACK'), p.properties, TYPE.PUBACK, 'PUBACK');
      return [TYPE.PUBACK, 0];
    case 'subscribe': return [TYPE.SUBSCRIBE, subscribe(w, p)];
    case 'suback':
      acks(w, TYPE.SUBACK, p.packetId, p.reasonCodes, SUBACK_CODES, p.properties, 'SUBACK');
      return [TYPE.SUBACK, 0];
    case 'unsubscribe':
      w.u16(packetId(p.packetId, 'unsubscribe'));
      writeProperties(w, p.properties, TYPE.UNSUBSCRIBE, 'UNSUBSCRIBE');
      // §3.10.3: at least one Topic Filter.
      if (p.topicFilters.length === 0) fail('mqtt.usage', '"topicFilters" must not be empty (MQTT 5.0 §3.10.3)');
      for (const f of p.topicFilters) w.utf8(f, 'topicFilter');
      return [TYPE.UNSUBSCRIBE, 0x02];
    case 'unsuback':
      acks(w, TYPE.UNSUBACK, p.packetId, p.reasonCodes, UNSUBACK_CODES, p.properties, 'UNSUBACK');
      return [TYPE.UNSUBACK, 0];
    case 'pingreq': return [TYPE.PINGREQ, 0];
    case 'pingresp': return [TYPE.PINGRESP, 0];
    case 'disconnect':
      shortAck(w, reasonCode(p.reasonCode, DISCONNECT_CODES, 'DISCONNECT'), p.properties, TYPE.DISCONNECT, 'DISCONNECT');
      return [TYPE.DISCONNECT, 0];
    default: return fail('mqtt.usage', `"packet type" ${String((p as { type: unknown }).type)} cannot be encoded (AUTH and QoS 2 are not offered)`);
  }
}

/** The bytes of one packet: fixed header (§2.1.1), Remaining Length (§2.1.4), the rest. */
export function encodePacket(p: Packet): Uint8Array {
  const w = new Writer();
  const [type, flags] = body(w, p);
  const rest = w.finish();
  if (rest.length > MAX_VARINT) fail('mqtt.usage', `"packet" expected at most ${MAX_VARINT} bytes after the fixed header, got ${rest.length}`);
  const head = new Writer();
  head.u8((type << 4) | flags);
  head.varint(rest.length, 'Remaining Length');
  const out = new Uint8Array(head.length + rest.length);
  out.set(head.finish());
  out.set(rest, head.length);
  return out;
}
