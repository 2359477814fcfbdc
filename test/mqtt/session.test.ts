// The MQTT session state machine (agent/mqtt/session.ts), table-driven: keep-alive, the in-flight
// window, packet identifiers, resend with DUP after reconnect, session present or not, backoff.
// session-broker.test.ts has the Will, request/response and the broker's failures.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../agent/mqtt/config.ts';
import { actionsOf, NONENTROPIC_SEQUENCE, online, pubacks, sentOf, sentPackets, Sim, T } from './harness.ts';

describe('keep-alive (MQTT 5.0 §3.1.2.10)', () => {
  const rows: { name: string; options?: object; connack?: Record<string, unknown>; run: (s: Sim) => void }[] = [
    { name: 'asks for a tick one keep-alive after the last packet sent', run: (s) => {
      const a = s.at(1000).connect();
      expect(actionsOf(a, 'timer')).toEqual([{ type: 'timer', at: 61_000 }]);
    } },
    { name: 'sends PINGREQ after a keep-alive of silence, not before', run: (s) => {
      s.at(0).connect();
      expect(sentPackets(s.tick(59_999))).toEqual([]);
      expect(sentOf(s.tick(60_000), 'pingreq')).toHaveLength(1);
      expect(actionsOf(s.last, 'timer')).toEqual([{ type: 'timer', at: 120_000 }]);
    } },
    { name: 'closes when no PINGRESP comes within the keep-alive', run: (s) => {
      s.at(0).connect();
      s.tick(60_000);
      expect(sentPackets(s.tick(119_999))).toEqual([]);
      const a = s.tick(120_000);
      expect(actionsOf(a, 'lost')).toMatchObject([{ reason: 'mqtt.keepalive' }]);
      expect(actionsOf(a, 'close')).toEqual([{ type: 'close', reason: 'mqtt.keepalive' }]);
      expect(s.state.phase).toBe('closing');
    } },
    { name: 'a PINGRESP keeps the connection; the next PINGREQ follows a keep-alive later', run: (s) => {
      s.at(0).connect();
      s.tick(60_000);
      s.at(61_000).broker({ cmd: 'pingresp' });
      expect(sentPackets(s.tick(119_999))).toEqual([]);
      expect(sentOf(s.tick(120_000), 'pingreq')).toHaveLength(1);
    } },
    { name: 'a tick that comes early re-arms the timer instead of leaving none', run: (s) => {
      s.at(0).connect();
      expect(s.tick(59_000)).toEqual([{ type: 'timer', at: 60_000 }]);
    } },
    { name: 'a packet sent resets the silence', run: (s) => {
      online(s);
      s.at(30_000).report(1);
      expect(sentPackets(s.tick(60_000))).toEqual([]);
      expect(sentOf(s.tick(90_000), 'pingreq')).toHaveLength(1);
    } },
    { name: 'honours the Server Keep Alive instead of its own (§3.2.2.3.14)', connack: { properties: { serverKeepAlive: 10 } }, run: (s) => {
      expect(sentOf(s.tick(10_000), 'pingreq')).toHaveLength(1);
      const lost = actionsOf(s.tick(20_000), 'lost');
      expect(lost).toMatchObject([{ reason: 'mqtt.keepalive' }]);
    } },
    { name: 'a Server Keep Alive of 0 turns pinging off', connack: { properties: { serverKeepAlive: 0 } }, run: (s) => {
      expect(s.tick(10_000_000)).toEqual([]);
      expect(s.state.data.timerAt).toBeNull();
    } },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const s = new Sim(r.options);
      if (r.connack) s.at(0).connect(r.connack);
      r.run(s);
    });
  }
});

describe('in-flight window (MQTT 5.0 §4.9)', () => {
  const rows = [
    { name: 'the broker\'s Receive Maximum limits the PUBLISH packets in flight', receiveMaximum: 3, maxInflight: 32, reports: 6, inFlight: 3 },
    { name: 'our own maxInflight caps a generous broker', receiveMaximum: 65_535, maxInflight: 4, reports: 9, inFlight: 4 },
    { name: 'a Receive Maximum of 1 sends one at a time', receiveMaximum: 1, maxInflight: 32, reports: 3, inFlight: 1 },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const s = new Sim({ maxInflight: r.maxInflight });
      for (let i = 1; i <= r.reports; i++) s.report(i);
      const a = s.at(0).connect({ properties: { receiveMaximum: r.receiveMaximum } });
      const sent = sentOf(a, 'publish');
      expect(sent).toHaveLength(r.inFlight); // the "online" status is one of them
      expect(sent[0]!.topic).toBe(T('status'));
      // Each PUBACK lets exactly one more go, in order.
      const b = s.broker(...pubacks([sent[0]!.messageId as number]));
      expect(sentOf(b, 'publish').map((p) => [...(p.payload as Uint8Array)])).toEqual([Array(8).fill(r.inFlight)]);
      expect(s.state.data.inflight.filter((f) => f.sent)).toHaveLength(r.inFlight);
    });
  }

  it('acks a report only after its PUBACK, with the report id', () => {
    const s = new Sim();
    online(s);
    const a = s.report(4242);
    expect(actionsOf(a, 'acked')).toEqual([]);
    const [p] = sentOf(a, 'publish');
    expect(actionsOf(s.broker(...pubacks([p!.messageId as number])), 'acked')).toEqual([{ type: 'acked', reportId: 4242 }]);
  });

  it('a PUBACK reason code of 0x10 (no matching subscribers) still acknowledges', () => {
    const s = new Sim();
    online(s);
    const [p] = sentOf(s.report(9), 'publish');
    expect(actionsOf(s.broker({ cmd: 'puback', messageId: p!.messageId, reasonCode: 0x10 }), 'acked')).toEqual([{ type: 'acked', reportId: 9 }]);
  });

  it('a PUBACK refusing the message (0x97 quota exceeded) is surfaced, not acknowledged', () => {
    const s = new Sim();
    online(s);
    const [p] = sentOf(s.report(7), 'publish');
    const a = s.broker({ cmd: 'puback', messageId: p!.messageId, reasonCode: 0x97, properties: { reasonString: 'quota' } });
    expect(actionsOf(a, 'acked')).toEqual([]);
    expect(actionsOf(a, 'publish-failed')).toMatchObject([{ reportId: 7, reason: 'mqtt.puback', code: 0x97, detail: 'quota' }]);
  });

  it('does not send a PUBLISH larger than the broker\'s Maximum Packet Size; drops it as too large', () => {
    const s = new Sim();
    online(s, { properties: { maximumPacketSize: 100 } });
    const big = s.report(1, 'event', 200);
    expect(sentOf(big, 'publish')).toEqual([]);
    expect(actionsOf(big, 'publish-failed')).toMatchObject([{ reportId: 1, reason: 'mqtt.too-large' }]);
    expect(sentOf(s.report(2, 'event', 10), 'publish')).toHaveLength(1);
  });

  it('refuses a QoS 1 report when the broker allows QoS 0 only', () => {
    const s = new Sim();
    const a = s.connect({ properties: { maximumQoS: 0 } });
    expect(sentOf(a, 'publish')).toEqual([]);
    expect(actionsOf(s.report(3), 'publish-failed')).toMatchObject([{ reportId: 3, reason: 'mqtt.qos' }]);
  });

  it('refuses requests beyond the outbox bound while offline', () => {
    const s = new Sim({ maxOutbox: 2 });
    s.report(1);
    s.report(2);
    expect(actionsOf(s.report(3), 'publish-failed')).toMatchObject([{ reportId: 3, reason: 'mqtt.outbox-full' }]);
  });
});

describe('packet identifiers (MQTT 5.0 §2.2.1)', () => {
  it('are never reused while in flight, acks in any order (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant('publish' as const), fc.nat(40)), { maxLength: 120 }), (ops) => {
      const s = new Sim({ maxInflight: 8 });
      online(s);
      let report = 0;
      for (const op of ops) {
        if (op === 'publish') s.report(++report);
        else {
          const inflight = s.state.data.inflight.filter((f) => f.sent);
          if (inflight.length) s.broker(...pubacks([inflight[op % inflight.length]!.packetId]));
        }
        const ids = s.state.data.inflight.map((f) => f.packetId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.every((id) => id >= 1 && id <= 65_535)).toBe(true);
      }
      const acked = actionsOf(s.all, 'acked').map((a) => a.reportId);
      expect(new Set(acked).size).toBe(acked.length);
    }), { numRuns: 200 });
  });

  it('wraps from 65535 to 1 and skips identifiers still in flight', () => {
    const s = new Sim();
    online(s);
    s.state = { ...s.state, data: { ...s.state.data, nextId: 65_534 } };
    const ids = [1, 2, 3].flatMap((i) => sentOf(s.report(i), 'publish').map((p) => p.messageId));
    expect(ids).toEqual([65_534, 65_535, 1]);
    s.broker(...pubacks([65_534]));
    s.state = { ...s.state, data: { ...s.state.data, nextId: 65_535 } };
    expect(sentOf(s.report(4), 'publish').map((p) => p.messageId)).toEqual([2]); // 65535 and 1 are in flight
  });
});

describe('resume after reconnect (MQTT 5.0 §4.4, §3.2.2.1.1)', () => {
  for (const sessionPresent of [true, false]) {
    it(`session present ${sessionPresent}: resends unacked PUBLISH with DUP, same ids, in order, before new ones`, () => {
      const s = new Sim();
      online(s);
      s.step({ type: 'subscribe', filters: [{ topicFilter: T('challenge'), qos: 1 }] });
      const [sub] = sentOf(s.last, 'subscribe');
      s.broker({ cmd: 'suback', messageId: sub!.messageId, granted: [1] });
      const first = [1, 2, 3].flatMap((i) => sentOf(s.report(i), 'publish'));
      expect(first.every((p) => p.dup === false)).toBe(true);
      s.step({ type: 'transport-down', reason: 'net.reset' });
      s.report(4); // waits in the outbox
      const a = s.reconnect({}, sessionPresent);
      const pubs = sentOf(a, 'publish');
      expect(pubs.slice(0, 3).map((p) => [p.messageId, p.dup, p.payload])).toEqual(first.map((p) => [p.messageId, true, p.payload]));
      expect(pubs.slice(3).map((p) => [p.topic, p.dup])).toEqual([[T('status'), false], [T('event'), false]]);
      // The broker that lost the session gets the subscription again; one that kept it does not.
      expect(sentOf(a, 'subscribe')).toHaveLength(sessionPresent ? 0 : 1);
      expect(actionsOf(a, 'connected')).toMatchObject([{ sessionPresent }]);
    });
  }

  it('resends only what a smaller Receive Maximum allows, the rest as PUBACKs come', () => {
    const s = new Sim();
    online(s);
    const first = [1, 2, 3, 4].flatMap((i) => sentOf(s.report(i), 'publish'));
    const a = s.reconnect({ properties: { receiveMaximum: 2 } }, true);
    expect(sentOf(a, 'publish').map((p) => p.messageId)).toEqual(first.slice(0, 2).map((p) => p.messageId));
    const b = s.broker(...pubacks([first[0]!.messageId as number]));
    expect(sentOf(b, 'publish').map((p) => [p.messageId, p.dup])).toEqual([[first[2]!.messageId, true]]);
  });

  it('a resent PUBLISH that no longer fits the broker\'s Maximum Packet Size is dropped as too large', () => {
    const s = new Sim();
    online(s);
    s.report(1, 'event', 300);
    const a = s.reconnect({ properties: { maximumPacketSize: 200 } }, true);
    expect(actionsOf(a, 'publish-failed')).toMatchObject([{ reportId: 1, reason: 'mqtt.too-large' }]);
    expect(s.state.data.inflight.filter((f) => f.message.reportId === 1)).toEqual([]);
  });
});

describe('reconnect backoff (DESIGN.md §Scale)', () => {
  const b = { baseMs: 1000, capMs: 60_000, jitter: 0.5 };
  const rows = Array.from({ length: 12 }, (_, attempt) => ({ attempt, d: Math.min(60_000, 1000 * 2 ** attempt) }));
  for (const { attempt, d } of rows) {
    it(`attempt ${attempt}: within [${d / 2}, ${d}] ms`, () => {
      expect(backoffDelay(attempt, b, () => 0)).toBe(d);
      expect(backoffDelay(attempt, b, () => 0.999_999)).toBeGreaterThanOrEqual(d / 2);
      fc.assert(fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        const x = backoffDelay(attempt, b, () => r);
        return x >= d / 2 && x <= d;
      }), { numRuns: 50 });
    });
  }

  it('failed attempts back off exponentially with jitter, and a CONNACK starts over', () => {
    const s = new Sim({ backoff: b }, NONENTROPIC_SEQUENCE(0, 0.5, 0.999));
    s.at(0).step({ type: 'connect' });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      s.step({ type: 'transport-down', reason: 'net.refused' });
      if (s.state.phase !== 'backoff') throw new Error(s.state.phase);
      waits.push(s.state.retryAt - s.now);
      expect(actionsOf(s.last, 'timer')).toEqual([{ type: 'timer', at: s.state.retryAt }]);
      const early = s.tick(s.state.retryAt - 1);
      expect(early).toEqual([{ type: 'timer', at: s.state.retryAt }]);
      expect(actionsOf(s.tick(s.state.retryAt), 'open')).toHaveLength(1);
    }
    // d = 1000·2^n capped at 60 s, less d·0.5·r for r = 0, 0.5, 0.999 in turn.
    expect(waits).toEqual([1000, 1500, 2002, 8000, 12_000, 16_016, 60_000, 45_000]);
    s.step({ type: 'transport-up' });
    s.broker({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
    s.step({ type: 'transport-down', reason: 'net.reset' });
    expect(s.state.phase === 'backoff' && s.state.retryAt - s.now).toBeLessThanOrEqual(1000);
  });
});

