// Certificates for the Net contract suite, made with the openssl CLI (an independent tool): a
// hospital CA and another CA, server certificates (good, from the other CA, for another IP,
// expired) and device certificates for the `tls` public key of a provisioned device.
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM texts. */
export interface Issued { readonly cert: string; readonly key: string }

export interface IssueOptions {
  cn: string;
  san: string;
  /** Days of validity; -1 gives a certificate that expired yesterday. */
  days?: number;
  usage: 'serverAuth' | 'clientAuth';
  /** SubjectPublicKeyInfo PEM of a key held elsewhere (a device's tls key). */
  publicKey?: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** The SubjectPublicKeyInfo PEM of a raw Ed25519 (32 bytes) or P-256 (65 bytes SEC1) key. */
export function spkiPem(raw: Uint8Array): string {
  const b = (x: Uint8Array) => Buffer.from(x).toString('base64url');
  const jwk = raw.length === 32
    ? { kty: 'OKP', crv: 'Ed25519', x: b(raw) }
    : { kty: 'EC', crv: 'P-256', x: b(raw.subarray(1, 33)), y: b(raw.subarray(33)) };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
}

export class TestPki {
  #n = 0;
  constructor(private readonly dir: string) {}

  #file(name: string, text?: string): string {
    const p = join(this.dir, name);
    if (text !== undefined) writeFileSync(p, text);
    return p;
  }

  #key(name: string, alg: 'ed25519' | 'p256'): string {
    const out = this.#file(`${name}.key`);
    openssl(alg === 'ed25519'
      ? ['genpkey', '-algorithm', 'ed25519', '-out', out]
      : ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out]);
    return out;
  }

  /** A self-signed CA (Ed25519). */
  ca(cn: string): Issued {
    const name = `ca-${++this.#n}`;
    const key = this.#key(name, 'ed25519');
    const cert = this.#file(`${name}.pem`);
    openssl(['req', '-x509', '-new', '-key', key, '-subj', `/CN=${cn}`, '-days', '30', '-out', cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  }

  /** A leaf certificate signed by `ca` (a P-256 key made here, unless `publicKey` is given). */
  issue(ca: Issued, o: IssueOptions): Issued {
    const name = `leaf-${++this.#n}`;
    const key = this.#key(name, 'p256');
    const csr = this.#file(`${name}.csr`);
    const cert = this.#file(`${name}.pem`);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${o.cn}`, '-out', csr]);
    const ext = this.#file(`${name}.ext`, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      `extendedKeyUsage=${o.usage}`,
      `subjectAltName=${o.san}`,
      '',
    ].join('\n'));
    openssl(['x509', '-req', '-in', csr, '-CA', this.#file(`${name}-ca.pem`, ca.cert), '-CAkey', this.#file(`${name}-ca.key`, ca.key),
      '-set_serial', '0x' + randomBytes(8).toString('hex'), '-days', String(o.days ?? 30), '-extfile', ext, '-out', cert,
      ...(o.publicKey ? ['-force_pubkey', this.#file(`${name}.pub`, o.publicKey)] : [])]);
    return { cert: readFileSync(cert, 'utf8'), key: o.publicKey ? '' : readFileSync(key, 'utf8') };
  }
}
