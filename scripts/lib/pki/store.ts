// The hospital CA's directory (zw pki --dir): the CA certificate and its key (mode 0600), the
// serial counter, the index of issued certificates, the CRL and its number, and a copy of every
// issued certificate. Files are replaced whole (temporary file, then rename), and one lock file
// keeps two zw pki commands from interleaving their updates.
import { lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZwError } from '../../../hardware/errors.ts';

/** The key algorithms of DESIGN.md §Contracts: Ed25519, ECDSA P-256 with SHA-256. */
export type PkiAlg = 'ed25519' | 'p256';
export const PKI_ALGS: readonly PkiAlg[] = ['ed25519', 'p256'];

export function isPkiAlg(s: string | undefined): s is PkiAlg {
  return s === 'ed25519' || s === 'p256';
}

/** Days a CRL is valid: the broker refuses every client once its CRL's next update passes. */
export const CRL_DAYS = 30;

export type CertKind = 'broker' | 'verifier' | 'device';
/** RFC 5280 §5.3.1 reason codes offered by zw pki revoke (unspecified is left out: §5.3.1
 *  asks to omit the extension rather than say "unspecified"). */
export const REVOKE_REASONS = ['keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

export interface IssuedCert {
  /** Lower-case hex, as the certificate's serialNumber. */
  serial: string;
  kind: CertKind;
  cn: string;
  notBefore: string;
  notAfter: string;
  /** The issued certificate, relative to the directory. */
  file: string;
  revoked: { at: string; reason: RevokeReason } | null;
}

export interface PkiIndex {
  version: 1;
  alg: PkiAlg;
  /** Days each signed CRL is valid (zw pki init / crl --crl-days). */
  crlDays: number;
  certificates: IssuedCert[];
}

export const FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key.pem',
  serial: 'serial',
  crlNumber: 'crlnumber',
  index: 'index.json',
  crl: 'crl.pem',
  issued: 'issued',
  lock: '.lock',
} as const;

export function pkiPath(dir: string, name: string): string {
  return join(dir, name);
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ZwError('pki.none', `${path} is missing: no hospital CA here (zw pki init --dir …)`);
    throw new ZwError('tool.input', `cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
  }
}

/** Replaces `path` whole: a reader sees the old file or the new one. */
export function replaceFile(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.zw-tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data, { mode, flag: 'w' });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw new ZwError('tool.output', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function hasCa(dir: string): boolean {
  return lstatSync(pkiPath(dir, FILES.caCert), { throwIfNoEntry: false }) !== undefined
    || lstatSync(pkiPath(dir, FILES.caKey), { throwIfNoEntry: false }) !== undefined;
}

export function makeDirs(dir: string): void {
  try {
    mkdirSync(pkiPath(dir, FILES.issued), { recursive: true, mode: 0o755 });
  } catch (e) {
    throw new ZwError('tool.output', `cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readIndex(dir: string): PkiIndex {
  const path = pkiPath(dir, FILES.index);
  let v: PkiIndex;
  try {
    v = JSON.parse(readText(path, 'index')) as PkiIndex;
  } catch (e) {
    if (e instanceof ZwError) throw e;
    throw new ZwError('pki.ca', `${path} is not the index zw pki writes: ${(e as Error).message}`);
  }
  if (v?.version !== 1 || !Array.isArray(v.certificates) || !isPkiAlg(v.alg) || !Number.isInteger(v.crlDays)) {
    throw new ZwError('pki.ca', `${path} is not a version 1 index`);
  }
  return v;
}

export function writeIndex(dir: string, index: PkiIndex): void {
  replaceFile(pkiPath(dir, FILES.index), JSON.stringify(index, null, 2) + '\n');
}

/** Serial numbers count up from 1; the file holds the next one in hex (as `openssl ca` keeps it). */
export function takeSerial(dir: string): string {
  const path = pkiPath(dir, FILES.serial);
  const text = readText(path, 'serial counter').trim();
  if (!/^[0-9a-f]{1,40}$/.test(text)) throw new ZwError('pki.ca', `${path} does not hold a hex serial number`);
  const n = BigInt('0x' + text);
  replaceFile(path, (n + 1n).toString(16) + '\n');
  return serialHex(n);
}

/** A positive DER INTEGER's hex digits (RFC 5280 §4.1.2.2): even length, leading 00 when the
 *  top bit would make it negative. */
export function serialHex(n: bigint): string {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  if (parseInt(h[0]!, 16) >= 8) h = '00' + h;
  return h;
}

/** "0x01a", "01A", "1a" → the index's form ("1a"), or null when it is not hex. */
export function normalizeSerial(s: string): string | null {
  const m = /^(?:0x)?([0-9a-fA-F]{1,40})$/.exec(s);
  return m ? serialHex(BigInt('0x' + m[1]!)) : null;
}

export function nextCrlNumber(dir: string): bigint {
  const path = pkiPath(dir, FILES.crlNumber);
  const text = readText(path, 'CRL number').trim();
  if (!/^[0-9]{1,20}$/.test(text)) throw new ZwError('pki.ca', `${path} does not hold a CRL number`);
  const n = BigInt(text);
  replaceFile(path, `${n + 1n}\n`);
  return n;
}

/** Runs `fn` holding the directory's lock; a lock left by a process that is gone is taken over. */
export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = pkiPath(dir, FILES.lock);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ZwError('pki.none', `${dir} does not exist: no hospital CA here (zw pki init --dir …)`);
      if (code !== 'EEXIST') throw new ZwError('tool.output', `cannot lock ${dir}: ${code ?? (e as Error).message}`);
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (attempt > 0 || (Number.isInteger(holder) && holder > 0 && alive(holder))) {
        throw new ZwError('pki.busy', `${path} is held by process ${holder}; another zw pki command is running`);
      }
      unlinkSync(path);
    }
  }
  try {
    return await fn();
  } finally {
    unlinkSync(path);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live: neither revoked nor expired at `now`. */
export function isLive(c: IssuedCert, now: Date): boolean {
  return c.revoked === null && new Date(c.notAfter).getTime() > now.getTime();
}
