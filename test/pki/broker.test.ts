// The hospital broker for real: Mosquitto configured per DESIGN.md §"Broker recipe" with
// certificates from zw pki, and MQTT.js clients over mutual TLS 1.3 (MQTT v5). Each device
// may use its own zw/v1/<id>/ topics only; the verifier reads everything and writes challenge,
// cmd and update; the broker refuses client certificates from another CA, expired or revoked
// ones, and TLS 1.2; a client refuses a broker certificate for another IP address.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/host.ts';
import { HospitalCa } from '../../scripts/lib/pki/ca.ts';
import { Broker } from '../../scripts/lib/broker.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-broker-test-'));
const pki = join(dir, 'pki');
const DAY = 86_400_000;

/** A device key made by the test (not from secure) and its CSR, via OpenSSL. */
function deviceKey(id: string, alg: 'ed25519' | 'p256' = 'ed25519'): { key: string; csr: string } {
  const key = join(dir, `${id}.key.pem`);
  const csr = join(dir, `${id}.csr`);
  const newkey = alg === 'ed25519' ? ['-newkey', 'ed25519'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  execFileSync('openssl', ['req', '-new', ...newkey, '-nodes', '-keyout', key, '-subj', `/CN=${id}`, '-addext', `subjectAltName=DNS:${id}`, '-out', csr], { stdio: 'ignore' });
  return { key, csr };
}

interface Identity { cert: string; key: string }
const id: Record<string, Identity> = {};
let broker: Broker;
const clients: MqttClient[] = [];

beforeAll(async () => {
  const sub = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'pki', ...a, '--dir', pki], { encoding: 'utf8' });
  for (const args of [['init'], ['issue-broker', '--ip', '127.0.0.1', '--ip', '10.0.2.2'], ['issue-verifier', '--alg', 'p256'],
    ['issue-broker', '--ip', '10.0.2.2', '-o', join(dir, 'wrong-ip.pem')]]) {
    const r = sub(...args);
    if (r.status !== 0) throw new Error(`zw pki ${args.join(' ')}: ${r.stderr}`);
  }
  id.verifier = { cert: join(pki, 'verifier.pem'), key: join(pki, 'verifier.key.pem') };
  for (const [name, alg] of [['gw-a', 'ed25519'], ['gw-b', 'p256'], ['gw-revoked', 'ed25519']] as const) {
    const k = deviceKey(name, alg);
    const r = sub('sign-device', k.csr, '-o', join(dir, `${name}.pem`));
    if (r.status !== 0) throw new Error(r.stderr);
    id[name] = { cert: join(dir, `${name}.pem`), key: k.key };
  }
  // An expired certificate (the CLI issues only from now on) and one from another hospital's CA.
  const expired = deviceKey('gw-expired');
  const now = Date.now();
  const e = await HospitalCa.change(pki, (ca) => ca.signDevice(readFileSync(expired.csr), { validity: { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) } }));
  id['gw-expired'] = { cert: writeTmp('gw-expired.pem', e.certPem), key: expired.key };
  const other = await HospitalCa.init(join(dir, 'other-pki'), { alg: 'ed25519', days: 365, cn: 'Ziekenhuis West CA' });
  const stranger = deviceKey('gw-stranger');
  const s = await other.signDevice(readFileSync(stranger.csr), { validity: { days: 30 } });
  id['gw-stranger'] = { cert: writeTmp('gw-stranger.pem', s.certPem), key: stranger.key };

  broker = await Broker.start({ ca: join(pki, 'ca.pem'), cert: join(pki, 'broker.pem'), key: join(pki, 'broker.key.pem'), crl: join(pki, 'crl.pem') });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

afterAll(async () => {
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function writeTmp(name: string, data: string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** MQTT.js hands every option to tls.connect, maxVersion included. */
type Options = IClientOptions & Pick<ConnectionOptions, 'maxVersion'>;

function options(who: Identity, extra: Options): Options {
  return {
    host: broker.host, port: broker.port, protocol: 'mqtts', protocolVersion: 5,
    ca: readFileSync(join(pki, 'ca.pem')), cert: readFileSync(who.cert), key: readFileSync(who.key),
    reconnectPeriod: 0, connectTimeout: 5000, ...extra,
  };
}

/** Connects as `who`; fails on any error before CONNACK. */
async function connect(who: Identity, extra: Options = {}): Promise<MqttClient> {
  const c = mqtt.connect(options(who, extra));
  clients.push(c);
  await new Promise<void>((ok, ko) => {
    c.once('connect', () => ok());
    c.once('error', ko);
    c.once('close', () => ko(new Error('closed before CONNACK')));
  });
  return c;
}

/** The error a connection attempt ends with; fails if the broker lets it in. */
async function refusal(who: Identity, extra: Options = {}): Promise<NodeJS.ErrnoException> {
  const c = mqtt.connect(options(who, extra));
  clients.push(c);
  return new Promise((ok, ko) => {
    c.once('connect', () => ko(new Error('the broker accepted the connection')));
    c.once('error', (e) => ok(e as NodeJS.ErrnoException));
    c.once('close', () => ko(new Error('closed without an error')));
  });
}

type Msg = { topic: string; payload: string };
function inbox(c: MqttClient): Msg[] {
  const got: Msg[] = [];
  c.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  return got;
}

async function until(got: Msg[], topic: string, payload: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!got.some((m) => m.topic === topic && m.payload === payload)) {
    if (Date.now() > deadline) throw new Error(`never received ${payload} on ${topic}; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('broker (Mosquitto, mutual TLS 1.3, MQTT v5) with zw pki certificates', () => {
  it('a device publishes and subscribes on its own topics; its username is its certificate\'s CN', async () => {
    const v = await connect(id.verifier!);
    const vGot = inbox(v);
    await v.subscribeAsync('zw/v1/+/#', { qos: 1 });
    const a = await connect(id['gw-a']!, { clientId: 'gw-a-main' });
    const aGot = inbox(a);
    const [granted] = await a.subscribeAsync('zw/v1/gw-a/cmd', { qos: 1 });
    expect(granted!.qos).toBe(1);
    await v.publishAsync('zw/v1/gw-a/cmd', 'reboot', { qos: 1 });
    await until(aGot, 'zw/v1/gw-a/cmd', 'reboot');
    await a.publishAsync('zw/v1/gw-a/attest', 'token', { qos: 1 });
    await until(vGot, 'zw/v1/gw-a/attest', 'token');
    await broker.waitForLog(/New client connected from 127\.0\.0\.1:\d+ as gw-a-main \(p5, c1, k\d+, u'gw-a'\)/);
  });

  it('a device\'s publish to another device\'s topic is denied and never delivered', async () => {
    const v = await connect(id.verifier!);
    const vGot = inbox(v);
    await v.subscribeAsync('zw/v1/+/#', { qos: 1 });
    const b = await connect(id['gw-b']!);
    const bGot = inbox(b);
    await b.subscribeAsync('zw/v1/gw-b/#', { qos: 1 });
    const a = await connect(id['gw-a']!, { clientId: 'gw-a-forger' });
    await expect(a.publishAsync('zw/v1/gw-b/attest', 'forged', { qos: 1 })).rejects.toThrow(/Not authorized/);
    await a.publishAsync('zw/v1/gw-b/status', 'forged-qos0', { qos: 0 });
    // gw-a's next publish is routed after the refused ones; once it arrives, they never will.
    await a.publishAsync('zw/v1/gw-a/event', 'fence', { qos: 1 });
    await until(vGot, 'zw/v1/gw-a/event', 'fence');
    await b.publishAsync('zw/v1/gw-b/event', 'own', { qos: 1 });
    await until(bGot, 'zw/v1/gw-b/event', 'own');
    expect([...vGot, ...bGot].filter((m) => m.payload.startsWith('forged'))).toEqual([]);
    await broker.waitForLog(/Denied PUBLISH from gw-a-forger \(d0, q1, r0, m\d+, 'zw\/v1\/gw-b\/attest'/);
  });

  it('a device subscribed to zw/v1/# receives only its own topics', async () => {
    const v = await connect(id.verifier!);
    const b = await connect(id['gw-b']!);
    const a = await connect(id['gw-a']!);
    const aGot = inbox(a);
    await a.subscribeAsync('zw/v1/#', { qos: 1 });
    await b.publishAsync('zw/v1/gw-b/status', 'online', { qos: 1 });
    await v.publishAsync('zw/v1/gw-b/challenge', 'nonce-b', { qos: 1 });
    await v.publishAsync('zw/v1/gw-a/challenge', 'nonce-a', { qos: 1 });
    await until(aGot, 'zw/v1/gw-a/challenge', 'nonce-a');
    expect(aGot.map((m) => m.topic)).toEqual(['zw/v1/gw-a/challenge']);
  });

  it('the verifier reads zw/v1/+/# and writes challenge, cmd and update — but not attest', async () => {
    const a = await connect(id['gw-a']!);
    const aGot = inbox(a);
    await a.subscribeAsync('zw/v1/gw-a/#', { qos: 1 });
    const v = await connect(id.verifier!);
    for (const t of ['challenge', 'cmd', 'update']) await v.publishAsync(`zw/v1/gw-a/${t}`, `to-${t}`, { qos: 1 });
    await expect(v.publishAsync('zw/v1/gw-a/attest', 'forged', { qos: 1 })).rejects.toThrow(/Not authorized/);
    await expect(v.publishAsync('zw/v1/gw-a/status', 'forged', { qos: 1 })).rejects.toThrow(/Not authorized/);
    await v.publishAsync('zw/v1/gw-a/cmd', 'fence', { qos: 1 });
    await until(aGot, 'zw/v1/gw-a/cmd', 'fence');
    expect(aGot.map((m) => `${m.topic} ${m.payload}`)).toEqual([
      'zw/v1/gw-a/challenge to-challenge', 'zw/v1/gw-a/cmd to-cmd', 'zw/v1/gw-a/update to-update', 'zw/v1/gw-a/cmd fence',
    ]);
  });

  it('refuses a client certificate from another CA and an expired one', async () => {
    const stranger = await refusal(id['gw-stranger']!);
    expect(stranger.code).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    const expired = await refusal(id['gw-expired']!);
    expect(expired.code).toBe('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED');
    expect(broker.log()).not.toMatch(/u'gw-(stranger|expired)'/);
    expect(broker.log()).toMatch(/OpenSSL Error\[0\]: error:0A000086:SSL routines::certificate verify failed/);
  });

  it('refuses a certificate once zw pki revoke has put it on the CRL and the broker has reloaded it', async () => {
    await (await connect(id['gw-revoked']!)).endAsync();
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'pki', 'revoke', 'gw-revoked', '--reason', 'keyCompromise', '--dir', pki], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    await broker.reload({ crl: join(pki, 'crl.pem') });
    const revoked = await refusal(id['gw-revoked']!);
    expect(revoked.code).toBe('ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED');
    expect(revoked.message).toContain('SSL alert number 44');
  });

  it('refuses a TLS 1.2-only client with alert 70 (protocol version)', async () => {
    const e = await refusal(id['gw-a']!, { maxVersion: 'TLSv1.2' });
    expect(e.message).toMatch(/alert protocol version/);
    expect(e.message).toMatch(/SSL alert number 70/);
  });

  it('a client refuses a broker certificate for another IP address; a restart keeps the persistent session', async () => {
    // A persistent session with a QoS 1 subscription, and a command queued while gw-a is away.
    const a = await connect(id['gw-a']!, { clientId: 'gw-a-persistent', clean: false, properties: { sessionExpiryInterval: 3600 } });
    await a.subscribeAsync('zw/v1/gw-a/cmd', { qos: 1 });
    await a.endAsync();
    const v = await connect(id.verifier!);
    await v.publishAsync('zw/v1/gw-a/cmd', 'while-away', { qos: 1 });
    await v.endAsync();

    const port = broker.port;
    await broker.restart({ cert: join(dir, 'wrong-ip.pem'), key: join(dir, 'wrong-ip.key.pem') });
    expect(broker.port).toBe(port);
    const e = await refusal(id.verifier!);
    expect(e.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(e.message).toContain("IP: 127.0.0.1 is not in the cert's list: 10.0.2.2");

    await broker.restart({ cert: join(pki, 'broker.pem'), key: join(pki, 'broker.key.pem') });
    const again = mqtt.connect(options(id['gw-a']!, { clientId: 'gw-a-persistent', clean: false, properties: { sessionExpiryInterval: 3600 } }));
    clients.push(again);
    const got = inbox(again);
    await until(got, 'zw/v1/gw-a/cmd', 'while-away');
  });
});
