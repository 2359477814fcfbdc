// The session against a real broker: Mosquitto 2.0 on loopback (plain TCP: TLS is the Net
// port's business, tested with it) and MQTT.js as the verifier. A small test driver carries
// the session's actions to a Node socket and timers — the shape the agent's driver over the
// Net port will have. Checked: the retained status and the Will, the challenge answered on its
// Response Topic with its Correlation Data, a report acknowledged, and a challenge sent while
// the device was away delivered after it resumed its session.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionConfig, type SessionOptions } from '../../agent/mqtt/config.ts';
import { answer, initialSession, step } from '../../agent/mqtt/session.ts';
import type { Delivered, SessionAction, SessionEvent, SessionState } from '../../agent/mqtt/state.ts';
import { freePort, MOSQUITTO } from '../../scripts/lib/broker.ts';
import { ID, NONENTROPIC_SEQUENCE, T } from './harness.ts';

type EventIn = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> : never) : never;

/** Test driver: one socket, one timer, the actions carried out in order. */
class Device {
  state: SessionState;
  socket: Socket | null = null;
  timer: NodeJS.Timeout | null = null;
  readonly log: SessionAction[] = [];
  readonly waiters: { test: (a: SessionAction) => boolean; ok: (a: SessionAction) => void }[] = [];

  constructor(readonly port: number, options: SessionOptions) {
    this.state = initialSession(sessionConfig(ID, NONENTROPIC_SEQUENCE(0.3), options));
  }

  fire(e: EventIn): void {
    const [s, actions] = step(this.state, { ...e, now: performance.now() } as SessionEvent);
    this.state = s;
    for (const a of actions) this.carryOut(a);
  }

  carryOut(a: SessionAction): void {
    this.log.push(a);
    for (const w of this.waiters.splice(0)) (w.test(a) ? w.ok(a) : this.waiters.push(w));
    switch (a.type) {
      case 'send': this.socket?.write(a.bytes); break;
      case 'open': {
        const s = connect(this.port, '127.0.0.1');
        this.socket = s;
        let failed = false;
        s.on('connect', () => this.fire({ type: 'transport-up' }));
        s.on('data', (d) => this.fire({ type: 'bytes', data: new Uint8Array(d) }));
        s.on('error', () => { failed = true; });
        s.on('close', () => { if (this.socket === s) this.socket = null; this.fire({ type: 'transport-down', reason: failed ? 'net.reset' : null }); });
        break;
      }
      case 'close': this.socket?.end(); break;
      case 'timer':
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.fire({ type: 'tick' }), Math.max(0, a.at - performance.now()));
        break;
      default: break;
    }
  }

  next<K extends SessionAction['type']>(type: K, test: (a: Extract<SessionAction, { type: K }>) => boolean = () => true): Promise<Extract<SessionAction, { type: K }>> {
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`no ${type} action within 5 s`)), 5000);
      this.waiters.push({ test: (a) => a.type === type && test(a as never), ok: (a) => { clearTimeout(t); ok(a as never); } });
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'zw-mqtt-broker-'));
let broker: ChildProcess;
let port: number;
let verifier: MqttClient;
const seen: { topic: string; payload: string; properties: Record<string, unknown>; retain: boolean }[] = [];

function message(topic: string, payload: string): Promise<(typeof seen)[number]> {
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`the verifier saw no ${payload} on ${topic}: ${JSON.stringify(seen.map((m) => [m.topic, m.payload]))}`)), 5000);
    const poll = setInterval(() => {
      const m = seen.find((x) => x.topic === topic && x.payload === payload);
      if (m) { clearInterval(poll); clearTimeout(t); seen.splice(seen.indexOf(m), 1); ok(m); }
    }, 10);
  });
}

beforeAll(async () => {
  port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type all\n`);
  broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  broker.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  for (let i = 0; !log.includes('running'); i++) {
    if (i > 200) throw new Error(`mosquitto did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  verifier = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId: 'verifier', clean: true, reconnectPeriod: 0 });
  verifier.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), properties: (packet.properties ?? {}) as Record<string, unknown>, retain: packet.retain }));
  await verifier.subscribeAsync([`zw/v1/${ID}/status`, `zw/v1/${ID}/attest`, `zw/v1/${ID}/event`], { qos: 1 });
}, 30_000);

afterAll(async () => {
  await verifier?.endAsync(true).catch(() => undefined);
  broker?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('MQTT session against Mosquitto 2.0', () => {
  it('status, challenge/response, report ack, Will on loss, session resumed with the queued challenge, Will on disconnect', async () => {
    const d = new Device(port, { keepAliveS: 5, willDelayS: 0, sessionExpiryS: 300, backoff: { baseMs: 50, capMs: 200, jitter: 0.5 } });
    try {
      const up = d.next('connected');
      d.fire({ type: 'connect' });
      expect((await up).sessionPresent).toBe(false);
      const online = await message(T('status'), 'online');
      expect(online.properties).toMatchObject({ payloadFormatIndicator: true, contentType: 'text/plain' });

      const subscribed = d.next('subscribed');
      d.fire({ type: 'subscribe', filters: [{ topicFilter: T('challenge'), qos: 1 }] });
      expect((await subscribed).results).toEqual([{ topicFilter: T('challenge'), reasonCode: 1 }]);

      // The verifier's challenge, answered on its Response Topic with its Correlation Data.
      const delivered = d.next('deliver');
      await verifier.publishAsync(T('challenge'), 'nonce-1', { qos: 1, properties: { responseTopic: T('attest'), correlationData: Buffer.from('c-1') } });
      const req: Delivered = (await delivered).message;
      expect(req.response).toEqual({ topic: T('attest'), correlationData: Uint8Array.from(Buffer.from('c-1')) });
      const acked = d.next('acked');
      d.fire({ type: 'publish', request: answer(req, Buffer.from('token-1'), 101, { contentType: 'application/eat+cwt' }) });
      expect((await acked).reportId).toBe(101);
      const token = await message(T('attest'), 'token-1');
      expect(Buffer.from(token.properties.correlationData as Uint8Array).toString()).toBe('c-1');
      expect(token.properties.contentType).toBe('application/eat+cwt');

      // The connection is lost without DISCONNECT: the broker publishes the Will.
      const resumed = d.next('connected');
      d.socket!.destroy();
      await message(T('status'), 'offline');
      // A challenge while the device is away waits in its session at the broker.
      await verifier.publishAsync(T('challenge'), 'nonce-2', { qos: 1, properties: { responseTopic: T('attest'), correlationData: Buffer.from('c-2') } });
      const queued = d.next('deliver');
      expect((await resumed).sessionPresent).toBe(true);
      expect(Buffer.from((await queued).message.payload).toString()).toBe('nonce-2');
      await message(T('status'), 'online');
      expect(d.log.filter((a) => a.type === 'lost').map((a) => (a as { reason: string }).reason)).toEqual(['mqtt.transport']);

      // A requested disconnect (0x04) has the broker publish the Will too.
      const closed = d.next('close');
      d.fire({ type: 'disconnect' });
      expect((await closed).reason).toBeNull();
      await message(T('status'), 'offline');
    } finally {
      d.stop();
    }
  }, 30_000);
});
