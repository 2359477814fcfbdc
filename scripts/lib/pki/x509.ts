// @peculiar/x509 made ready for the hospital PKI: the Reflect polyfill it asks for is loaded
// first, Node's WebCrypto is its provider, and the two key algorithms of DESIGN.md §Contracts
// (Ed25519, ECDSA P-256 with SHA-256) are named once here.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import type { PkiAlg } from './store.ts';

x509.cryptoProvider.set(webcrypto);

export { x509 };

const KEY_PARAMS = { ed25519: { name: 'Ed25519' }, p256: { name: 'ECDSA', namedCurve: 'P-256' } } as const;
/** The signature algorithm a key of each kind signs certificates and CRLs with. */
export const SIGNING = { ed25519: { name: 'Ed25519' }, p256: { name: 'ECDSA', hash: 'SHA-256' } } as const;

export async function generateKeyPair(alg: PkiAlg): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_PARAMS[alg], true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** Unencrypted PKCS#8 PEM, the form Mosquitto, OpenSSL and Node read. */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

export async function importPrivateKey(pem: string, alg: PkiAlg): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_PARAMS[alg], false, ['sign']);
}

/** The algorithm of a DER SubjectPublicKeyInfo, or null for anything but Ed25519 and P-256. */
export function algOfSpki(spki: ArrayBuffer | Uint8Array): PkiAlg | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki instanceof Uint8Array ? spki : new Uint8Array(spki)), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'p256';
  return null;
}

export const pem = (c: { toString(f: 'pem'): string }): string => c.toString('pem').trimEnd() + '\n';

/** RFC 7468 §5: a CRL's PEM label is "X509 CRL" (OpenSSL and Mosquitto read no other). */
export const crlPem = (crl: x509.X509Crl): string => x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n';

export function hexOf(b: ArrayBuffer | Uint8Array): string {
  return Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
}
