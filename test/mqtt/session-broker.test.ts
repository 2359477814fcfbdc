// The MQTT session (agent/mqtt/session.ts) with the broker: the Last Will and the status,
// request/response on the challenge topic, the broker's refusals and disconnects surfaced,
// hostile or malformed packets answered with the right DISCONNECT reason code, and misuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sessionConfig } from '../../agent/mqtt/config.ts';
import { answer, initialSession, step } from '../../agent/mqtt/session.ts';
import type { SessionAction } from '../../agent/mqtt/state.ts';
import { deviceTopic, parseDeviceTopic } from '../../agent/mqtt/topics.ts';
import { reasonOf } from '../../hardware/errors.ts';
import { utf8 } from '../support/bytes.ts';
import { actionsOf, ID, online, sentOf, sentPackets, Sim, T, text } from './harness.ts';

describe('Last Will and status (DESIGN.md §Formats)', () => {
  it('CONNECT: clean start 0, session expiry, our limits, Will "offline" retained on the status topic', () => {
    const s = new Sim({ sessionExpiryS: 7200, willDelayS: 5, maxPacketIn: 65_536, receiveMaximum: 8 });
    s.step({ type: 'connect' });
    const [c] = sentOf(s.step({ type: 'transport-up' }), 'connect');
    expect(c).toMatchObject({
      protocolVersion: 5, clean: false, clientId: ID, keepalive: 60,
      properties: { sessionExpiryInterval: 7200, receiveMaximum: 8, maximumPacketSize: 65_536 },
      will: { topic: T('status'), qos: 1, retain: true, properties: { willDelayInterval: 5, payloadFormatIndicator: true, contentType: 'text/plain' } },
    });
    expect(text((c!.will as { payload: Uint8Array }).payload)).toBe('offline');
  });

  it('publishes "online" retained at QoS 1 after CONNACK', () => {
    const s = new Sim();
    const [p] = sentOf(s.connect(), 'publish');
    expect(p).toMatchObject({ topic: T('status'), qos: 1, retain: true, properties: { payloadFormatIndicator: true, contentType: 'text/plain' } });
    expect(text(p!.payload)).toBe('online');
  });

  it('publishes "online" without retain, and says so, when the broker has no retained messages', () => {
    const s = new Sim();
    const a = s.connect({ properties: { retainAvailable: false } });
    expect(sentOf(a, 'publish')).toMatchObject([{ topic: T('status'), retain: false }]);
    expect(actionsOf(a, 'log')).toMatchObject([{ level: 'warn', code: 'mqtt.retain' }]);
  });

  it('a requested disconnect sends DISCONNECT 0x04 so the broker publishes the Will, then stays down', () => {
    const s = new Sim();
    online(s);
    const a = s.step({ type: 'disconnect' });
    expect(sentOf(a, 'disconnect')).toMatchObject([{ reasonCode: 0x04 }]);
    expect(actionsOf(a, 'close')).toEqual([{ type: 'close', reason: null }]);
    s.step({ type: 'transport-down', reason: null });
    expect(s.state.phase).toBe('idle');
  });

  it('topics: zw/v1/<id>/<leaf>; ids with + # / or reserved names are refused', () => {
    expect(deviceTopic(ID, 'challenge')).toBe(`zw/v1/${ID}/challenge`);
    expect(parseDeviceTopic(`zw/v1/${ID}/attest`)).toEqual({ deviceId: ID, leaf: 'attest' });
    for (const bad of ['gw+1', 'gw#1', 'gw/1', 'verifier', 'admin', 'broker', 'GW-1', 'ab']) {
      let thrown: unknown = null;
      try { deviceTopic(bad, 'status'); } catch (e) { thrown = e; }
      expect(reasonOf(thrown), bad).toBe('device.id');
      expect(parseDeviceTopic(`zw/v1/${bad}/status`), bad).toBeNull();
    }
    expect(parseDeviceTopic(`zw/v1/${ID}/status/extra`)).toBeNull();
    expect(parseDeviceTopic(`zw/v1/${ID}/secrets`)).toBeNull();
  });
});

describe('request/response (MQTT 5.0 §4.10)', () => {
  const challenge = (responseTopic: string) => ({
    cmd: 'publish', topic: T('challenge'), qos: 1, messageId: 77, payload: Buffer.from('nonce'),
    properties: { responseTopic, correlationData: Buffer.from([1, 2, 3]), contentType: 'application/cbor' },
  });

  it('delivers a challenge with its Response Topic and Correlation Data, acks it, and the answer carries them back', () => {
    const s = new Sim();
    online(s);
    const a = s.broker(challenge(T('attest')));
    const [d] = actionsOf(a, 'deliver');
    expect(d!.message).toMatchObject({ topic: T('challenge'), leaf: 'challenge', qos: 1, response: { topic: T('attest'), correlationData: Uint8Array.from([1, 2, 3]) } });
    expect(text(d!.message.payload)).toBe('nonce');
    expect(sentOf(a, 'puback')).toMatchObject([{ messageId: 77, reasonCode: 0 }]);
    expect(a.findIndex((x) => x.type === 'deliver')).toBeLessThan(a.findIndex((x) => x.type === 'send'));
    const req = answer(d!.message, utf8('token'), 31, { contentType: 'application/eat+cwt' });
    const [p] = sentOf(s.publish(req), 'publish');
    expect(p).toMatchObject({ topic: T('attest'), qos: 1, properties: { contentType: 'application/eat+cwt' } });
    expect([...(p!.properties as { correlationData: Uint8Array }).correlationData]).toEqual([1, 2, 3]);
  });

  it('a Response Topic outside the device\'s own topics gives no way to answer', () => {
    const s = new Sim();
    online(s);
    const a = s.broker(challenge('zw/v1/other-gw/attest'));
    const [d] = actionsOf(a, 'deliver');
    expect(d!.message.response).toBeNull();
    expect(actionsOf(a, 'log')).toMatchObject([{ code: 'mqtt.response-topic' }]);
    expect(() => answer(d!.message, utf8('x'), null)).toThrow(/mqtt.usage/);
  });

  it('a payload marked UTF-8 that is not is answered with PUBACK 0x99 and not delivered', () => {
    const s = new Sim();
    online(s);
    const a = s.broker({ cmd: 'publish', topic: T('cmd'), qos: 1, messageId: 5, payload: Buffer.from([0xff, 0xfe]), properties: { payloadFormatIndicator: true } });
    expect(actionsOf(a, 'deliver')).toEqual([]);
    expect(sentOf(a, 'puback')).toMatchObject([{ messageId: 5, reasonCode: 0x99 }]);
  });
});

describe('the broker\'s failures are surfaced', () => {
  it('a CONNACK refusing the connection: reason code surfaced, transport closed, backoff follows', () => {
    const s = new Sim();
    s.step({ type: 'connect' });
    s.step({ type: 'transport-up' });
    const a = s.broker({ cmd: 'connack', sessionPresent: false, reasonCode: 0x87, properties: { reasonString: 'not yours' } });
    expect(actionsOf(a, 'lost')).toMatchObject([{ reason: 'mqtt.connack', code: 0x87, reasonString: 'not yours' }]);
    expect(actionsOf(a, 'close')).toEqual([{ type: 'close', reason: 'mqtt.connack' }]);
    s.step({ type: 'transport-down', reason: null });
    expect(s.state.phase).toBe('backoff');
  });

  it('no CONNACK within the connect timeout closes the attempt', () => {
    const s = new Sim({ connackTimeoutMs: 5000 });
    s.at(0).step({ type: 'connect' });
    expect(actionsOf(s.step({ type: 'transport-up' }), 'timer')).toEqual([{ type: 'timer', at: 5000 }]);
    expect(actionsOf(s.tick(5000), 'lost')).toMatchObject([{ reason: 'mqtt.timeout' }]);
  });

  it('a server DISCONNECT (0x9c use another server) is surfaced with its Server Reference; nothing more is sent', () => {
    const s = new Sim();
    online(s);
    const a = s.broker({ cmd: 'disconnect', reasonCode: 0x9c, properties: { serverReference: '10.0.2.3', reasonString: 'moving' } });
    expect(actionsOf(a, 'lost')).toEqual([{ type: 'lost', reason: 'mqtt.server-disconnect', code: 0x9c, detail: expect.any(String), reasonString: 'moving', serverReference: '10.0.2.3' }]);
    expect(sentPackets(a)).toEqual([]);
    expect(actionsOf(a, 'close')).toEqual([{ type: 'close', reason: 'mqtt.server-disconnect' }]);
  });

  it('the transport going down is surfaced with the port\'s reason', () => {
    const s = new Sim();
    online(s);
    expect(actionsOf(s.step({ type: 'transport-down', reason: 'net.timeout' }), 'lost')).toMatchObject([{ reason: 'mqtt.transport', detail: 'net.timeout' }]);
  });
});

// Packets a broker must not send, or sends malformed: DISCONNECT with the reason code, surfaced,
// transport closed — never a throw (MQTT 5.0 §4.13).
const hostile: { name: string; before?: 'connack'; bytes?: string; packet?: Record<string, unknown>; code: number; reason: string }[] = [
  { name: 'a reserved packet type', bytes: '0000', code: 0x81, reason: 'mqtt.malformed' },
  { name: 'a PUBLISH truncated inside its topic', bytes: '3003000561', code: 0x81, reason: 'mqtt.malformed' },
  { name: 'a Remaining Length of five bytes', bytes: '30ffffffff7f', code: 0x81, reason: 'mqtt.malformed' },
  { name: 'a PUBLISH over our Maximum Packet Size', packet: { cmd: 'publish', topic: T('update'), qos: 0, payload: Buffer.alloc(70_000) }, code: 0x95, reason: 'mqtt.too-large' },
  { name: 'a PUBLISH at QoS 2', packet: { cmd: 'publish', topic: T('cmd'), qos: 2, messageId: 3, payload: Buffer.from('x') }, code: 0x82, reason: 'mqtt.unsupported' },
  { name: 'a PUBLISH with a Topic Alias we never allowed', packet: { cmd: 'publish', topic: T('cmd'), qos: 0, payload: Buffer.from('x'), properties: { topicAlias: 1 } }, code: 0x94, reason: 'mqtt.topic-alias' },
  { name: 'a PUBACK for a packet identifier not in flight', packet: { cmd: 'puback', messageId: 999, reasonCode: 0 }, code: 0x82, reason: 'mqtt.protocol' },
  { name: 'a SUBACK nobody asked for', packet: { cmd: 'suback', messageId: 999, granted: [1] }, code: 0x82, reason: 'mqtt.protocol' },
  { name: 'an UNSUBACK (no UNSUBSCRIBE was sent)', packet: { cmd: 'unsuback', messageId: 1, granted: [0] }, code: 0x82, reason: 'mqtt.protocol' },
  { name: 'a second CONNACK', packet: { cmd: 'connack', sessionPresent: false, reasonCode: 0 }, code: 0x82, reason: 'mqtt.protocol' },
  { name: 'a PINGREQ from the broker', packet: { cmd: 'pingreq' }, code: 0x82, reason: 'mqtt.protocol' },
  { name: 'a SUBSCRIBE from the broker', packet: { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 1 }] }, code: 0x82, reason: 'mqtt.protocol' },
  { name: 'an AUTH packet', packet: { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } }, code: 0x82, reason: 'mqtt.unsupported' },
  { name: 'a CONNACK with a duplicated property', before: 'connack', bytes: '2009000006' + '21000121' + '0001', code: 0x82, reason: 'mqtt.protocol' },
  { name: 'a PUBLISH before CONNACK', before: 'connack', packet: { cmd: 'publish', topic: T('cmd'), qos: 0, payload: Buffer.from('x') }, code: 0x82, reason: 'mqtt.protocol' },
];

describe('hostile or malformed broker packets close with the right DISCONNECT reason code', () => {
  for (const h of hostile) {
    it(`${h.name} → DISCONNECT 0x${h.code.toString(16)} (${h.reason})`, () => {
      const s = new Sim({ maxPacketIn: 65_536 });
      if (h.before === 'connack') { s.step({ type: 'connect' }); s.step({ type: 'transport-up' }); } else online(s);
      const a = h.bytes ? s.bytes(Uint8Array.from(Buffer.from(h.bytes, 'hex'))) : s.broker(h.packet!);
      expect(sentOf(a, 'disconnect')).toMatchObject([{ reasonCode: h.code }]);
      expect(actionsOf(a, 'lost')).toMatchObject([{ reason: h.reason, code: h.code }]);
      expect(actionsOf(a, 'close')).toEqual([{ type: 'close', reason: h.reason }]);
      expect(s.state.phase).toBe('closing');
      // Bytes that still arrive are ignored; the transport going down leads to backoff.
      expect(s.bytes(Uint8Array.from([0xd0, 0x00]))).toEqual([]);
      s.step({ type: 'transport-down', reason: null });
      expect(s.state.phase).toBe('backoff');
    });
  }

  it('a SUBACK with the wrong number of reason codes, or a QoS not asked, is a protocol error', () => {
    for (const granted of [[1, 1], [2]]) {
      const s = new Sim();
      online(s);
      const [sub] = sentOf(s.step({ type: 'subscribe', filters: [{ topicFilter: T('cmd'), qos: 1 }] }), 'subscribe');
      const a = s.broker({ cmd: 'suback', messageId: sub!.messageId, granted });
      expect(sentOf(a, 'disconnect'), JSON.stringify(granted)).toMatchObject([{ reasonCode: 0x82 }]);
    }
  });

  it('a refused subscription is surfaced and logged, the connection stays', () => {
    const s = new Sim();
    online(s);
    const [sub] = sentOf(s.step({ type: 'subscribe', filters: [{ topicFilter: T('cmd'), qos: 1 }, { topicFilter: T('update'), qos: 1 }] }), 'subscribe');
    const a = s.broker({ cmd: 'suback', messageId: sub!.messageId, granted: [1, 0x87] });
    expect(actionsOf(a, 'subscribed')).toEqual([{ type: 'subscribed', results: [{ topicFilter: T('cmd'), reasonCode: 1 }, { topicFilter: T('update'), reasonCode: 0x87 }] }]);
    expect(actionsOf(a, 'log')).toMatchObject([{ code: 'mqtt.suback' }]);
    expect(s.state.phase).toBe('connected');
  });

  it('random broker bytes in random chunks never make step() throw (property)', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 12 }), (chunks) => {
      const s = new Sim();
      online(s);
      s.report(1);
      for (const c of chunks) {
        const a: SessionAction[] = s.bytes(c);
        for (const d of sentOf(a, 'disconnect')) expect([0x81, 0x82, 0x94, 0x95]).toContain(d.reasonCode);
      }
      expect(['connected', 'closing']).toContain(s.state.phase);
    }), { numRuns: 2000 });
  });
});

describe('misuse by our own code throws a ZwError (mqtt.usage)', () => {
  const s = () => { const x = new Sim(); online(x); return x; };
  const cases: [string, (x: Sim) => void][] = [
    ['a publish to another device\'s topic', (x) => x.publish({ topic: 'zw/v1/other-gw/event', payload: new Uint8Array(1), qos: 1, reportId: 1 })],
    ['a publish outside the topic layout', (x) => x.publish({ topic: 'hospital/all', payload: new Uint8Array(1), qos: 1, reportId: 1 })],
    ['a publish at QoS 2', (x) => x.publish({ topic: T('event'), payload: new Uint8Array(1), qos: 2 as 1, reportId: 1 })],
    ['a report id at QoS 0', (x) => x.publish({ topic: T('event'), payload: new Uint8Array(1), qos: 0, reportId: 1 })],
    ['a Topic Alias in a publish', (x) => x.publish({ topic: T('event'), payload: new Uint8Array(1), qos: 1, reportId: 1, properties: { topicAlias: 1 } })],
    ['a subscription outside the device', (x) => x.step({ type: 'subscribe', filters: [{ topicFilter: 'zw/v1/+/cmd', qos: 1 }] })],
    ['a malformed topic filter', (x) => x.step({ type: 'subscribe', filters: [{ topicFilter: `zw/v1/${ID}/#/x`, qos: 1 }] })],
  ];
  for (const [name, run] of cases) {
    it(`throws for ${name} and leaves the state as it was`, () => {
      const x = s();
      const before = x.state;
      let thrown: unknown = null;
      try { run(x); } catch (e) { thrown = e; }
      expect(reasonOf(thrown)).toBe('mqtt.usage');
      expect(x.state).toBe(before);
    });
  }

  it('a device id that breaks the rules is refused when the session is configured', () => {
    let thrown: unknown = null;
    try { initialSession(sessionConfig('gw/../admin', () => 0)); } catch (e) { thrown = e; }
    expect(reasonOf(thrown)).toBe('device.id');
    expect(() => step(initialSession(sessionConfig(ID, () => 0)), { type: 'tick', now: Number.NaN })).toThrow(/mqtt.usage/);
  });
});
