// Crypto contract: published vectors (FIPS 180-4, RFC 4231, RFC 5869, SP 800-38A, RFC 7748,
// RFC 8032) and the parameter refusals of DESIGN.md §Contracts "Crypto parameters". The
// AEAD/CTR fixtures without a published source were made with OpenSSL through node:crypto.
import rfc8032 from '../../../shared/vectors/rfc8032/rfc8032_ed25519_7_1.json';
import type { Case } from './harness.ts';
import { check, eq, eqBytes, throwsReason, throwsTyped } from './harness.ts';
import { hex, utf8 } from '../support/bytes.ts';

const K32 = new Uint8Array(32).fill(7);
const N12 = new Uint8Array(12).fill(9);
const HDR = utf8('hdr');
const P256_PUB = hex('042927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e');
const P256_SIG = hex('2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76');
const P256_DER_PUB = hex('0404aaec73635726f213fb8a9e64da3b8632e41495a944d0045b522eba7240fad587d9315798aaa3a5ba01775787ced05eaaf7b4e09fc81d6d1aa546e8365d525d');
const P256_DER_SIG = hex('3045022100b292a619339f6e567a305c951c0dcbcc42d16e47f219f9e98e76e09d8770b34a02200177e60492c5a8242f76f07bfe3661bde59ec2a17ce5bd2dab2abebdf89a62e2');

export const cryptoCases: Case[] = [
  { suite: 'Crypto', name: 'SHA-256 and SHA-512 of "abc" (FIPS 180-4)', run: ({ crypto }) => {
    eqBytes(crypto.sha256(utf8('abc')), hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'), 'sha256');
    eqBytes(crypto.sha512(utf8('abc')), hex('ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'), 'sha512');
  } },
  { suite: 'Crypto', name: 'streaming hash equals one-shot across chunk sizes', run: ({ crypto }) => {
    const data = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    for (const alg of ['sha256', 'sha512'] as const) {
      const h = crypto.hash(alg);
      for (let at = 0; at < data.length; at += 4099) h.update(data.subarray(at, at + 4099));
      eqBytes(h.digest(), alg === 'sha256' ? crypto.sha256(data) : crypto.sha512(data), alg);
    }
    eqBytes(crypto.hash('sha256').update(new Uint8Array(0)).digest(), crypto.sha256(new Uint8Array(0)), 'empty');
  } },
  { suite: 'Crypto', name: 'a hash refuses use after digest and unknown algorithms', run: ({ crypto }) => {
    const h = crypto.hash('sha256');
    h.digest();
    throwsReason(() => h.update(new Uint8Array(1)), 'crypto.state', 'update after digest');
    throwsReason(() => h.digest(), 'crypto.state', 'second digest');
    throwsReason(() => crypto.hash('md5' as 'sha256'), 'crypto.param', 'md5');
    throwsTyped(() => crypto.sha256('abc' as unknown as Uint8Array), 'string input');
  } },
  { suite: 'Crypto', name: 'HMAC-SHA256 RFC 4231 test case 2', run: ({ crypto }) => {
    eqBytes(crypto.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')), hex('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'), 'hmac');
  } },
  { suite: 'Crypto', name: 'HKDF-SHA256 RFC 5869 test case 1 and its length bounds', run: ({ crypto }) => {
    const okm = crypto.hkdfSha256(new Uint8Array(22).fill(0x0b), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    eqBytes(okm, hex('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'), 'okm');
    eq(crypto.hkdfSha256(K32, new Uint8Array(0), new Uint8Array(0), 8160).length, 8160, 'max length');
    throwsReason(() => crypto.hkdfSha256(K32, new Uint8Array(0), new Uint8Array(0), 8161), 'crypto.param', 'length 8161');
    throwsReason(() => crypto.hkdfSha256(K32, new Uint8Array(0), new Uint8Array(0), 0), 'crypto.param', 'length 0');
  } },
  { suite: 'Crypto', name: 'AES-256-GCM and ChaCha20-Poly1305 seal, open and reject tampering', run: ({ crypto }) => {
    const fixtures = { 'aes-256-gcm': '5deaf6f3c991a209d4bdd8febd571a4c43531713bafdc8483b', 'chacha20-poly1305': '861689b0936fe6cda9d8af8fe7a15830f8ac23d061295b59a4' } as const;
    for (const alg of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
      const sealed = crypto.aeadSeal(alg, K32, N12, utf8('zorgwacht'), HDR);
      eqBytes(sealed, hex(fixtures[alg]), `${alg} seal`);
      eqBytes(crypto.aeadOpen(alg, K32, N12, sealed, HDR), utf8('zorgwacht'), `${alg} open`);
      for (let i = 0; i < sealed.length; i++) {
        const bad = sealed.slice();
        bad[i]! ^= 0x01;
        eq(crypto.aeadOpen(alg, K32, N12, bad, HDR), null, `${alg} flipped byte ${i}`);
      }
      eq(crypto.aeadOpen(alg, K32, N12, sealed, utf8('hdR')), null, `${alg} other aad`);
      eq(crypto.aeadOpen(alg, K32, N12, sealed.subarray(0, 15), HDR), null, `${alg} shorter than a tag`);
      eqBytes(crypto.aeadOpen(alg, K32, N12, crypto.aeadSeal(alg, K32, N12, new Uint8Array(0), HDR), HDR), new Uint8Array(0), `${alg} empty`);
    }
  } },
  { suite: 'Crypto', name: 'AEAD refuses keys and nonces outside the contract', run: ({ crypto }) => {
    for (const alg of ['aes-256-gcm', 'chacha20-poly1305'] as const) {
      throwsReason(() => crypto.aeadSeal(alg, new Uint8Array(16), N12, new Uint8Array(1), HDR), 'crypto.param', `${alg} 16-byte key`);
      throwsReason(() => crypto.aeadSeal(alg, K32, new Uint8Array(8), new Uint8Array(1), HDR), 'crypto.param', `${alg} 8-byte nonce`);
      throwsReason(() => crypto.aeadOpen(alg, K32, new Uint8Array(16), new Uint8Array(32), HDR), 'crypto.param', `${alg} 16-byte nonce`);
    }
    throwsReason(() => crypto.aeadSeal('aes-128-gcm' as 'aes-256-gcm', K32, N12, new Uint8Array(1), HDR), 'crypto.param', 'unknown alg');
  } },
  { suite: 'Crypto', name: 'AES-256-CTR SP 800-38A F.5.5 and counter wrap', run: ({ crypto }) => {
    const key = hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
    const pt = hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
    eqBytes(crypto.aesCtr(key, hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), pt), hex('601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5'), 'F.5.5');
    eqBytes(crypto.aesCtr(key, new Uint8Array(16).fill(0xff), new Uint8Array(32)), hex('3b3c2921c85a24de9ac606ce6d1d60cce568f68194cf76d6174d4cc04310a854'), 'wrap');
    throwsReason(() => crypto.aesCtr(new Uint8Array(24), new Uint8Array(16), pt), 'crypto.param', '24-byte key');
    throwsReason(() => crypto.aesCtr(key, new Uint8Array(12), pt), 'crypto.param', '12-byte iv');
  } },
  { suite: 'Crypto', name: 'X25519 RFC 7748 §6.1', run: ({ crypto }) => {
    const a = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bPub = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    eqBytes(crypto.x25519PublicKey(a), hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'), 'public');
    eqBytes(crypto.x25519(a, bPub), hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'), 'shared');
    eq(crypto.x25519(a, new Uint8Array(32)), null, 'low-order point gives null');
    throwsReason(() => crypto.x25519(a, new Uint8Array(31)), 'crypto.param', 'short public');
  } },
  { suite: 'Crypto', name: 'Ed25519 RFC 8032 §7.1 vectors verify; changed ones do not', run: ({ crypto }) => {
    for (const v of rfc8032.vectors) {
      const pub = hex(v.public_key), msg = hex(v.message), sig = hex(v.signature);
      check(crypto.ed25519Verify(pub, msg, sig), `valid ${v.signature.slice(0, 16)}`);
      const bad = sig.slice();
      bad[5]! ^= 4;
      check(!crypto.ed25519Verify(pub, msg, bad), 'flipped signature');
      check(!crypto.ed25519Verify(pub, msg, sig.subarray(0, 63)), 'short signature');
      check(!crypto.ed25519Verify(pub.subarray(0, 31), msg, sig), 'short key');
    }
  } },
  { suite: 'Crypto', name: 'ECDSA P-256 verifies P1363 and DER, refuses changed ones', run: ({ crypto }) => {
    const msg = hex('313233343030');
    check(crypto.p256Verify(P256_PUB, msg, P256_SIG, 'p1363'), 'p1363');
    check(!crypto.p256Verify(P256_PUB, msg, P256_SIG, 'der'), 'p1363 bytes as DER');
    check(crypto.p256Verify(P256_DER_PUB, new Uint8Array(0), P256_DER_SIG, 'der'), 'der');
    const bad = P256_DER_SIG.slice();
    bad[10]! ^= 1;
    check(!crypto.p256Verify(P256_DER_PUB, new Uint8Array(0), bad, 'der'), 'changed der');
    check(!crypto.p256Verify(new Uint8Array(65), msg, P256_SIG, 'p1363'), 'invalid point');
    check(!crypto.p256Verify(P256_PUB, msg, P256_SIG.subarray(1), 'p1363'), 'short p1363');
    throwsReason(() => crypto.p256Verify(P256_PUB, msg, P256_SIG, 'raw' as 'der'), 'crypto.param', 'unknown format');
  } },
  { suite: 'Crypto', name: 'ECDSA P-256 over a given digest equals verifying the message it hashes', run: ({ crypto }) => {
    const msg = hex('313233343030');
    const digest = crypto.sha256(msg);
    check(crypto.p256VerifyDigest(P256_PUB, digest, P256_SIG, 'p1363'), 'digest p1363');
    check(crypto.p256VerifyDigest(P256_DER_PUB, crypto.sha256(new Uint8Array(0)), P256_DER_SIG, 'der'), 'digest der');
    check(!crypto.p256VerifyDigest(P256_PUB, crypto.sha256(digest), P256_SIG, 'p1363'), 'other digest');
    const long = new Uint8Array(64);
    long.set(digest);
    check(crypto.p256VerifyDigest(P256_PUB, long, P256_SIG, 'p1363'), '64-byte digest truncated to its first 256 bits');
    throwsReason(() => crypto.p256VerifyDigest(P256_PUB, digest.subarray(0, 31), P256_SIG, 'p1363'), 'crypto.param', '31-byte digest');
    throwsReason(() => crypto.p256VerifyDigest(P256_PUB, new Uint8Array(65), P256_SIG, 'p1363'), 'crypto.param', '65-byte digest');
  } },
];
