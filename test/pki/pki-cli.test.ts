// zw pki: the hospital CA on the command line — the certificates it issues, the device CSRs it
// refuses, revocation and the CRL, with OpenSSL as the independent oracle.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { freePort, MOSQUITTO } from '../../scripts/lib/broker.ts';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/host.ts';
import { HospitalCa } from '../../scripts/lib/pki/ca.ts';
import { generateKeyPair, SIGNING, x509 } from '../../scripts/lib/pki/x509.ts';
import type { PkiAlg } from '../../scripts/lib/pki/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-pki-'));
const pki = join(dir, 'pki');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zw(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'pki', ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function openssl(...args: string[]) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** As root, Mosquitto must run as an account that can read the key: hand it the folder. */
function runAsBrokerAccount(folder: string): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const [, , uid, gid] = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mosquitto:'))!.split(':');
  const a = { uid: Number(uid), gid: Number(gid) };
  chmodSync(dirname(folder), 0o755); // the test's own temporary folder is 0700
  chownSync(folder, a.uid, a.gid);
  for (const f of readdirSync(folder, { recursive: true }) as string[]) chownSync(join(folder, f), a.uid, a.gid);
  return a;
}

const text = (file: string) => execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });

/** A CSR made in the test: its own key, any subject, any SAN (null: none). */
async function csr(name: x509.JsonName | string, san: x509.JsonGeneralNames | null, alg: PkiAlg = 'ed25519'): Promise<string> {
  const keys = await generateKeyPair(alg);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name, keys, signingAlgorithm: SIGNING[alg],
    extensions: san ? [new x509.SubjectAlternativeNameExtension(san)] : [],
  });
  return req.toString('pem');
}

function file(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const deviceCsr = async (id: string, alg: PkiAlg = 'ed25519') => file(`${id}-${alg}.csr`, await csr([{ CN: [id] }], [{ type: 'dns', value: id }], alg));

describe('zw pki', () => {
  beforeAll(() => {
    const r = zw('init', '--dir', pki, '--name', 'Ziekenhuis Oost CA', '--json');
    expect(r.status, r.err).toBe(0);
  });

  it('init makes a CA certificate, a 0600 key, a serial counter, an index and an empty CRL; never a second CA', () => {
    expect(statSync(join(pki, 'ca.key.pem')).mode & 0o777).toBe(0o600);
    const ca = text(join(pki, 'ca.pem'));
    expect(ca).toMatch(/Issuer: CN = Ziekenhuis Oost CA/);
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(ca).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(ca).toMatch(/Subject Key Identifier/);
    expect(ca).toMatch(/ED25519/);
    expect(readFileSync(join(pki, 'serial'), 'utf8').trim()).toBe('2');
    expect(JSON.parse(readFileSync(join(pki, 'index.json'), 'utf8')).certificates).toEqual([]);
    const crl = openssl('crl', '-in', join(pki, 'crl.pem'), '-CAfile', join(pki, 'ca.pem'), '-noout', '-text');
    expect(crl.out).toContain('verify OK');
    expect(crl.out).toContain('No Revoked Certificates');
    const again = zw('init', '--dir', pki);
    expect(again.status).toBe(3);
    expect(again.err).toContain('pki.exists');
  });

  it('issue-broker: a server certificate for the broker\'s IP addresses (serverAuth)', () => {
    const r = zw('issue-broker', '--dir', pki, '--ip', '127.0.0.1', '--ip', '10.0.2.2', '--dns', 'broker.ward3.example', '--json');
    expect(r.status, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'broker', cn: 'broker', serial: '02' });
    expect(statSync(join(pki, 'broker.key.pem')).mode & 0o777).toBe(0o600);
    const t = text(join(pki, 'broker.pem'));
    expect(t).toContain('IP Address:127.0.0.1, IP Address:10.0.2.2, DNS:broker.ward3.example');
    expect(t).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(t).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(t).toMatch(/Extended Key Usage: \s+TLS Web Server Authentication\n/);
    expect(t).toMatch(/Authority Key Identifier/);
    expect(openssl('verify', '-purpose', 'sslserver', '-CAfile', join(pki, 'ca.pem'), join(pki, 'broker.pem')).out).toContain(': OK');
    expect(zw('issue-broker', '--dir', pki, '--ip', '127.0.0.1').status).toBe(3); // broker.pem exists
    expect(zw('issue-broker', '--dir', pki).status).toBe(2);
    expect(zw('issue-broker', '--dir', pki, '--ip', 'broker.local', '-o', join(dir, 'b2.pem')).status).toBe(2);
    expect(zw('issue-broker', '--dir', pki, '--ip', '127.0.0.1', '--days', '99999', '-o', join(dir, 'b2.pem')).status).toBe(2);
  });

  it('issue-verifier: a client certificate with CN verifier (clientAuth), P-256 on request', () => {
    const r = zw('issue-verifier', '--dir', pki, '--alg', 'p256');
    expect(r.status, r.err).toBe(0);
    const t = text(join(pki, 'verifier.pem'));
    expect(t).toContain('Subject: CN = verifier');
    expect(t).toMatch(/Extended Key Usage: \s+TLS Web Client Authentication\n/);
    expect(t).toContain('ASN1 OID: prime256v1');
    expect(openssl('verify', '-purpose', 'sslclient', '-CAfile', join(pki, 'ca.pem'), join(pki, 'verifier.pem')).out).toContain(': OK');
  });

  it('broker-config: a Mosquitto runs from the files it writes; the verifier connects with TLS 1.3, no one connects without a certificate', async () => {
    const out = join(dir, 'broker');
    const port = await freePort();
    const r = zw('broker-config', '--dir', pki, '--out', out, '--bind', '127.0.0.1', '--port', String(port));
    expect(r.status, r.err).toBe(0);
    expect(statSync(join(out, 'broker.key.pem')).mode & 0o777).toBe(0o600);
    const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
    for (const line of [`listener ${port} 127.0.0.1`, 'require_certificate true', 'use_identity_as_username true', 'tls_version tlsv1.3', 'allow_anonymous false', `crlfile ${out}/crl.pem`]) expect(conf).toContain(line);
    expect(readFileSync(join(out, 'acl'), 'utf8')).toContain('pattern readwrite zw/v1/%u/#');
    expect(zw('broker-config', '--dir', pki, '--out', out).status).toBe(3); // exists
    expect(zw('broker-config', '--dir', pki, '--out', out, '--bind', 'localhost', '--force').status).toBe(2);
    const account = runAsBrokerAccount(out);
    const broker = spawn(MOSQUITTO, ['-c', join(out, 'mosquitto.conf')], { stdio: 'ignore', ...account });
    try {
      const opts = { host: '127.0.0.1', port, protocol: 'mqtts' as const, protocolVersion: 5 as const, ca: readFileSync(join(pki, 'ca.pem')), reconnectPeriod: 0, connectTimeout: 5000 };
      let c: mqtt.MqttClient | undefined;
      for (let i = 0; i < 100 && !c; i++) {
        c = await mqtt.connectAsync({ ...opts, cert: readFileSync(join(pki, 'verifier.pem')), key: readFileSync(join(pki, 'verifier.key.pem')) }).catch(async () => { await new Promise((ok) => setTimeout(ok, 50)); return undefined; });
      }
      expect(c, readFileSync(join(out, 'mosquitto.log'), 'utf8')).toBeDefined();
      await c!.endAsync();
      await expect(mqtt.connectAsync(opts)).rejects.toThrow();
    } finally {
      broker.kill('SIGKILL');
    }
  });

  it('sign-device: a client certificate with CN and DNS SAN = the device id; a second live one only with --replace', async () => {
    const a = await deviceCsr('gw-ward3-01', 'p256');
    const r = zw('sign-device', a, '--dir', pki, '--json');
    expect(r.status, r.err).toBe(0);
    const first = JSON.parse(r.out);
    expect(first).toMatchObject({ kind: 'device', cn: 'gw-ward3-01', cert: join(pki, 'devices', 'gw-ward3-01.pem') });
    const t = text(join(pki, 'devices/gw-ward3-01.pem'));
    expect(t).toContain('Subject: CN = gw-ward3-01');
    expect(t).toContain('DNS:gw-ward3-01');
    expect(t).toMatch(/Extended Key Usage: \s+TLS Web Client Authentication\n/);
    expect(openssl('verify', '-purpose', 'sslclient', '-CAfile', join(pki, 'ca.pem'), join(pki, 'devices/gw-ward3-01.pem')).out).toContain(': OK');

    const again = zw('sign-device', await deviceCsr('gw-ward3-01'), '--dir', pki);
    expect(again.status).toBe(1);
    expect(again.err).toContain('pki.live');
    const replaced = zw('sign-device', join(dir, 'gw-ward3-01-ed25519.csr'), '--dir', pki, '--replace', '--json');
    expect(replaced.status, replaced.err).toBe(0);
    expect(JSON.parse(replaced.out).revoked).toEqual([first.serial]);
    const crl = openssl('crl', '-in', join(pki, 'crl.pem'), '-noout', '-text').out;
    expect(crl).toContain(`Serial Number: ${first.serial.toUpperCase()}`);
    expect(crl).toContain('Superseded');
  });

  it('sign-device refuses device ids that break the rules, reserved names included (device.id, exit 1)', async () => {
    for (const id of ['verifier', 'gw+1']) {
      const r = zw('sign-device', file(`bad-${id.length}.csr`, await csr([{ CN: [id] }], null)), '--dir', pki);
      expect(r.status, id).toBe(1);
      expect(r.err, id).toContain('device.id');
    }
    const ca = await HospitalCa.open(pki);
    for (const id of ['admin', 'broker', 'gw#1', 'gw/1', 'GW-1', 'gw_1', 'ab', '-gw1', 'x'.repeat(64)]) {
      const bytes = new TextEncoder().encode(await csr([{ CN: [id] }], [{ type: 'dns', value: id.toLowerCase() }]));
      await expect(ca.signDevice(bytes, { validity: { days: 1 } }), id).rejects.toMatchObject({ reason: 'device.id' });
    }
    expect(ca.find('device').map((c) => c.cn)).toEqual(['gw-ward3-01', 'gw-ward3-01']);
  });

  it('sign-device refuses a CSR whose signature does not verify, CN/SAN mismatches, extra subject parts, RSA keys, junk', async () => {
    const good = await csr([{ CN: ['gw-ward3-02'] }], [{ type: 'dns', value: 'gw-ward3-02' }]);
    const der = new Uint8Array(x509.PemConverter.decodeFirst(good));
    der[der.length - 1]! ^= 0x01; // inside the signature BIT STRING
    const cases: [string, string | Uint8Array, string][] = [
      ['bad signature', der, 'pki.csr.signature'],
      ['SAN for another id', await csr([{ CN: ['gw-ward3-02'] }], [{ type: 'dns', value: 'gw-ward3-03' }]), 'pki.csr.san'],
      ['SAN with an IP', await csr([{ CN: ['gw-ward3-02'] }], [{ type: 'dns', value: 'gw-ward3-02' }, { type: 'ip', value: '10.0.0.9' }]), 'pki.csr.san'],
      ['two CNs', await csr([{ CN: ['gw-ward3-02'] }, { CN: ['gw-ward3-03'] }], null), 'pki.csr.subject'],
      ['O and CN', await csr([{ O: ['Ziekenhuis'] }, { CN: ['gw-ward3-02'] }], null), 'pki.csr.subject'],
      ['not a CSR', 'hello', 'pki.csr.malformed'],
    ];
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'rsa.key'), '-subj', '/CN=gw-ward3-02', '-out', join(dir, 'rsa.csr')], { stdio: 'ignore' });
    cases.push(['RSA key', readFileSync(join(dir, 'rsa.csr')), 'pki.csr.alg']);
    const ca = await HospitalCa.open(pki);
    for (const [what, bytes, reason] of cases) {
      const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
      await expect(ca.signDevice(b, { validity: { days: 1 } }), what).rejects.toMatchObject({ reason });
    }
    const r = zw('sign-device', file('bad-sig.der', der), '--dir', pki);
    expect(r.status).toBe(1);
    expect(r.err).toContain('pki.csr.signature');
    const m = zw('sign-device', file('mismatch.csr', cases[1]![1]), '--dir', pki);
    expect(m.status).toBe(1);
    expect(m.err).toContain('pki.csr.san');
  });

  it('refuses a validity past the CA\'s own expiry (pki.validity)', async () => {
    const r = zw('sign-device', await deviceCsr('gw-ward3-04'), '--dir', pki, '--days', '4000');
    expect(r.status).toBe(1);
    expect(r.err).toContain('pki.validity');
  });

  it('revoke puts the certificate on the re-signed CRL, and openssl verify -crl_check agrees', async () => {
    expect(zw('sign-device', await deviceCsr('gw-ward3-05'), '--dir', pki).status).toBe(0);
    const r = zw('revoke', 'gw-ward3-05', '--dir', pki, '--reason', 'keyCompromise', '--json');
    expect(r.status, r.err).toBe(0);
    const [rev] = JSON.parse(r.out).revoked;
    expect(rev).toMatchObject({ cn: 'gw-ward3-05', reason: 'keyCompromise' });
    const crl = openssl('crl', '-in', join(pki, 'crl.pem'), '-CAfile', join(pki, 'ca.pem'), '-noout', '-text').out;
    expect(crl).toContain('verify OK');
    expect(crl).toContain(`Serial Number: ${rev.serial.toUpperCase()}`);
    expect(crl).toContain('Key Compromise');
    const check = (f: string) => openssl('verify', '-crl_check', '-CAfile', join(pki, 'ca.pem'), '-CRLfile', join(pki, 'crl.pem'), f);
    const revoked = check(join(pki, 'devices/gw-ward3-05.pem'));
    expect(revoked.status).not.toBe(0);
    expect(revoked.out).toContain('certificate revoked');
    expect(check(join(pki, 'devices/gw-ward3-01.pem')).out).toContain(': OK');
    expect(check(join(pki, 'verifier.pem')).out).toContain(': OK');

    const twice = zw('revoke', 'gw-ward3-05', '--dir', pki);
    expect(twice.status).toBe(1);
    expect(twice.err).toContain('pki.revoked');
    const unknown = zw('revoke', 'gw-nowhere', '--dir', pki);
    expect(unknown.status).toBe(1);
    expect(unknown.err).toContain('pki.unknown');
    expect(zw('revoke', `0x${rev.serial}`, '--dir', pki).err).toContain('pki.revoked');
  });

  it('show lists the CA, every certificate with its status, and the CRL', () => {
    const r = zw('show', '--dir', pki, '--json');
    expect(r.status, r.err).toBe(0);
    const v = JSON.parse(r.out);
    expect(v.ca).toMatchObject({ subject: 'CN=Ziekenhuis Oost CA', alg: 'ed25519' });
    const status = Object.fromEntries(v.certificates.map((c: { serial: string; cn: string; status: string }) => [c.serial, `${c.cn} ${c.status}`]));
    expect(Object.values(status)).toEqual(['broker valid', 'verifier valid', 'gw-ward3-01 revoked', 'gw-ward3-01 valid', 'gw-ward3-05 revoked']);
    expect(v.crl.revoked).toHaveLength(2);
    expect(zw('show', '--dir', pki).out).toContain('gw-ward3-05 (keyCompromise)');
    expect(zw('show', '--dir', join(dir, 'nothing')).status).toBe(3);
  });

  it('crl re-signs the CRL with a higher number; show warns (exit 4) once its next update has passed', async () => {
    await HospitalCa.change(pki, (ca) => ca.writeCrl(new Date(Date.now() - 3 * 86_400_000), 1));
    const stale = zw('show', '--dir', pki, '--json');
    expect(stale.status).toBe(4);
    const before = JSON.parse(stale.out).crl;
    expect(before.expired).toBe(true);
    const r = zw('crl', '--dir', pki, '--crl-days', '7', '--json');
    expect(r.status, r.err).toBe(0);
    expect(Date.parse(JSON.parse(r.out).nextUpdate) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const fresh = zw('show', '--dir', pki, '--json');
    expect(fresh.status).toBe(0);
    const after = JSON.parse(fresh.out).crl;
    expect(Number(after.number)).toBe(Number(before.number) + 1);
    expect(after.revoked).toEqual(before.revoked);
  });

  it('--help documents every subcommand; unknown subcommands are usage errors', () => {
    const h = zw('--help');
    expect(h.status).toBe(0);
    for (const s of ['init', 'issue-broker', 'issue-verifier', 'sign-device', 'revoke', 'crl', 'show']) expect(h.out).toContain(`zw pki ${s}`);
    expect(zw('sign-device', '--help').out).toContain('zw pki sign-device');
    expect(zw('frobnicate').status).toBe(2);
    expect(zw().status).toBe(2);
  });
});
