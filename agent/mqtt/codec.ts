// Bytes to packets (MQTT 5.0 §2, §3), for one whole packet whose fixed header and Remaining
// Length the Decoder (decoder.ts) has already read and bounded. Hostile input comes back as a
// Reject carrying the reason code to disconnect with; nothing else is ever thrown.
import { Reader } from './bytes.ts';
import {
  CONNACK_CODES, DISCONNECT_CODES, PUBACK_CODES, SUBACK_CODES, TYPE, UNSUBACK_CODES,
  type Connect, type Packet, type Publish, type QoS, type Subscription, type Will,
} from './packets.ts';
import { readProperties, WILL, type Properties } from './properties.ts';
import { malformed, protocolError, Refusal, RC, type Reject, unsupported } from './reject.ts';
import { topicFilterProblem, topicNameProblem } from './topics.ts';

export type Decoded = { readonly ok: true; readonly packet: Packet } | Reject;

/** §2.1.3 Table 2-2: the flags each packet type must carry (PUBLISH's are its own). */
const FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** What is wrong with a fixed header's first byte, checked before its Remaining Length is read. */
export function fixedHeaderProblem(b: number): Reject | null {
  const type = b >> 4;
  const flags = b & 0x0f;
  // §2.1.2: type 0 is reserved.
  if (type === 0) return { ok: false, code: RC.MALFORMED, reason: 'mqtt.malformed', detail: 'packet type 0 is reserved (§2.1.2)' };
  // §2.1.3 [MQTT-2.1.3-1]: wrong flags make a Malformed Packet.
  if (type !== TYPE.PUBLISH && flags !== FLAGS[type]) {
    return { ok: false, code: RC.MALFORMED, reason: 'mqtt.malformed', detail: `packet type ${type} with flags 0x${flags.toString(16)} (§2.1.3)` };
  }
  // §3.3.1.2 [MQTT-3.3.1-4]: both QoS bits set is a Malformed Packet.
  if (type === TYPE.PUBLISH && (flags & 0x06) === 0x06) return { ok: false, code: RC.MALFORMED, reason: 'mqtt.malformed', detail: 'PUBLISH with QoS 3 (§3.3.1.2)' };
  return null;
}

function qosOf(v: number, what: string): QoS {
  if (v === 3) malformed(`${what} is 3`);
  if (v === 2) unsupported(`${what} is 2: QoS 2 is not offered`);
  return v as QoS;
}
function packetIdOf(r: Reader, what: string): number {
  const id = r.u16(`${what} Packet Identifier`);
  // §2.2.1 [MQTT-2.2.1-3]: non-zero.
  if (id === 0) malformed(`${what} Packet Identifier is 0 (§2.2.1)`);
  return id;
}
function codeOf(r: Reader, allowed: readonly boolean[], what: string): number {
  const c = r.u8(`${what} Reason Code`);
  if (!allowed[c]) malformed(`${what} Reason Code 0x${c.toString(16)} is not defined for it (§2.4)`);
  return c;
}
function end(r: Reader, what: string): void {
  if (r.left() !== 0) malformed(`${what}: ${r.left()} byte(s) after the end of the packet`);
}

function connect(r: Reader): Connect {
  // §3.1.2.1, §3.1.2.2.
  if (r.utf8('Protocol Name') !== 'MQTT') malformed('CONNECT Protocol Name is not "MQTT" (§3.1.2.1)');
  const version = r.u8('Protocol Version');
  if (version !== 5) unsupported(`CONNECT Protocol Version ${version}: only 5 is offered (§3.1.2.2)`);
  const f = r.u8('Connect Flags');
  // §3.1.2.3 [MQTT-3.1.2-3]: the reserved flag is 0.
  if (f & 0x01) malformed('CONNECT reserved flag is set (§3.1.2.3)');
  const hasWill = (f & 0x04) !== 0;
  // §3.1.2.6-7 [MQTT-3.1.2-11, -13]: no Will QoS or Will Retain without a Will.
  if (!hasWill && (f & 0x38)) malformed('CONNECT Will QoS or Will Retain without a Will (§3.1.2.6)');
  const willQos = hasWill ? qosOf((f >> 3) & 3, 'CONNECT Will QoS') : 0;
  const keepAlive = r.u16('Keep Alive');
  const properties = readProperties(r, TYPE.CONNECT, 'CONNECT');
  const clientId = r.utf8('Client Identifier');
  let will: Will | null = null;
  if (hasWill) {
    const wp = readProperties(r, WILL, 'Will');
    const topic = r.utf8('Will Topic');
    const problem = topicNameProblem(topic);
    if (problem) protocolError(`Will Topic: ${problem}`);
    // §3.1.3.2.5: the Will's Response Topic is a Topic Name too.
    if (wp.responseTopic !== undefined && topicNameProblem(wp.responseTopic)) protocolError(`Will Response Topic: ${topicNameProblem(wp.responseTopic)}`);
    will = { topic, payload: r.binary('Will Payload'), qos: willQos, retain: (f & 0x20) !== 0, properties: wp };
  }
  const username = f & 0x80 ? r.utf8('User Name') : null;
  const password = f & 0x40 ? r.binary('Password') : null;
  end(r, 'CONNECT');
  return { type: 'connect', clientId, cleanStart: (f & 0x02) !== 0, keepAlive, properties, will, username, password };
}

function publish(r: Reader, flags: number): Publish {
  const qos = qosOf((flags >> 1) & 3, 'PUBLISH QoS');
  const dup = (flags & 0x08) !== 0;
  // §3.3.1.1 [MQTT-3.3.1-2]: DUP is 0 at QoS 0.
  if (qos === 0 && dup) malformed('PUBLISH with DUP at QoS 0 (§3.3.1.1)');
  const topic = r.utf8('Topic Name');
  const packetId = qos > 0 ? packetIdOf(r, 'PUBLISH') : 0;
  const properties = readProperties(r, TYPE.PUBLISH, 'PUBLISH');
  // §3.3.2.1: a zero-length Topic Name needs a Topic Alias; no wildcards [MQTT-3.3.2-2].
  if (!(topic === '' && properties.topicAlias !== undefined)) {
    const problem = topicNameProblem(topic);
    if (problem) protocolError(`PUBLISH Topic Name: ${problem}`);
  }
  // §3.3.2.3.5 [MQTT-3.3.2-14]: a Response Topic is a Topic Name, without wildcards.
  const rt = properties.responseTopic;
  if (rt !== undefined && topicNameProblem(rt)) protocolError(`PUBLISH Response Topic: ${topicNameProblem(rt)}`);
  return { type: 'publish', topic, payload: r.rest(), qos, retain: (flags & 0x01) !== 0, dup, packetId, properties };
}

/** PUBACK (§3.4.2) and DISCONNECT (§3.14.2): the reason code is 0x00 when absent, the
 *  properties empty when absent. */
function shortAck(r: Reader, allowed: readonly boolean[], type: number, what: string): [number, Properties] {
  const code = r.left() > 0 ? codeOf(r, allowed, what) : 0;
  const properties = r.left() > 0 ? readProperties(r, type, what) : {};
  end(r, what);
  return [code, properties];
}

function subscribe(r: Reader): Packet {
  const packetId = packetIdOf(r, 'SUBSCRIBE');
  const properties = readProperties(r, TYPE.SUBSCRIBE, 'SUBSCRIBE');
  const subscriptions: Subscription[] = [];
  while (r.left() > 0) {
    const topicFilter = r.utf8('Topic Filter');
    const o = r.u8('Subscription Options');
    // §3.8.3.1: bits 6-7 reserved [MQTT-3.8.3-5]; Retain Handling 3 is a Protocol Error.
    if (o & 0xc0) malformed('SUBSCRIBE reserved option bits are set (§3.8.3.1)');
    if ((o >> 4) === 3) protocolError('SUBSCRIBE Retain Handling is 3 (§3.8.3.1)');
    // §4.7.1: a well-formed Topic Filter; §3.8.3.1 [MQTT-3.8.3-4]: no No Local on a Shared Subscription.
    const problem = topicFilterProblem(topicFilter);
    if (problem) protocolError(`SUBSCRIBE Topic Filter: ${problem}`);
    if ((o & 0x04) && topicFilter.startsWith('$share/')) protocolError('SUBSCRIBE No Local on a Shared Subscription (§3.8.3.1)');
    subscriptions.push({ topicFilter, qos: qosOf(o & 3, 'SUBSCRIBE QoS'), noLocal: (o & 0x04) !== 0, retainAsPublished: (o & 0x08) !== 0, retainHandling: ((o >> 4) & 3) as 0 | 1 | 2 });
  }
  // §3.8.3 [MQTT-3.8.3-2]: a SUBSCRIBE with no subscription is a Protocol Error.
  if (subscriptions.length === 0) protocolError('SUBSCRIBE without a subscription (§3.8.3)');
  return { type: 'subscribe', packetId, subscriptions, properties };
}

function unsubscribe(r: Reader): Packet {
  const packetId = packetIdOf(r, 'UNSUBSCRIBE');
  const properties = readProperties(r, TYPE.UNSUBSCRIBE, 'UNSUBSCRIBE');
  const topicFilters: string[] = [];
  while (r.left() > 0) topicFilters.push(r.utf8('Topic Filter'));
  // §3.10.3 [MQTT-3.10.3-2]: at least one Topic Filter.
  if (topicFilters.length === 0) protocolError('UNSUBSCRIBE without a Topic Filter (§3.10.3)');
  return { type: 'unsubscribe', packetId, topicFilters, properties };
}

function acks(r: Reader, type: number, allowed: readonly boolean[], what: string): [number, Properties, number[]] {
  const packetId = packetIdOf(r, what);
  const properties = readProperties(r, type, what);
  const codes: number[] = [];
  while (r.left() > 0) codes.push(codeOf(r, allowed, what));
  return [packetId, properties, codes];
}

function body(type: number, flags: number, r: Reader): Packet {
  switch (type) {
    case TYPE.CONNECT: return connect(r);
    case TYPE.CONNACK: {
      const f = r.u8('Connect Acknowledge Flags');
      // §3.2.2.1: bits 7-1 are reserved [MQTT-3.2.2-1].
      if (f & 0xfe) malformed('CONNACK reserved flags are set (§3.2.2.1)');
      const reasonCode = codeOf(r, CONNACK_CODES, 'CONNACK');
      // §3.2.2.1.1 [MQTT-3.2.2-6]: Session Present is 0 with a failure reason code.
      if (f && reasonCode >= 0x80) protocolError('CONNACK Session Present with a failure reason code (§3.2.2.1.1)');
      const properties = readProperties(r, TYPE.CONNACK, 'CONNACK');
      end(r, 'CONNACK');
      return { type: 'connack', sessionPresent: f === 1, reasonCode, properties };
    }
    case TYPE.PUBLISH: return publish(r, flags);
    case TYPE.PUBACK: {
      const packetId = packetIdOf(r, 'PUBACK');
      const [reasonCode, properties] = shortAck(r, PUBACK_CODES, TYPE.PUBACK, 'PUBACK');
      return { type: 'puback', packetId, reasonCode, properties };
    }
    case TYPE.PUBREC: case TYPE.PUBREL: case TYPE.PUBCOMP: return unsupported(`packet type ${type} belongs to QoS 2, which is not offered`);
    case TYPE.SUBSCRIBE: return subscribe(r);
    case TYPE.SUBACK: {
      const [packetId, properties, reasonCodes] = acks(r, TYPE.SUBACK, SUBACK_CODES, 'SUBACK');
      return { type: 'suback', packetId, reasonCodes, properties };
    }
    case TYPE.UNSUBSCRIBE: return unsubscribe(r);
    case TYPE.UNSUBACK: {
      const [packetId, properties, reasonCodes] = acks(r, TYPE.UNSUBACK, UNSUBACK_CODES, 'UNSUBACK');
      return { type: 'unsuback', packetId, reasonCodes, properties };
    }
    case TYPE.PINGREQ: case TYPE.PINGRESP:
      end(r, type === TYPE.PINGREQ ? 'PINGREQ' : 'PINGRESP'); // §3.12, §3.13: no variable header
      return { type: type === TYPE.PINGREQ ? 'pingreq' : 'pingresp' };
    case TYPE.DISCONNECT: {
      const [reasonCode, properties] = shortAck(r, DISCONNECT_CODES, TYPE.DISCONNECT, 'DISCONNECT');
      return { type: 'disconnect', reasonCode, properties };
    }
    // §4.12: we never send an Authentication Method, so an AUTH is a Protocol Error.
    case TYPE.AUTH: return unsupported('AUTH: enhanced authentication (§4.12) is not offered');
    default: return malformed(`packet type ${type} is reserved (§2.1.2)`);
  }
}

/** One packet from its first byte and the `body` its Remaining Length announced. A PUBLISH
 *  payload is a view into `body`. */
export function decodePacket(first: number, bodyBytes: Uint8Array): Decoded {
  const bad = fixedHeaderProblem(first);
  if (bad) return bad;
  try {
    return { ok: true, packet: body(first >> 4, first & 0x0f, new Reader(bodyBytes)) };
  } catch (e) {
    if (e instanceof Refusal) return e.reject;
    throw e;
  }
}
