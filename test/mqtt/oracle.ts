// mqtt-packet (the codec of MQTT.js) as the oracle for agent/mqtt/: our packets in its object
// shape, its parser and generator, and one canonical form both sides are compared in (bytes as
// hex; User Properties grouped by name, since mqtt-packet keeps them in an object).
import { Buffer } from 'node:buffer';
import { generate, parser } from 'mqtt-packet';
import type { Packet } from '../../agent/mqtt/packets.ts';
import type { Properties } from '../../agent/mqtt/properties.ts';
import { toHex } from '../support/bytes.ts';

type Obj = Record<string, unknown>;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

function grouped(pairs: [string, string][]): Obj {
  const g = new Map<string, string[]>();
  for (const [n, v] of pairs) g.set(n, [...(g.get(n) ?? []), v]);
  return Object.fromEntries([...g.keys()].sort().map((k) => [k, g.get(k)]));
}

/** Properties in canonical form, from either side. */
export function canonProps(p: Obj | undefined): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(p ?? {})) {
    if (v === undefined) continue;
    if (k === 'userProperties') {
      out[k] = Array.isArray(v) ? grouped(v as [string, string][])
        : grouped(Object.entries(v as Obj).flatMap(([n, x]) => (Array.isArray(x) ? x : [x]).map((y) => [n, String(y)] as [string, string])));
    } else if (k === 'subscriptionIdentifier' || k === 'subscriptionIdentifiers') out.subscriptionIdentifiers = Array.isArray(v) ? v : [v];
    else out[k] = isBytes(v) ? toHex(v) : v;
  }
  return out;
}

const hexOrNull = (v: unknown) => (isBytes(v) ? toHex(v) : null);

/** Our packet in canonical form. */
export function canon(p: Packet): Obj {
  const o: Obj = { ...p };
  for (const [k, v] of Object.entries(o)) if (isBytes(v)) o[k] = toHex(v);
  if ('properties' in p) o.properties = canonProps(p.properties as Obj);
  if (p.type === 'connect' && p.will) o.will = { ...p.will, payload: toHex(p.will.payload), properties: canonProps(p.will.properties as Obj) };
  return o;
}

/** A packet mqtt-packet parsed, in the same canonical form. */
export function canonTheirs(x: Obj): Obj {
  const props = canonProps(x.properties as Obj);
  switch (x.cmd) {
    case 'connect': {
      const w = x.will as Obj | undefined;
      return {
        type: 'connect', clientId: x.clientId, cleanStart: x.clean, keepAlive: x.keepalive, properties: props,
        will: w ? { topic: w.topic, payload: toHex(w.payload as Uint8Array), qos: w.qos, retain: w.retain, properties: canonProps(w.properties as Obj) } : null,
        username: x.username ?? null, password: hexOrNull(x.password),
      };
    }
    case 'connack': return { type: 'connack', sessionPresent: x.sessionPresent, reasonCode: x.reasonCode, properties: props };
    case 'publish': return { type: 'publish', topic: x.topic, payload: toHex(x.payload as Uint8Array), qos: x.qos, retain: x.retain, dup: x.dup, packetId: x.messageId ?? 0, properties: props };
    case 'puback': return { type: 'puback', packetId: x.messageId, reasonCode: x.reasonCode, properties: props };
    case 'subscribe': return {
      type: 'subscribe', packetId: x.messageId, properties: props,
      subscriptions: (x.subscriptions as Obj[]).map((s) => ({ topicFilter: s.topic, qos: s.qos, noLocal: s.nl, retainAsPublished: s.rap, retainHandling: s.rh })),
    };
    case 'suback': return { type: 'suback', packetId: x.messageId, reasonCodes: x.granted, properties: props };
    case 'unsubscribe': return { type: 'unsubscribe', packetId: x.messageId, topicFilters: x.unsubscriptions, properties: props };
    case 'unsuback': return { type: 'unsuback', packetId: x.messageId, reasonCodes: x.granted, properties: props };
    case 'pingreq': case 'pingresp': return { type: x.cmd };
    case 'disconnect': return { type: 'disconnect', reasonCode: x.reasonCode, properties: props };
    default: throw new Error(`oracle: unexpected packet ${String(x.cmd)}`);
  }
}

/** Our properties in mqtt-packet's shape (undefined when empty). */
export function theirProps(p: Properties): Obj | undefined {
  const out: Obj = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'userProperties') {
      const g: Record<string, string | string[]> = Object.create(null);
      for (const [n, x] of v as [string, string][]) {
        const had = g[n];
        g[n] = had === undefined ? x : Array.isArray(had) ? [...had, x] : [had, x];
      }
      out.userProperties = g;
    } else if (k === 'subscriptionIdentifiers') out.subscriptionIdentifier = (v as number[]).length === 1 ? (v as number[])[0] : v;
    else out[k] = isBytes(v) ? Buffer.from(v) : v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Our packet as mqtt-packet's generate() takes it. */
export function theirs(p: Packet): Obj {
  const b = (x: Uint8Array) => Buffer.from(x);
  switch (p.type) {
    case 'connect': return {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: p.cleanStart, keepalive: p.keepAlive, clientId: p.clientId,
      properties: theirProps(p.properties),
      ...(p.will ? { will: { topic: p.will.topic, payload: b(p.will.payload), qos: p.will.qos, retain: p.will.retain, properties: theirProps(p.will.properties) } } : {}),
      ...(p.username !== null ? { username: p.username } : {}), ...(p.password !== null ? { password: b(p.password) } : {}),
    };
    case 'connack': return { cmd: 'connack', sessionPresent: p.sessionPresent, reasonCode: p.reasonCode, properties: theirProps(p.properties) };
    case 'publish': return {
      cmd: 'publish', topic: p.topic, payload: b(p.payload), qos: p.qos, retain: p.retain, dup: p.dup,
      ...(p.qos ? { messageId: p.packetId } : {}), properties: theirProps(p.properties),
    };
    case 'puback': return { cmd: 'puback', messageId: p.packetId, reasonCode: p.reasonCode, properties: theirProps(p.properties) };
    case 'subscribe': return {
      cmd: 'subscribe', messageId: p.packetId, properties: theirProps(p.properties),
      subscriptions: p.subscriptions.map((s) => ({ topic: s.topicFilter, qos: s.qos, nl: s.noLocal, rap: s.retainAsPublished, rh: s.retainHandling })),
    };
    case 'suback': return { cmd: 'suback', messageId: p.packetId, granted: [...p.reasonCodes], properties: theirProps(p.properties) };
    case 'unsubscribe': return { cmd: 'unsubscribe', messageId: p.packetId, unsubscriptions: [...p.topicFilters], properties: theirProps(p.properties) };
    case 'unsuback': return { cmd: 'unsuback', messageId: p.packetId, granted: [...p.reasonCodes], properties: theirProps(p.properties) };
    case 'pingreq': case 'pingresp': return { cmd: p.type };
    case 'disconnect': return { cmd: 'disconnect', reasonCode: p.reasonCode, properties: theirProps(p.properties) };
  }
}

/** mqtt-packet's bytes for our packet. */
export function theirGenerate(p: Packet | Obj): Uint8Array {
  const x = 'cmd' in p ? p : theirs(p as Packet);
  return new Uint8Array(generate(x as never, { protocolVersion: 5 }));
}

/** What mqtt-packet's parser (protocol version 5) makes of `bytes`; its errors are thrown. */
export function theirParse(bytes: Uint8Array): Obj[] {
  const p = parser({ protocolVersion: 5 });
  const out: Obj[] = [];
  const errors: Error[] = [];
  p.on('packet', (x) => out.push(x as unknown as Obj));
  p.on('error', (e: Error) => errors.push(e));
  p.parse(Buffer.from(bytes));
  if (errors.length) throw errors[0];
  return out;
}

/** mqtt-packet's parser keeps only the last value of a repeated User Property name once an
 *  earlier value is empty (it tests the value for truthiness): such packets are compared by the
 *  round trip and the other direction only. */
export function hitsEmptyUserPropertyQuirk(p: Packet): boolean {
  const blocks = 'properties' in p ? [p.properties, ...(p.type === 'connect' && p.will ? [p.will.properties] : [])] : [];
  return blocks.some((b) => {
    const pairs = b.userProperties ?? [];
    return pairs.some(([n, v], i) => v === '' && pairs.some(([m], j) => j > i && m === n));
  });
}
