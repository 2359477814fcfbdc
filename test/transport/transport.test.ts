// The agent's MQTT client (agent/transport/client.ts) against the real hospital broker:
// Mosquitto per the broker recipe (mutual TLS 1.3, certificate CN as username, per-device ACL),
// the gateway's certificate from `secure`, and the verifier as an MQTT.js client with the
// verifier certificate. The gateway runs as bytecode in zw-host (x86_64, aarch64 under
// qemu-user) and, for speed, on the Node ports — each in its own process, so that a restart of
// the gateway is a real SIGKILL and a new process on the same flash.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBytecode, ROOT } from '../../scripts/lib/host.ts';
import type { GatewayConfig } from './gateway.ts';
import { GatewayProcess, type Target } from './process.ts';
import { closeHospital, gateway, hospital, type Hospital } from '../../scripts/lib/hospital.ts';
import { Receiver } from './setup.ts';

let h: Hospital;
let bytecode: string;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  h = await hospital();
  bytecode = join(h.dir, 'transport.qjsbc');
  await buildBytecode(join(ROOT, 'test/transport/in-host.ts'), bytecode);
}, 60_000);

afterAll(async () => {
  await Promise.all(running.splice(0).map((g) => g.kill()));
  await closeHospital(h);
});

const config = (id: string): GatewayConfig => ({
  deviceId: id, host: h.broker.host, port: h.broker.port,
  session: { keepAliveS: 20, willDelayS: 0, backoff: { baseMs: 100, capMs: 800, jitter: 0.5 } },
});

function start(target: Target, flash: string, id: string): GatewayProcess {
  const g = new GatewayProcess(target, flash, config(id), bytecode);
  running.push(g);
  return g;
}

async function stopped(g: GatewayProcess): Promise<void> {
  g.send({ op: 'stop' });
  const s = await g.next('stopped');
  expect(s.queued).toBe(0);
  expect(await g.end()).toBe(0);
  running.splice(running.indexOf(g), 1);
}

const idOf = (t: Target) => `gw-tr-${t === 'x86_64' ? 'x64' : t === 'aarch64' ? 'arm' : 'node'}`;
const topic = (id: string, leaf: string) => `zw/v1/${id}/${leaf}`;

describe.each(['node', 'x86_64', 'aarch64'] as const)('MQTT client on %s', (target) => {
  it('connects with its certificate from secure, publishes QoS 1 reports with their report id, answers a challenge on its Response Topic', async () => {
    const id = idOf(target);
    const flash = await gateway(h, id);
    const v = await Receiver.connect(h, id);
    const t0 = performance.now();
    const g = start(target, flash, id);
    try {
      const up = await g.next('connected');
      expect(up.sessionPresent).toBe(false);
      await g.next('subscribed');
      const connectedMs = performance.now() - t0;
      for (const p of ['hello-1', 'hello-2']) g.send({ op: 'report', payload: p });
      await g.next('acked', (e) => e.queued === 0);
      await v.until(() => v.unique(topic(id, 'event')).length === 2, 'two reports');
      const reports = v.unique(topic(id, 'event'));
      expect(reports.map((r) => r.payload)).toEqual(['hello-1', 'hello-2']);
      const queued = g.events.filter((e) => e.type === 'queued').map((e) => String(e.id));
      expect(reports.map((r) => r.reportId)).toEqual(queued);
      await v.until(() => v.all.some((m) => m.topic === topic(id, 'status') && m.payload === 'online'), 'the online status');

      await v.challenge(id, 'nonce-1', 'corr-1');
      await v.until(() => v.all.some((m) => m.topic === topic(id, 'attest')), 'the answer');
      const answer = v.all.find((m) => m.topic === topic(id, 'attest'))!;
      expect(answer).toMatchObject({ payload: 'answer:nonce-1', correlationData: 'corr-1', contentType: 'application/eat+cwt' });
      expect(answer.reportId).not.toBeNull();
      await stopped(g);
      await v.until(() => v.all.some((m) => m.topic === topic(id, 'status') && m.payload === 'offline'), 'the Will on stop');
      console.log(`${target}: connected and subscribed ${Math.round(connectedMs)} ms after spawn (TLS 1.3 + CONNECT, in the gateway: ${up.ms} ms)`);
    } finally {
      await v.close();
    }
  }, 60_000);
});

type Cut = 'while it reconnects' | 'while it replays';
const OUTAGES: [Target, Cut][] = (['node', 'x86_64', 'aarch64'] as const).flatMap((t) => [[t, 'while it reconnects'], [t, 'while it replays']] as [Target, Cut][]);

describe.each(OUTAGES)('MQTT client on %s: broker outage, then a power cut of the gateway %s', (target, cut) => {
  it('every report arrives exactly once after de-duplication by report id, in order', async () => {
    const id = `${idOf(target)}-${cut === 'while it reconnects' ? 'rc' : 'rp'}`;
    const flash = await gateway(h, id);
    const v = await Receiver.connect(h, id);
    const sent: string[] = [];
    const report = (g: GatewayProcess, n: number) => {
      const p = `r-${String(n).padStart(2, '0')}`;
      sent.push(p);
      g.send({ op: 'report', payload: p });
    };
    try {
      let g = start(target, flash, id);
      await g.next('connected');
      for (let i = 0; i < 5; i++) report(g, i);
      await g.next('acked', (e) => e.queued === 0);
      // The broker goes away in the middle of the stream; reports keep being committed.
      for (let i = 5; i < 8; i++) report(g, i);
      await h.broker.stop();
      for (let i = 8; i < 12; i++) report(g, i);
      await g.next('queued', (e) => e.payload === 'r-11');
      await g.next('lost');
      await h.broker.restart();
      if (cut === 'while it replays') {
        const again = await g.next('connected', (e) => e.sessionPresent === true);
        expect(again.queued).toBeGreaterThan(0);
      }
      for (let i = 12; i < 15; i++) report(g, i);
      await g.next('queued', (e) => e.payload === 'r-14');
      await g.kill();
      g = start(target, flash, id);
      const started = await g.next('started');
      for (let i = 15; i < 18; i++) report(g, i);
      await g.next('acked', (e) => e.queued === 0, 30_000);
      await v.until(() => v.unique(topic(id, 'event')).length >= sent.length, `all ${sent.length} reports`);
      const got = v.unique(topic(id, 'event'));
      expect(got.map((r) => r.payload)).toEqual(sent);
      // Report ids are the store's queue ids: unique for the store's life, across the restart.
      expect(new Set(got.map((r) => r.reportId)).size).toBe(sent.length);
      const dupes = v.all.filter((m) => m.topic === topic(id, 'event')).length - got.length;
      console.log(`${target}, cut ${cut}: ${sent.length} reports, ${started.queued} still queued at restart, ${dupes} duplicates dropped by report id`);
      await stopped(g);
    } finally {
      await v.close();
    }
  }, 90_000);
});

describe.each(['node', 'x86_64', 'aarch64'] as const)('MQTT client on %s under a burst', (target) => {
  it('commits and publishes 200 reports past the window, in order (publish throughput figure)', async () => {
    const id = `${idOf(target)}-burst`;
    const flash = await gateway(h, id);
    const v = await Receiver.connect(h, id);
    const g = start(target, flash, id);
    try {
      await g.next('connected');
      g.send({ op: 'burst', n: 200, size: 256 });
      const queued = await g.next('burst-queued');
      const done = await g.next('burst-done', () => true, 60_000);
      await v.until(() => v.unique(topic(id, 'event')).length === 200, '200 reports');
      const ids = v.unique(topic(id, 'event')).map((r) => Number(r.reportId));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const ms = done.elapsedMs as number;
      console.log(`${target} burst: 200 × 256 B committed in ${Math.round(queued.elapsedMs as number)} ms, all acknowledged after ${Math.round(ms)} ms (${Math.round(200_000 / ms)} reports/s)`);
      await stopped(g);
    } finally {
      await v.close();
    }
  }, 90_000);
});
