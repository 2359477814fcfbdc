// The transport figures of npm run bench, against one Mosquitto on loopback configured per the
// broker recipe (scripts/lib/broker.ts: TLS 1.3, client certificates from the hospital CA):
// connect() → CONNACK and QoS 1 report throughput of the agent's client in zw-host (x86_64;
// aarch64 under qemu-user), on the Node ports, and MQTT.js under Node with a device certificate
// of the same kind (Ed25519, issued by the same CA from a CSR) as the baseline; then the
// reconnect storm of 200 gateways (scripts/bench/storm.ts).
import { webcrypto } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { makeNodeLog, nodePlatform } from '../../hardware/node/platform.ts';
import { closeHospital, gateway, hospital, type Hospital } from '../lib/hospital.ts';
import { buildBytecode, ROOT, runBytecode, type Arch } from '../lib/host.ts';
import { privateKeyPem, x509 } from '../lib/pki/x509.ts';
import { benchStorm, quantile } from './storm.ts';
import { benchHandshakes, benchPublish, type BrokerAt } from './transport-workload.ts';

export const HANDSHAKES = 20;
export const REPORTS = 1000;
export const REPORT_BYTES = 256;
type Row = (what: string, figure: string, note?: string) => void;
type Impl = Arch | 'node';

const median = (xs: number[]): number => quantile(xs, 0.5);

/** The gateway program in zw-host, or the same workload on the Node ports in this process. */
async function agent(impl: Impl, bc: string, flash: string, args: string[], node: (p: ReturnType<typeof nodePlatform>) => Promise<object>): Promise<Record<string, unknown>> {
  if (impl === 'node') {
    const p = nodePlatform(flash, { log: makeNodeLog(() => {}) });
    try {
      return (await node(p)) as Record<string, unknown>;
    } finally {
      p.close();
    }
  }
  const r = runBytecode(bc, { arch: impl, flash, args, hostArgs: ['--watchdog-ms', '600000'], timeoutMs: 300_000 });
  const l = r.stdout.split('\n').find((x) => x.startsWith('ZW-BENCH '));
  if (r.status !== 0 || !l) throw new Error(`transport benchmark ${args.join(' ')} on ${impl} failed: ${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(l.slice(9)) as Record<string, unknown>;
}

/** MQTT.js's material: an Ed25519 key made here and a device certificate for it from a CSR. */
async function mqttJsDevice(h: Hospital, id: string): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${id}`, keys, signingAlgorithm: { name: 'Ed25519' } });
  const issued = await h.ca.signDevice(new TextEncoder().encode(csr.toString('pem')), { validity: { days: 30 } });
  return { cert: issued.certPem, key: await privateKeyPem(keys.privateKey) };
}

function mqttJsConnect(h: Hospital, id: string, d: { cert: string; key: string }): Promise<MqttClient> {
  const c = mqtt.connect({
    host: h.broker.host, port: h.broker.port, protocol: 'mqtts', protocolVersion: 5, clientId: id, ca: h.caPem, cert: d.cert, key: d.key,
    clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0, connectTimeout: 10_000,
  });
  return new Promise((ok, ko) => { c.once('connect', () => ok(c)); c.once('error', ko); c.once('close', () => ko(new Error('MQTT.js: closed before CONNACK'))); });
}

async function mqttJsHandshakes(h: Hospital, id: string, d: { cert: string; key: string }, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const c = await mqttJsConnect(h, id, d);
    ms.push(performance.now() - t0);
    await c.endAsync();
  }
  return ms;
}

async function mqttJsPublish(h: Hospital, id: string, d: { cert: string; key: string }, n: number, size: number): Promise<number> {
  const c = await mqttJsConnect(h, id, d);
  try {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => c.publishAsync(`zw/v1/${id}/event`, Buffer.alloc(size, 0x61 + (i % 26)), { qos: 1, properties: { userProperties: { 'report-id': String(i + 1) } } })));
    return performance.now() - t0;
  } finally {
    await c.endAsync();
  }
}

const LABEL: Record<Impl, string> = { x86_64: 'agent client in zw-host x86_64', aarch64: 'agent client in zw-host aarch64, qemu-user', node: 'agent client on the Node ports' };

export async function benchTransport(dir: string, row: Row): Promise<void> {
  const bc = join(dir, 'transport.qjsbc');
  await buildBytecode(join(ROOT, 'scripts/bench/transport-host.ts'), bc);
  const h = await hospital();
  try {
    const at = (id: string): BrokerAt => ({ deviceId: id, host: h.broker.host, port: h.broker.port });
    const args = (what: string, id: string, ...more: number[]) => [what, ...more.map(String), h.broker.host, String(h.broker.port), id];
    const js = await mqttJsDevice(h, 'gw-bench-mqttjs');
    const base = median(await mqttJsHandshakes(h, 'gw-bench-mqttjs', js, HANDSHAKES));
    row(`MQTT connect() → CONNACK, TLS 1.3 + client certificate: MQTT.js under Node (median of ${HANDSHAKES})`, `${base.toFixed(1)} ms`, 'baseline; Ed25519 device certificate');
    for (const impl of ['x86_64', 'node', 'aarch64'] as const) {
      const id = `gw-bench-hs-${impl === 'x86_64' ? 'x64' : impl === 'aarch64' ? 'arm' : 'node'}`;
      const flash = await gateway(h, id);
      const r = await agent(impl, bc, flash, args('handshake', id, HANDSHAKES), (p) => benchHandshakes(p, at(id), HANDSHAKES));
      const m = median(r.ms as number[]);
      row(`MQTT connect() → CONNACK, TLS 1.3 + client certificate: ${LABEL[impl]} (median of ${HANDSHAKES})`, `${m.toFixed(1)} ms`, `${impl === 'aarch64' ? 'emulated; ' : ''}${(m / base).toFixed(2)}× MQTT.js's time; certificate and tls key from secure`);
      rmSync(flash, { force: true });
    }

    const jsMs = await mqttJsPublish(h, 'gw-bench-mqttjs', js, REPORTS, REPORT_BYTES);
    const jsRate = REPORTS / (jsMs / 1000);
    row(`QoS 1 publish, ${REPORTS} × ${REPORT_BYTES} B until the last PUBACK: MQTT.js under Node, no store`, `${jsRate.toFixed(0)} msg/s`, `baseline; ${jsMs.toFixed(0)} ms`);
    for (const impl of ['x86_64', 'node', 'aarch64'] as const) {
      const id = `gw-bench-pub-${impl === 'x86_64' ? 'x64' : impl === 'aarch64' ? 'arm' : 'node'}`;
      const flash = await gateway(h, id);
      const r = await agent(impl, bc, flash, args('publish', id, REPORTS, REPORT_BYTES), (p) => benchPublish(p, at(id), REPORTS, REPORT_BYTES));
      const rate = r.reportsPerS as number;
      row(`QoS 1 reports, ${REPORTS} × ${REPORT_BYTES} B, each committed to the store, sent, PUBACKed, removed: ${LABEL[impl]}`, `${rate.toFixed(0)} reports/s`,
        `${impl === 'aarch64' ? 'emulated; ' : ''}${(rate / jsRate).toFixed(2)}× MQTT.js's rate; commits alone ${(r.committedMs as number).toFixed(0)} ms of ${(r.ms as number).toFixed(0)} ms`);
      rmSync(flash, { force: true });
    }

    await benchStorm(h, row);
  } finally {
    await closeHospital(h);
  }
}
