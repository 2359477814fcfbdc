// KeyStore and Counter contract, on a blank (unprovisioned) device; cases run in order.
import type { Case } from './harness.ts';
import { check, eq, eqBytes, throwsReason, throwsTyped } from './harness.ts';
import { utf8 } from '../support/bytes.ts';

const N12 = new Uint8Array(12).fill(1);
const AAD = utf8('aad');

export const keyCases: Case[] = [
  { suite: 'KeyStore', name: 'a blank device has no keys', run: ({ keys }) => {
    for (const n of ['attest', 'tls', 'storage', 'image-enc'] as const) {
      eq(keys.has(n), false, `has(${n})`);
      eq(keys.algorithm(n), null, `algorithm(${n})`);
    }
    throwsReason(() => keys.publicKey('attest'), 'keystore.absent', 'publicKey of absent key');
    throwsReason(() => keys.sign('attest', utf8('m')), 'keystore.absent', 'sign with absent key');
    throwsReason(() => keys.deriveKey('store'), 'keystore.absent', 'deriveKey without storage root');
    throwsReason(() => keys.has('root' as 'attest'), 'keystore.name', 'unknown name');
  } },
  { suite: 'KeyStore', name: 'generate refuses algorithms not allowed for the name', run: ({ keys }) => {
    throwsReason(() => keys.generate('attest', 'p256'), 'keystore.alg', 'attest p256');
    throwsReason(() => keys.generate('tls', 'x25519'), 'keystore.alg', 'tls x25519');
    throwsReason(() => keys.generate('storage', 'ed25519'), 'keystore.alg', 'storage ed25519');
    throwsReason(() => keys.generate('image-enc', 'secret32'), 'keystore.alg', 'image-enc secret32');
    eq(keys.has('attest'), false, 'nothing was stored');
  } },
  { suite: 'KeyStore', name: 'attest: Ed25519 key signs what Crypto verifies, and is never replaced', run: ({ keys, crypto }) => {
    const pub = keys.generate('attest', 'ed25519');
    eq(pub.length, 32, 'public key length');
    eqBytes(keys.publicKey('attest'), pub, 'publicKey');
    eq(keys.algorithm('attest'), 'ed25519', 'algorithm');
    const sig = keys.sign('attest', utf8('evidence'));
    eq(sig.length, 64, 'signature length');
    check(crypto.ed25519Verify(pub, utf8('evidence'), sig), 'signature verifies');
    check(!crypto.ed25519Verify(pub, utf8('evidencf'), sig), 'other message');
    throwsReason(() => keys.generate('attest', 'ed25519'), 'keystore.exists', 'second generate');
    eqBytes(keys.publicKey('attest'), pub, 'key unchanged');
  } },
  { suite: 'KeyStore', name: 'tls: P-256 key signs DER ECDSA that Crypto verifies', run: ({ keys, crypto }) => {
    const pub = keys.generate('tls', 'p256');
    eq(pub.length, 65, 'SEC1 uncompressed');
    eq(pub[0], 4, 'uncompressed marker');
    const sig = keys.sign('tls', utf8('csr'));
    eq(sig[0], 0x30, 'DER sequence');
    check(crypto.p256Verify(pub, utf8('csr'), sig, 'der'), 'signature verifies');
  } },
  { suite: 'KeyStore', name: 'storage: a root without a public half, derived handles are deterministic per label', run: ({ keys, crypto }) => {
    eq(keys.generate('storage', 'secret32').length, 0, 'no public key');
    throwsReason(() => keys.publicKey('storage'), 'keystore.alg', 'publicKey(storage)');
    throwsReason(() => keys.sign('storage', utf8('m')), 'keystore.alg', 'sign(storage)');
    const a = keys.deriveKey('store/records'), b = keys.deriveKey('store/records'), c = keys.deriveKey('store/queue');
    eq(a.kind, 'key-handle', 'handle kind');
    eq(a.length, 32, 'handle length');
    const seal = (k: typeof a) => crypto.aeadSeal('chacha20-poly1305', k, N12, utf8('record'), AAD);
    eqBytes(seal(a), seal(b), 'same label, same key');
    check(seal(a).some((x, i) => x !== seal(c)[i]), 'other label, other key');
    eqBytes(crypto.aeadOpen('chacha20-poly1305', b, N12, seal(a), AAD), utf8('record'), 'opens');
    throwsReason(() => keys.deriveKey(''), 'crypto.param', 'empty label');
    throwsReason(() => keys.deriveKey('x'.repeat(65)), 'crypto.param', 'long label');
    throwsReason(() => keys.deriveKey('tab\there'), 'crypto.param', 'control character');
  } },
  { suite: 'KeyStore', name: 'image-enc: X25519 agreement gives a handle equal to the peer-side secret', run: ({ keys, crypto, rng }) => {
    const pub = keys.generate('image-enc', 'x25519');
    const eph = rng.bytes(32);
    const raw = crypto.x25519(eph, pub)!;
    const h = keys.agree('image-enc', crypto.x25519PublicKey(eph));
    check(h !== null && h.kind === 'key-handle' && h.length === 32, 'handle');
    eqBytes(crypto.hmacSha256(h!, utf8('m')), crypto.hmacSha256(raw, utf8('m')), 'same secret');
    eq(keys.agree('image-enc', new Uint8Array(32)), null, 'low-order peer');
    throwsReason(() => keys.agree('attest', pub), 'keystore.alg', 'agree with a signing key');
    throwsReason(() => keys.sign('image-enc', utf8('m')), 'keystore.alg', 'sign with an agreement key');
  } },
  { suite: 'KeyStore', name: 'handles from agreement work as HKDF input, slice, and AEAD/HMAC/CTR keys', run: ({ keys, crypto, rng }) => {
    const eph = rng.bytes(32);
    const raw = crypto.x25519(eph, keys.publicKey('image-enc'))!;
    const h = keys.agree('image-enc', crypto.x25519PublicKey(eph))!;
    const salt = new Uint8Array(0), info = utf8('MCUBoot_ECIES_v1');
    const dh = crypto.hkdfSha256(h, salt, info, 48);
    const dr = crypto.hkdfSha256(raw, salt, info, 48);
    eq(dh.kind, 'key-handle', 'hkdf of a handle is a handle');
    eq(dh.length, 48, 'length');
    const aes = crypto.keySlice(dh, 0, 32), mac = crypto.keySlice(dh, 16, 48);
    eqBytes(crypto.aesCtr(aes, new Uint8Array(16), utf8('payload')), crypto.aesCtr(dr.subarray(0, 32), new Uint8Array(16), utf8('payload')), 'ctr');
    eqBytes(crypto.hmacSha256(mac, utf8('m')), crypto.hmacSha256(dr.subarray(16, 48), utf8('m')), 'hmac');
    eqBytes(crypto.aeadSeal('aes-256-gcm', aes, N12, utf8('m'), AAD), crypto.aeadSeal('aes-256-gcm', dr.subarray(0, 32), N12, utf8('m'), AAD), 'aead');
    throwsReason(() => crypto.aeadSeal('aes-256-gcm', mac.length === 32 ? crypto.keySlice(dh, 0, 16) : mac, N12, utf8('m'), AAD), 'crypto.param', '16-byte handle as AEAD key');
    throwsReason(() => crypto.keySlice(dh, 10, 49), 'crypto.param', 'slice past end');
    throwsReason(() => crypto.keySlice(dh, 10, 10), 'crypto.param', 'empty slice');
    throwsTyped(() => crypto.keySlice({ kind: 'key-handle', length: 32 } as never, 0, 16), 'forged handle');
    throwsTyped(() => crypto.hmacSha256({ kind: 'key-handle', length: 32 } as never, utf8('m')), 'forged handle as key');
    check(!JSON.stringify({ dh, aes }).match(/[0-9a-f]{16}/), 'no key bytes in JSON');
  } },
  { suite: 'Counter', name: 'counters start at zero and only go up', run: ({ counters }) => {
    for (const n of ['agent', 'firmware', 'trust', 'store-epoch'] as const) eq(counters.read(n), 0, `read(${n})`);
    counters.advance('agent', 5);
    eq(counters.read('agent'), 5, 'after advance');
    counters.advance('agent', 5);
    eq(counters.read('agent'), 5, 'same value is a no-op');
    throwsReason(() => counters.advance('agent', 4), 'counter.rollback', 'going back');
    eq(counters.read('agent'), 5, 'unchanged after refusal');
    counters.advance('firmware', 0xffffffff);
    eq(counters.read('firmware'), 0xffffffff, 'max value');
    eq(counters.read('trust'), 0, 'others untouched');
  } },
  { suite: 'Counter', name: 'counters refuse bad values and names', run: ({ counters }) => {
    throwsReason(() => counters.advance('trust', 0x100000000), 'counter.range', '2^32');
    throwsReason(() => counters.advance('trust', -1), 'counter.range', '-1');
    throwsReason(() => counters.advance('trust', 1.5), 'counter.range', '1.5');
    throwsReason(() => counters.advance('trust', NaN), 'counter.range', 'NaN');
    throwsReason(() => counters.read('boot' as 'agent'), 'counter.name', 'unknown read');
    throwsReason(() => counters.advance('boot' as 'agent', 1), 'counter.name', 'unknown advance');
    eq(counters.read('trust'), 0, 'unchanged');
  } },
  { suite: 'KeyStore', name: 'keys survive later counter commits', run: ({ keys, counters, crypto }) => {
    const pub = keys.publicKey('attest');
    counters.advance('store-epoch', 1);
    counters.advance('store-epoch', 2);
    eqBytes(keys.publicKey('attest'), pub, 'attest public key');
    check(crypto.ed25519Verify(pub, utf8('x'), keys.sign('attest', utf8('x'))), 'attest still signs');
    eq(counters.read('agent'), 5, 'agent counter');
  } },
];
