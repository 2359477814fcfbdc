// A transcript of the MQTT client's behaviour that must come out the same under Node and as
// bytecode in zw-host (STYLE.md 15): rich packets encoded and decoded, a deterministic run of
// mutated streams through the decoder, and a scripted session. Pure: no Node API.
import { Decoder } from '../../agent/mqtt/decoder.ts';
import { encodePacket } from '../../agent/mqtt/encode.ts';
import type { Packet } from '../../agent/mqtt/packets.ts';
import { sessionConfig } from '../../agent/mqtt/config.ts';
import { initialSession, step } from '../../agent/mqtt/session.ts';
import type { SessionAction, SessionEvent, SessionState } from '../../agent/mqtt/state.ts';
import { mulberry32 } from '../../hardware/node/fault.ts';
import { hex, toHex } from '../support/bytes.ts';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ID = 'gw-ward-3';
const T = (leaf: string) => `zw/v1/${ID}/${leaf}`;
const users: [string, string][] = [['ward', '3 \u{1f3e5}'], ['ward', ''], ['bed', 'Ünïcødé']];

const PACKETS: Packet[] = [
  {
    type: 'connect', clientId: ID, cleanStart: false, keepAlive: 60,
    properties: { sessionExpiryInterval: 86_400, receiveMaximum: 16, maximumPacketSize: 1_048_576, topicAliasMaximum: 0, requestResponseInformation: true, requestProblemInformation: false, userProperties: users },
    will: { topic: T('status'), payload: ascii('offline'), qos: 1, retain: true, properties: { willDelayInterval: 10, payloadFormatIndicator: true, messageExpiryInterval: 3600, contentType: 'text/plain', responseTopic: T('attest'), correlationData: hex('00ff'), userProperties: users } },
    username: 'gw', password: hex('0102'),
  },
  {
    type: 'connack', sessionPresent: true, reasonCode: 0,
    properties: {
      sessionExpiryInterval: 3600, receiveMaximum: 10, maximumQoS: 1, retainAvailable: true, maximumPacketSize: 268_435_460,
      assignedClientIdentifier: 'auto-1', topicAliasMaximum: 5, reasonString: 'ok', userProperties: users, wildcardSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: true, sharedSubscriptionAvailable: false, serverKeepAlive: 30, responseInformation: 'zw/v1/', serverReference: '10.0.2.2',
    },
  },
  {
    type: 'publish', topic: T('challenge'), payload: new Uint8Array(300).map((_, i) => i & 0xff), qos: 1, retain: false, dup: true, packetId: 65_535,
    properties: { payloadFormatIndicator: false, messageExpiryInterval: 60, topicAlias: 3, responseTopic: T('attest'), correlationData: hex('c0ffee'), userProperties: users, subscriptionIdentifiers: [1, 127, 128, 16_383, 16_384, 268_435_455], contentType: 'application/cbor' },
  },
  { type: 'puback', packetId: 1, reasonCode: 0x97, properties: { reasonString: 'quota', userProperties: users } },
  { type: 'subscribe', packetId: 2, properties: { subscriptionIdentifiers: [7] }, subscriptions: [{ topicFilter: `${T('')}#`, qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }, { topicFilter: '$share/v/zw/v1/+/attest', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 1 }] },
  { type: 'suback', packetId: 2, properties: { reasonString: 'r' }, reasonCodes: [0, 1, 0x80, 0xa2] },
  { type: 'unsubscribe', packetId: 3, properties: { userProperties: users }, topicFilters: ['a/+', '#'] },
  { type: 'unsuback', packetId: 3, properties: {}, reasonCodes: [0, 0x11] },
  { type: 'pingreq' },
  { type: 'pingresp' },
  { type: 'disconnect', reasonCode: 0x8e, properties: { sessionExpiryInterval: 0, reasonString: 'taken over', userProperties: users, serverReference: 'x' } },
];

function codecLines(): string[] {
  return PACKETS.map((p) => {
    const b = encodePacket(p);
    const d = new Decoder(1 << 20).push(b);
    const same = d.length === 1 && d[0]!.ok && toHex(encodePacket(d[0]!.packet)) === toHex(b);
    return `codec ${p.type} ${same ? 'same' : 'DIFFERENT'} ${toHex(b)}`;
  });
}

function mutationLine(runs: number): string {
  const r = mulberry32(7);
  const corpus = PACKETS.map(encodePacket);
  const counts: Record<string, number> = {};
  for (let run = 0; run < runs; run++) {
    const src = corpus[r() % corpus.length]!;
    const b = src.slice();
    for (let k = 1 + (r() % 3); k > 0; k--) b[r() % b.length] = r() % 2 ? b[r() % b.length]! ^ (1 << (r() % 8)) : r() & 0xff;
    const cut = r() % 4 === 0 ? r() % b.length : b.length;
    const d = new Decoder(r() % 3 === 0 ? 64 : 1 << 20);
    try {
      for (let at = 0; at < cut; at += 7) {
        for (const x of d.push(b.subarray(at, Math.min(cut, at + 7)))) {
          const k = x.ok ? `ok ${x.packet.type}` : `0x${x.code.toString(16)} ${x.reason}`;
          counts[k] = (counts[k] ?? 0) + 1;
        }
      }
    } catch (e) {
      counts[`THROW ${String(e)}`] = (counts[`THROW ${String(e)}`] ?? 0) + 1;
    }
  }
  return `mutations ${runs} ${JSON.stringify(Object.keys(counts).sort().map((k) => [k, counts[k]]))}`;
}

const show = (a: SessionAction): string => JSON.stringify(a, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));

function sessionLines(): string[] {
  const out: string[] = [];
  let s: SessionState = initialSession(sessionConfig(ID, mulberry32Unit(3), { keepAliveS: 30 }));
  const go = (e: SessionEvent) => {
    const [next, actions] = step(s, e);
    s = next;
    out.push(`event ${e.type} → ${s.phase}`, ...actions.map(show));
  };
  const broker = (p: Packet, now: number) => go({ type: 'bytes', now, data: encodePacket(p) });
  go({ type: 'publish', now: 0, request: { topic: T('event'), payload: ascii('r1'), qos: 1, reportId: 1 } });
  go({ type: 'connect', now: 0 });
  go({ type: 'transport-up', now: 5 });
  broker({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 2, serverKeepAlive: 20 } }, 10);
  go({ type: 'subscribe', now: 11, filters: [{ topicFilter: T('challenge'), qos: 1 }] });
  go({ type: 'publish', now: 12, request: { topic: T('inventory'), payload: ascii('r2'), qos: 1, reportId: 2 } });
  broker({ type: 'puback', packetId: 1, reasonCode: 0, properties: {} }, 13);
  broker({ type: 'publish', topic: T('challenge'), payload: ascii('nonce'), qos: 1, retain: false, dup: false, packetId: 9, properties: { responseTopic: T('attest'), correlationData: hex('0a0b') } }, 14);
  go({ type: 'tick', now: 20_014 });
  go({ type: 'transport-down', now: 20_100, reason: 'net.reset' });
  go({ type: 'tick', now: s.phase === 'backoff' ? s.retryAt : 0 });
  go({ type: 'transport-up', now: 21_000 });
  broker({ type: 'connack', sessionPresent: true, reasonCode: 0, properties: {} }, 21_001);
  go({ type: 'bytes', now: 21_002, data: hex('30ffffffff7f') });
  go({ type: 'transport-down', now: 21_003, reason: null });
  return out;
}

/** mulberry32 scaled to [0, 1): the jitter source of the scripted session. */
function mulberry32Unit(seed: number): () => number {
  const r = mulberry32(seed);
  return () => r() / 4_294_967_296;
}

export function mqttTranscript(mutations: number): string[] {
  return [...codecLines(), mutationLine(mutations), ...sessionLines()];
}
