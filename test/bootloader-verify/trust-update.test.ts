// Trust-store updates: signed by a key trusted today, newer than the trust counter, a
// well-formed document whose version is its SEC_CNT; revocations accumulate and a revoked key
// never verifies anything again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCbor, CborMap } from '../../bootloader-verify/cbor.ts';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { applyTrustUpdate, decodeTrustDocument, deviceTrust, encodeTrustDocument, storedTrustDocument, type TrustDocument } from '../../bootloader-verify/trust-update.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { signImage } from '../../scripts/lib/imgtool/sign.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { outcome, trustStore, verifyFile } from './cases.ts';

const K = join(ROOT, '../shared/vectors/imgtool/keys');
const pem = (f: string) => readFileSync(join(K, f));
const spki = (f: string) => new Uint8Array(readFileSync(join(K, f)));
const A = spki('ed25519_a.pub.der'), B = spki('ed25519_b.pub.der'), P = spki('ecdsa_p256.pub.der');
const id = (k: Uint8Array) => Buffer.from(nodeCrypto.sha256(k)).toString('hex');
const current = trustStore([A, P], nodeCrypto);
const image = (doc: Uint8Array, key: string, seccnt: number) => signImage(doc, { key: pem(key), headerSize: 32, padHeader: true, securityCounter: seccnt });
const update = (d: TrustDocument, key = 'ed25519_a.pem', seccnt = d.version) => image(encodeTrustDocument(d), key, seccnt);
const apply = (img: Uint8Array, counter = 1) => applyTrustUpdate(bytesReader(img, nodeCrypto), nodeCrypto, current, counter);

describe('trust-store updates', () => {
  it('a newer document signed by a trusted key gives the new store; revocations apply', () => {
    const r = apply(update({ version: 2, keys: [A, B, P], revoked: [nodeCrypto.sha256(P)] }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.version).toBe(2);
    expect(r.store.keys.map((k) => k.id)).toEqual([id(A), id(B)]);
    expect(r.store.revoked).toEqual([id(P)]);
    // A revoked key never verifies anything again, even if a later list names it.
    const p08 = new Uint8Array(readFileSync(join(ROOT, '../shared/vectors/imgtool/p08_ecdsa_p256.bin')));
    expect(outcome(verifyFile(nodeCrypto, p08, { trust: { keys: [...r.store.keys, ...current.keys], revoked: r.store.revoked }, minSecurityCounter: 0 }))).toBe('image.key.revoked');
    const later = applyTrustUpdate(bytesReader(update({ version: 3, keys: [A, P], revoked: [] }), nodeCrypto), nodeCrypto, r.store, 2);
    expect(later.ok && later.store.keys.map((k) => k.id)).toEqual([id(A)]);
    expect(later.ok && later.store.revoked).toEqual([id(P)]);
  });

  it('refuses a list that is not newer than the trust counter (trust.stale, image.rollback)', () => {
    expect(outcome2(apply(update({ version: 2, keys: [A], revoked: [] }), 2))).toBe('trust.stale');
    expect(outcome2(apply(update({ version: 2, keys: [A], revoked: [] }), 5))).toBe('image.rollback');
  });

  it('refuses an update signed by a key not trusted today (image.key.unknown) or tampered (image.hash)', () => {
    expect(outcome2(apply(update({ version: 2, keys: [B], revoked: [] }, 'ed25519_b.pem')))).toBe('image.key.unknown');
    const t = update({ version: 2, keys: [A, B], revoked: [] });
    t[40]! ^= 1;
    expect(outcome2(apply(t))).toBe('image.hash');
  });

  it('refuses a version that differs from SEC_CNT, a missing SEC_CNT and malformed documents', () => {
    expect(outcome2(apply(update({ version: 3, keys: [A], revoked: [] }, 'ed25519_a.pem', 2)))).toBe('trust.version');
    const noSec = signImage(encodeTrustDocument({ version: 2, keys: [A], revoked: [] }), { key: pem('ed25519_a.pem'), headerSize: 32, padHeader: true });
    expect(outcome2(apply(noSec))).toBe('image.rollback');
    expect(outcome2(apply(noSec, 0))).toBe('trust.version');
    const docs = [
      new TextEncoder().encode('not cbor'),
      encodeCbor(new CborMap([[1, 2], [2, [A]]])),
      encodeCbor(new CborMap([[1, 2], [2, [A]], [3, [new Uint8Array(31)]]])),
      encodeCbor(new CborMap([[1, 2], [2, [new Uint8Array(44)]], [3, []]])),
      encodeCbor(new CborMap([[1, 2], [2, ['text']], [3, []]])),
    ];
    for (const d of docs) expect(outcome2(apply(image(d, 'ed25519_a.pem', 2)))).toBe('trust.document');
  });

  it('the document round-trips and is bounded', () => {
    const d = { version: 7, keys: [A, P], revoked: [nodeCrypto.sha256(B)] };
    expect(decodeTrustDocument(encodeTrustDocument(d))).toEqual(d);
    expect(decodeTrustDocument(encodeTrustDocument({ version: 1, keys: Array(33).fill(A), revoked: [] }))).toBeNull();
  });
});

describe('the trust store a device is bound by (deviceTrust)', () => {
  const reason = (r: ReturnType<typeof deviceTrust>) => (r.ok ? 'ok' : r.reason);
  it('is the provisioned keys until an update is stored, then the stored list at the trust counter', () => {
    const initial = deviceTrust([A, P], null, 4, nodeCrypto);
    expect(initial.ok && [initial.version, initial.store.keys.map((k) => k.id)]).toEqual([4, [id(A), id(P)]]);
    const r = apply(update({ version: 5, keys: [A, B, P], revoked: [nodeCrypto.sha256(P)] }), 4);
    if (!r.ok) throw new Error(r.reason);
    const stored = storedTrustDocument(r.store, r.version);
    const after = deviceTrust([A, P], stored, 5, nodeCrypto);
    expect(after.ok && [after.version, after.store.keys.map((k) => k.id), after.store.revoked]).toEqual([5, [id(A), id(B)], [id(P)]]);
  });
  it('fails closed: a stored list at another version than the counter, a malformed one, no usable key', () => {
    const stored = encodeTrustDocument({ version: 5, keys: [A], revoked: [] });
    expect(reason(deviceTrust([A], stored, 6, nodeCrypto))).toBe('trust.version');
    expect(reason(deviceTrust([A], stored, 4, nodeCrypto))).toBe('trust.version');
    expect(reason(deviceTrust([A], stored.subarray(1), 5, nodeCrypto))).toBe('trust.document');
    expect(reason(deviceTrust([A], encodeTrustDocument({ version: 5, keys: [new Uint8Array(44)], revoked: [] }), 5, nodeCrypto))).toBe('trust.document');
    expect(reason(deviceTrust([], null, 0, nodeCrypto))).toBe('trust.document');
    expect(reason(deviceTrust([new Uint8Array(44)], null, 0, nodeCrypto))).toBe('trust.document');
  });
  it('a stored list that names a key it also revokes never lets that key verify', () => {
    const stored = encodeTrustDocument({ version: 2, keys: [A, P], revoked: [nodeCrypto.sha256(P)] });
    const t = deviceTrust([A], stored, 2, nodeCrypto);
    expect(t.ok && t.store.keys.map((k) => k.id)).toEqual([id(A)]);
    const p08 = new Uint8Array(readFileSync(join(ROOT, '../shared/vectors/imgtool/p08_ecdsa_p256.bin')));
    expect(t.ok && outcome(verifyFile(nodeCrypto, p08, { trust: t.store, minSecurityCounter: 0 }))).toBe('image.key.revoked');
  });
});

function outcome2(r: ReturnType<typeof apply>): string {
  return r.ok ? 'accept' : r.reason;
}
