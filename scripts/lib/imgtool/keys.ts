// Signing keys for image tooling, on node:crypto (OpenSSL). The algorithms and formats are
// imgtool 2.4.0's (scripts/imgtool/keys/ed25519.py, ecdsa.py): PKCS#8 PEM private keys, the
// public key as DER SubjectPublicKeyInfo, Ed25519 over the image digest (sign_digest), ECDSA
// P-256 with SHA-256 over the hashed region (sign), DER-encoded.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { ZwError } from '../../../hardware/errors.ts';

export type KeyAlg = 'ed25519' | 'p256';
export type ShaChoice = 'auto' | '256' | '384' | '512';
export type HashAlg = 'sha256' | 'sha384' | 'sha512';

export interface SigningKey {
  readonly alg: KeyAlg;
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo: the PUBKEY TLV value; KEYHASH hashes it (imgtool get_public_bytes). */
  readonly spki: Uint8Array;
}

/** A PEM private key (or a KeyObject) → SigningKey; anything but Ed25519 / P-256 private is refused. */
export function loadSigningKey(pem: string | Uint8Array | KeyObject): SigningKey {
  let key: KeyObject;
  try {
    key = pem instanceof KeyObject ? pem : createPrivateKey(typeof pem === 'string' ? pem : Buffer.from(pem));
  } catch (e) {
    throw new ZwError('sign.key', publicOnly(pem) ? 'cannot sign with a public-only PEM; signing needs the private key' : `not a PEM private key (${(e as Error).message})`);
  }
  if (key.type !== 'private') throw new ZwError('sign.key', 'cannot sign with a public key; signing needs the private key');
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const alg: KeyAlg | null = key.asymmetricKeyType === 'ed25519' ? 'ed25519' : key.asymmetricKeyType === 'ec' && curve === 'prime256v1' ? 'p256' : null;
  if (!alg) throw new ZwError('sign.key', `${key.asymmetricKeyType}${curve ? ' ' + curve : ''} keys cannot sign images here (Ed25519 or ECDSA P-256)`);
  const spki = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  return { alg, key, spki };
}

function publicOnly(pem: string | Uint8Array | KeyObject): boolean {
  if (pem instanceof KeyObject) return false;
  try {
    createPublicKey(typeof pem === 'string' ? pem : Buffer.from(pem));
    return true;
  } catch {
    return false;
  }
}

// imgtool image.py ALLOWED_KEY_SHA (private keys) and USER_SHA_TO_ALG_AND_TLV: 'auto' takes
// the first; without a key any choice goes.
const ALLOWED: Record<KeyAlg, readonly ShaChoice[]> = { ed25519: ['256', '512'], p256: ['256'] };

/** The image hash for a key and the user's --sha choice (imgtool key_and_user_sha_to_alg_and_tlv). */
export function hashFor(key: SigningKey | undefined, sha: ShaChoice): HashAlg {
  if (!key) return sha === 'auto' ? 'sha256' : `sha${sha}`;
  const allowed = ALLOWED[key.alg];
  if (sha === 'auto') return `sha${allowed[0]!}` as HashAlg;
  if (!allowed.includes(sha)) throw new ZwError('sign.sha', `a ${key.alg} key cannot be used with --sha ${sha}; allowed: ${allowed.join(', ')}`);
  return `sha${sha}` as HashAlg;
}

export function digest(alg: HashAlg, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** The signature TLV value. Ed25519 signs the digest (imgtool sign_digest, hash-then-sign);
 *  ECDSA signs the hashed region with SHA-256 — i.e. ECDSA over that same digest — as imgtool's
 *  ECDSA256P1.sign does, DER-encoded (randomized k, as in imgtool). */
export function signImageDigest(k: SigningKey, hashed: Uint8Array, imageDigest: Uint8Array): Uint8Array {
  if (k.alg === 'ed25519') return new Uint8Array(sign(null, imageDigest, k.key));
  return new Uint8Array(sign('sha256', hashed, { key: k.key, dsaEncoding: 'der' }));
}

/** imgtool keygen -t choices offered here. */
export const KEY_TYPES = ['ed25519', 'ecdsa-p256', 'x25519'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** A new key pair as PEM: private PKCS#8 (imgtool export_private) and public SPKI (getpub -e pem). */
export function generateKey(type: string): { privatePem: string; publicPem: string } {
  if (!(KEY_TYPES as readonly string[]).includes(type)) throw new ZwError('keygen.type', `key type ${JSON.stringify(type)} is not one of ${KEY_TYPES.join(', ')}`);
  const { privateKey, publicKey } =
    type === 'ecdsa-p256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}
