// Enrolment of a gateway: zw provision --csr (signed by the tls key inside the KeyStore, for an
// Ed25519 and a P-256 key; OpenSSL verifies it), zw pki sign-device, and zw provision
// --install-cert, which takes only a certificate for this device's key and id from the given CA,
// valid now — and writes the enrolment record for the verifier.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/host.ts';
import { HospitalCa } from '../../scripts/lib/pki/ca.ts';
import { deviceCsr, spkiOf } from '../../scripts/lib/pki/device.ts';
import { provision, readDevice } from '../../scripts/lib/provision.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-enrol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TRUST = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem');
const DAY = 86_400_000;

function zw(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const enc = (s: string) => new TextEncoder().encode(s);
function file(name: string, data: string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const PKI = join(dir, 'pki');
const OTHER_PKI = join(dir, 'other-pki');
beforeAll(async () => {
  await HospitalCa.init(PKI, { alg: 'ed25519', days: 3650, cn: 'Ziekenhuis Oost CA' });
  await HospitalCa.init(OTHER_PKI, { alg: 'p256', days: 3650, cn: 'Ziekenhuis West CA' });
});

/** Signs under the directory lock, on the index as the CLI left it. */
const sign = (pki: string, csr: Uint8Array, o: Parameters<HospitalCa['signDevice']>[1]) => HospitalCa.change(pki, (ca) => ca.signDevice(csr, o));

describe.each(['ed25519', 'p256'] as const)('enrolment with a %s tls key', (alg) => {
  const id = `gw-${alg}-01`;
  const flash = join(dir, `${id}.flash`);
  const csrFile = join(dir, `${id}.csr`);
  beforeAll(() => {
    provision({ id, flash, trustKeys: [TRUST], tlsAlg: alg });
  });

  it('zw provision --csr signs the request with the tls key in secure; openssl req -verify accepts it', () => {
    const r = zw('provision', '--csr', '--flash', flash, '-o', csrFile);
    expect(r.status, r.err).toBe(0);
    const v = spawnSync('openssl', ['req', '-in', csrFile, '-verify', '-noout', '-text'], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stderr + v.stdout).toMatch(/verify OK/);
    expect(v.stdout).toContain(`Subject: CN = ${id}`);
    expect(v.stdout).toContain(`DNS:${id}`);
    expect(v.stdout).toContain(alg === 'ed25519' ? 'Signature Algorithm: ED25519' : 'Signature Algorithm: ecdsa-with-SHA256');
    // The request's key is the device's tls key.
    const pub = execFileSync('openssl', ['req', '-in', csrFile, '-pubkey', '-noout'], { encoding: 'utf8' });
    const tls = readDevice(flash).keys.tls!.publicKey;
    expect(createPublicKey(pub).export({ type: 'spki', format: 'der' }).toString('hex')).toBe(Buffer.from(spkiOf(alg, Buffer.from(tls, 'hex'))).toString('hex'));
    const out = zw('provision', '--csr', '--flash', flash);
    expect(out.out).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(zw('provision', '--csr', '--flash', flash, '-o', csrFile).status).toBe(3); // exists
  });

  it('--install-cert refuses a certificate for another key, another id, from another CA, or expired — and writes nothing', async () => {
    const p = nodePlatform(flash);
    const forOtherId = deviceCsr(p.keys, `gw-${alg}-99`); // the device's own key, another id
    p.close();
    execFileSync('openssl', ['req', '-new', '-newkey', 'ed25519', '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', `/CN=${id}`, '-addext', `subjectAltName=DNS:${id}`, '-out', join(dir, 'other-key.csr')], { stdio: 'ignore' });
    const csr = readFileSync(csrFile);
    const now = Date.now();
    const cases: [string, () => Promise<{ certPem: string }>, string, string][] = [
      ['another key', () => sign(PKI, readFileSync(join(dir, 'other-key.csr')), { validity: { days: 30 }, replace: true }), 'pki.cert.key', 'pki/ca.pem'],
      ['another id', () => sign(PKI, enc(forOtherId), { validity: { days: 30 } }), 'pki.cert.id', 'pki/ca.pem'],
      ['another CA', () => sign(OTHER_PKI, csr, { validity: { days: 30 } }), 'pki.cert.chain', 'pki/ca.pem'],
      ['expired', () => sign(PKI, csr, { validity: { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }, replace: true }), 'pki.cert.validity', 'pki/ca.pem'],
      ['CA file holding only the leaf', () => sign(PKI, csr, { validity: { days: 30 }, replace: true }), 'pki.cert.chain', 'leaf'],
    ];
    for (const [what, issued, reason, caFile] of cases) {
      const cert = file(`${id}-${reason}.pem`, (await issued()).certPem);
      const r = zw('provision', '--install-cert', cert, '--ca', caFile === 'leaf' ? cert : join(dir, caFile), '--flash', flash);
      expect(r.status, what).toBe(1);
      expect(r.err, what).toContain(reason);
    }
    expect(readDevice(flash).certificate).toBeNull();
    const noCa = zw('provision', '--install-cert', join(dir, `${id}-pki.cert.key.pem`), '--flash', flash);
    expect(noCa.status).toBe(2);
  });

  it('zw pki sign-device + --install-cert: the certificate and CA go into secure, the enrolment record beside the flash', () => {
    const signed = zw('pki', 'sign-device', csrFile, '--dir', join(dir, 'pki'), '--replace', '-o', join(dir, `${id}.pem`));
    expect(signed.status, signed.err).toBe(0);
    const r = zw('provision', '--install-cert', join(dir, `${id}.pem`), '--ca', join(dir, 'pki/ca.pem'), '--flash', flash, '--json');
    expect(r.status, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.certificate).toMatchObject({ subject: `CN=${id}`, issuer: 'CN=Ziekenhuis Oost CA', ca: ['CN=Ziekenhuis Oost CA'] });
    expect(s.enrolment).toBe(join(dir, `${id}.enrolment.json`));
    const shown = zw('provision', '--show', '--flash', flash);
    expect(shown.out).toContain(`CN=${id}  serial ${s.certificate.serial}`);
    const e = JSON.parse(readFileSync(s.enrolment, 'utf8'));
    expect(e).toMatchObject({ version: 1, deviceId: id, attestKey: { kty: 'OKP', crv: 'Ed25519' } });
    expect(Buffer.from(e.attestKey.x, 'base64url').toString('hex')).toBe(s.keys.attest.publicKey);
    expect(e.certificate).toBe(readFileSync(join(dir, `${id}.pem`), 'utf8'));
    expect(Math.abs(Date.parse(e.issuedAt) - Date.now())).toBeLessThan(60_000);
    // The certificate in secure chains to the CA in secure (OpenSSL as the oracle).
    const v = spawnSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', join(dir, 'pki/ca.pem'), join(dir, `${id}.pem`)], { encoding: 'utf8' });
    expect(v.stdout).toContain(': OK');
  });
});
