// The Crypto port on @noble/* (pure JS; runs under Node and inside QuickJS). Semantics and
// byte formats: hardware/ports.ts. Key handles here are objects with a private field; in Node
// that hides the bytes from casual use, not from a debugger (zw-host keeps them native).
import { gcm, ctr } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 as p256curve } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ZwError } from '../errors.ts';
import type { AeadAlg, Crypto, Hash, HashAlg, Key, KeyHandle } from '../ports.ts';
import { bytes, bytesOfLength, integer } from './check.ts';

const handles = new WeakMap<object, Uint8Array>();

class NodeKeyHandle implements KeyHandle {
  readonly kind = 'key-handle' as const;
  readonly length: number;
  constructor(material: Uint8Array) {
    this.length = material.length;
    handles.set(this, material.slice());
  }
}

export function makeHandle(material: Uint8Array): KeyHandle {
  return new NodeKeyHandle(material);
}

/** The bytes behind a handle made by this module (crypto.handle for anything else). */
export function handleBytes(key: KeyHandle): Uint8Array {
  const m = handles.get(key as object);
  if (!m) throw new ZwError('crypto.handle', 'not a key handle of this platform');
  return m;
}

function keyBytes(what: string, key: Key, lengths?: readonly number[]): Uint8Array {
  const b = key instanceof Uint8Array ? key : typeof key === 'object' && key !== null ? handleBytes(key) : bytes(what, key, 'crypto.type');
  if (lengths && !lengths.includes(b.length)) {
    throw new ZwError('crypto.param', `"${what}" expected key of length ${lengths.join(' or ')}, got length=${b.length}`);
  }
  return b;
}

class NobleHash implements Hash {
  #h: { update(d: Uint8Array): unknown; digest(): Uint8Array } | null;
  constructor(alg: HashAlg) {
    if (alg === 'sha256') this.#h = sha256.create();
    else if (alg === 'sha512') this.#h = sha512.create();
    else throw new ZwError('crypto.param', `"alg" expected sha256 or sha512, got ${String(alg)}`);
  }
  update(data: Uint8Array): Hash {
    if (!this.#h) throw new ZwError('crypto.state', 'hash used after digest()');
    this.#h.update(bytes('data', data, 'crypto.type'));
    return this;
  }
  digest(): Uint8Array {
    if (!this.#h) throw new ZwError('crypto.state', 'digest() called twice');
    const d = this.#h.digest();
    this.#h = null;
    return d;
  }
}

function aead(alg: AeadAlg, key: Key, nonce: Uint8Array, aad: Uint8Array) {
  const k = keyBytes('key', key, [32]);
  const n = bytesOfLength('nonce', nonce, [12]);
  const a = bytes('aad', aad, 'crypto.type');
  if (alg === 'aes-256-gcm') return gcm(k, n, a);
  if (alg === 'chacha20-poly1305') return chacha20poly1305(k, n, a);
  throw new ZwError('crypto.param', `"alg" expected aes-256-gcm or chacha20-poly1305, got ${String(alg)}`);
}

function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
function hkdfSha256(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, length: number): KeyHandle;
function hkdfSha256(ikm: Key, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array | KeyHandle {
  const k = keyBytes('ikm', ikm);
  integer('length', length, 1, 255 * 32, 'crypto.param');
  const out = hkdf(sha256, k, bytes('salt', salt, 'crypto.type'), bytes('info', info, 'crypto.type'), length);
  return ikm instanceof Uint8Array ? out : makeHandle(out);
}

function p256(publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array, format: 'der' | 'p1363', prehash: boolean): boolean {
  const pub = bytes('publicKey', publicKey, 'crypto.type');
  const sig = bytes('signature', signature, 'crypto.type');
  if (format !== 'der' && format !== 'p1363') throw new ZwError('crypto.param', `"format" expected der or p1363, got ${String(format)}`);
  if (pub.length !== 65 && pub.length !== 33) return false;
  if (format === 'p1363' && sig.length !== 64) return false;
  try {
    return p256curve.verify(sig, msg, pub, { prehash, lowS: false, format: format === 'der' ? 'der' : 'compact' });
  } catch {
    return false;
  }
}

export const nodeCrypto: Crypto = {
  hash: (alg) => new NobleHash(alg),
  sha256: (data) => sha256(bytes('data', data, 'crypto.type')),
  sha512: (data) => sha512(bytes('data', data, 'crypto.type')),
  hmacSha256: (key, data) => hmac(sha256, keyBytes('key', key), bytes('data', data, 'crypto.type')),
  hkdfSha256,
  keySlice(key, start, end) {
    const m = handleBytes(key);
    integer('start', start, 0, m.length, 'crypto.param');
    integer('end', end, start + 1, m.length, 'crypto.param');
    return makeHandle(m.subarray(start, end));
  },
  aeadSeal: (alg, key, nonce, plaintext, aad) => aead(alg, key, nonce, aad).encrypt(bytes('plaintext', plaintext, 'crypto.type')),
  aeadOpen(alg, key, nonce, sealed, aad) {
    const cipher = aead(alg, key, nonce, aad);
    const s = bytes('sealed', sealed, 'crypto.type');
    if (s.length < 16) return null;
    try {
      return cipher.decrypt(s);
    } catch {
      return null;
    }
  },
  aesCtr: (key, iv, data) => ctr(keyBytes('key', key, [16, 32]), bytesOfLength('iv', iv, [16])).encrypt(bytes('data', data, 'crypto.type')),
  x25519(privateKey, publicKey) {
    const priv = bytesOfLength('privateKey', privateKey, [32]);
    const pub = bytesOfLength('publicKey', publicKey, [32]);
    try {
      const s = x25519.getSharedSecret(priv, pub);
      return s.every((b) => b === 0) ? null : s;
    } catch {
      return null; // noble refuses low-order inputs (all-zero shared secret)
    }
  },
  x25519PublicKey: (privateKey) => x25519.getPublicKey(bytesOfLength('privateKey', privateKey, [32])),
  ed25519Verify(publicKey, message, signature) {
    const msg = bytes('message', message, 'crypto.type');
    const pub = bytes('publicKey', publicKey, 'crypto.type');
    const sig = bytes('signature', signature, 'crypto.type');
    if (pub.length !== 32 || sig.length !== 64) return false;
    try {
      return ed25519.verify(sig, msg, pub, { zip215: false });
    } catch {
      return false;
    }
  },
  p256Verify: (publicKey, message, signature, format) => p256(publicKey, bytes('message', message, 'crypto.type'), signature, format, true),
  p256VerifyDigest(publicKey, digest, signature, format) {
    const d = bytes('digest', digest, 'crypto.type');
    if (d.length < 32 || d.length > 64) throw new ZwError('crypto.param', `"digest" expected 32..64 bytes, got length=${d.length}`);
    return p256(publicKey, d, signature, format, false);
  },
};
