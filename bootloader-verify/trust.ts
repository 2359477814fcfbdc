// The trust store: manufacturer keys that may sign images, and revoked key ids. A key's id is
// the SHA-256 of its DER SubjectPublicKeyInfo — MCUboot's KEYHASH for SHA-256 images.
import type { Crypto } from '../hardware/ports.ts';

export type SignerAlg = 'ed25519' | 'p256';

export interface TrustedKey {
  /** Hex SHA-256 of `spki`. */
  readonly id: string;
  readonly alg: SignerAlg;
  /** DER SubjectPublicKeyInfo, as imgtool getpub -e raw writes it. */
  readonly spki: Uint8Array;
  /** Raw public key: Ed25519 32 bytes, P-256 SEC1 65 bytes. */
  readonly publicKey: Uint8Array;
}

export interface TrustStore {
  readonly keys: readonly TrustedKey[];
  /** Ids of keys that never verify anything again, whether or not they are in `keys`. */
  readonly revoked: readonly string[];
}

// RFC 8410 §4 (Ed25519) and RFC 5480 §2 (id-ecPublicKey, prime256v1, uncompressed point):
// the only SubjectPublicKeyInfo encodings accepted, compared byte for byte.
const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
const P256_SPKI_PREFIX = [
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
  0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

function startsWith(b: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((x, i) => b[i] === x);
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/** The bytes of a lower-case hex string of even length (a key id); the caller checked its form. */
export function fromHex(s: string): Uint8Array {
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** A trusted key from its DER SubjectPublicKeyInfo, or null when it is not Ed25519 or P-256. */
export function trustedKey(spki: Uint8Array, crypto: Crypto): TrustedKey | null {
  const id = hex(crypto.sha256(spki));
  if (spki.length === 44 && startsWith(spki, ED25519_SPKI_PREFIX)) {
    return { id, alg: 'ed25519', spki: spki.slice(), publicKey: spki.slice(12) };
  }
  if (spki.length === 91 && startsWith(spki, P256_SPKI_PREFIX)) {
    return { id, alg: 'p256', spki: spki.slice(), publicKey: spki.slice(26) };
  }
  return null;
}

export function isRevoked(store: TrustStore, id: string): boolean {
  return store.revoked.includes(id);
}
