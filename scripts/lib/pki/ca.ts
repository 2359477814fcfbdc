// The hospital CA (DESIGN.md §Contracts "Identities and topics", "Provisioning"): creates itself,
// issues the broker's server certificate, the verifier's client certificate (the only way to a
// certificate with CN `verifier`) and devices' client certificates from their CSRs, revokes,
// and keeps its CRL signed. Every change holds the directory lock (store.ts).
import { webcrypto } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ZwError } from '../../../hardware/errors.ts';
import { checkDeviceRequest } from './csr.ts';
import { issueCert, selfSignedCa, signCrl, validityDays, type EndEntity, type Issuer, type Validity } from './profiles.ts';
import {
  CRL_DAYS, FILES, hasCa, isLive, makeDirs, nextCrlNumber, pkiPath, readIndex, readText, replaceFile, serialHex, takeSerial, withLock, writeIndex,
  type CertKind, type IssuedCert, type PkiAlg, type PkiIndex, type RevokeReason,
} from './store.ts';
import { crlPem, generateKeyPair, importPrivateKey, pem, privateKeyPem, SIGNING, x509 } from './x509.ts';

/** Validity: a number of days from now, or explicit dates (tests; certificates for the past). */
export type ValiditySpec = { days: number } | Validity;

export interface InitOptions { alg: PkiAlg; days: number; cn: string; crlDays?: number; now?: Date }
export interface Issued { serial: string; cert: x509.X509Certificate; certPem: string; keyPem?: string; revokedSerials?: string[] }

function validity(spec: ValiditySpec, now: Date, ca: x509.X509Certificate): Validity {
  const v = 'days' in spec ? validityDays(spec.days, now) : spec;
  if (v.notAfter.getTime() > ca.notAfter.getTime()) {
    throw new ZwError('pki.validity', `the certificate would be valid until ${v.notAfter.toISOString()}, after the CA (${ca.notAfter.toISOString()})`);
  }
  return v;
}

/** Writes a file the CA hands out, making its folder; refuses to replace one unless `force`. */
export function writeFileIn(path: string, data: string, mode: number, force: boolean): void {
  if (!force && lstatSync(path, { throwIfNoEntry: false })) throw new ZwError('tool.output', `${path} exists; refusing to overwrite it`);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new ZwError('tool.output', `cannot create ${dirname(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  replaceFile(path, data, mode);
}

export class HospitalCa {
  private constructor(readonly dir: string, readonly issuer: Issuer, readonly index: PkiIndex) {}

  get cert(): x509.X509Certificate {
    return this.issuer.cert;
  }

  /** Creates the CA in `dir` (made if missing): key (0600), self-signed certificate, serial
   *  counter, empty index and an empty signed CRL. Refuses a directory that holds a CA. */
  static async init(dir: string, o: InitOptions): Promise<HospitalCa> {
    if (hasCa(dir)) throw new ZwError('pki.exists', `${dir} already holds a CA; refusing to replace it`);
    makeDirs(dir);
    return withLock(dir, async () => {
      if (hasCa(dir)) throw new ZwError('pki.exists', `${dir} already holds a CA; refusing to replace it`);
      const now = o.now ?? new Date();
      const keys = await generateKeyPair(o.alg);
      const cert = await selfSignedCa({ alg: o.alg, cn: o.cn, validity: validityDays(o.days, now), serial: serialHex(1n), keys });
      replaceFile(pkiPath(dir, FILES.caKey), await privateKeyPem(keys.privateKey), 0o600);
      replaceFile(pkiPath(dir, FILES.caCert), pem(cert));
      replaceFile(pkiPath(dir, FILES.serial), '2\n');
      replaceFile(pkiPath(dir, FILES.crlNumber), '1\n');
      const index: PkiIndex = { version: 1, alg: o.alg, crlDays: o.crlDays ?? CRL_DAYS, certificates: [] };
      writeIndex(dir, index);
      const ca = new HospitalCa(dir, { alg: o.alg, cert, key: keys.privateKey }, index);
      await ca.writeCrl(now);
      return ca;
    });
  }

  /** Opens the CA in `dir`, checking that its key belongs to its certificate. */
  static async open(dir: string): Promise<HospitalCa> {
    const index = readIndex(dir);
    const cert = new x509.X509Certificate(readText(pkiPath(dir, FILES.caCert), 'CA certificate'));
    const key = await importPrivateKey(readText(pkiPath(dir, FILES.caKey), 'CA key'), index.alg);
    const probe = await webSignCheck(cert, key, index.alg);
    if (!probe) throw new ZwError('pki.ca', `${pkiPath(dir, FILES.caKey)} does not belong to ${pkiPath(dir, FILES.caCert)}`);
    return new HospitalCa(dir, { alg: index.alg, cert, key }, index);
  }

  /** Runs a change under the lock, on the index as it is on disk at that moment. */
  static async change<T>(dir: string, fn: (ca: HospitalCa) => Promise<T>): Promise<T> {
    return withLock(dir, async () => fn(await HospitalCa.open(dir)));
  }

  /** Signs the CRL anew, valid `days` (from now on the directory's CRL period). */
  async writeCrl(now = new Date(), days = this.index.crlDays): Promise<x509.X509Crl> {
    if (days !== this.index.crlDays) {
      this.index.crlDays = days;
      writeIndex(this.dir, this.index);
    }
    const entries = this.index.certificates
      .filter((c) => c.revoked)
      .map((c) => ({ serial: c.serial, at: new Date(c.revoked!.at), reason: x509.X509CrlReason[c.revoked!.reason] }));
    const crl = await signCrl(this.issuer, nextCrlNumber(this.dir), entries, now, new Date(now.getTime() + days * 86_400_000));
    replaceFile(pkiPath(this.dir, FILES.crl), crlPem(crl));
    return crl;
  }

  private async issue(e: EndEntity, key: x509.PublicKey, spec: ValiditySpec, now: Date): Promise<Issued> {
    const v = validity(spec, now, this.cert);
    const serial = takeSerial(this.dir);
    const cert = await issueCert(this.issuer, e, key, serial, v);
    const file = `${FILES.issued}/${serial}.pem`;
    replaceFile(pkiPath(this.dir, file), pem(cert));
    const rec: IssuedCert = { serial, kind: e.kind, cn: e.cn, notBefore: v.notBefore.toISOString(), notAfter: v.notAfter.toISOString(), file, revoked: null };
    this.index.certificates.push(rec);
    writeIndex(this.dir, this.index);
    return { serial, cert, certPem: pem(cert) };
  }

  /** A server or verifier certificate with a fresh key, written to `out` and `out`'s key file. */
  async issueWithKey(e: Exclude<EndEntity, { kind: 'device' }>, o: { alg: PkiAlg; validity: ValiditySpec; out: string; keyOut: string; force?: boolean; now?: Date }): Promise<Issued> {
    for (const p of [o.out, o.keyOut]) {
      if (!o.force && lstatSync(p, { throwIfNoEntry: false })) throw new ZwError('tool.output', `${p} exists; refusing to overwrite it (--force)`);
    }
    const keys = await generateKeyPair(o.alg);
    const issued = await this.issue(e, await x509.PublicKey.create(keys.publicKey), o.validity, o.now ?? new Date());
    const keyPem = await privateKeyPem(keys.privateKey);
    writeFileIn(o.keyOut, keyPem, 0o600, o.force ?? false);
    writeFileIn(o.out, issued.certPem, 0o644, o.force ?? false);
    return { ...issued, keyPem };
  }

  /** A device certificate for a checked CSR; a live certificate for the same id is refused, or
   *  with `replace` revoked (superseded) once the new one is issued. */
  async signDevice(csr: Uint8Array, o: { validity: ValiditySpec; replace?: boolean; now?: Date }): Promise<Issued & { id: string }> {
    const now = o.now ?? new Date();
    const req = await checkDeviceRequest(csr);
    const live = this.index.certificates.filter((c) => c.kind === 'device' && c.cn === req.id && isLive(c, now));
    if (live.length && !o.replace) {
      throw new ZwError('pki.live', `${req.id} already has a live certificate (serial ${live.map((c) => c.serial).join(', ')}); revoke it or use --replace`);
    }
    const issued = await this.issue({ kind: 'device', cn: req.id }, req.publicKey, o.validity, now);
    for (const c of live) c.revoked = { at: now.toISOString(), reason: 'superseded' };
    if (live.length) {
      writeIndex(this.dir, this.index);
      await this.writeCrl(now);
    }
    return { ...issued, id: req.id, revokedSerials: live.map((c) => c.serial) };
  }

  /** Revokes every unrevoked certificate with CN `target`, or the one with serial `target`. */
  async revoke(target: { cn: string } | { serial: string }, reason: RevokeReason, now = new Date()): Promise<IssuedCert[]> {
    const hits = this.index.certificates.filter((c) => ('cn' in target ? c.cn === target.cn : c.serial === target.serial));
    const what = 'cn' in target ? target.cn : `serial ${target.serial}`;
    if (!hits.length) throw new ZwError('pki.unknown', `no certificate issued by this CA has ${'cn' in target ? 'CN' : ''} ${what}`);
    const open = hits.filter((c) => c.revoked === null);
    if (!open.length) throw new ZwError('pki.revoked', `every certificate for ${what} is already revoked`);
    for (const c of open) c.revoked = { at: now.toISOString(), reason };
    writeIndex(this.dir, this.index);
    await this.writeCrl(now);
    return open;
  }

  find(kind?: CertKind): IssuedCert[] {
    return this.index.certificates.filter((c) => !kind || c.kind === kind);
  }
}

/** Signs a probe and verifies it with the certificate's key: the key file belongs to the CA. */
async function webSignCheck(cert: x509.X509Certificate, key: webcrypto.CryptoKey, alg: PkiAlg): Promise<boolean> {
  const probe = new TextEncoder().encode('zorgwacht pki key check');
  const sig = await webcrypto.subtle.sign(SIGNING[alg], key, probe);
  return webcrypto.subtle.verify(SIGNING[alg], await cert.publicKey.export(), sig, probe);
}
