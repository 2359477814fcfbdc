// Reference values: made from real signed images (imgtool's vectors and the project's signer),
// the facts agree with what the gateway's image verifier says of the same files; a document
// with a bad signature, an unapproved signer or a damaged format is refused.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { trustedKey } from '../../bootloader-verify/trust.ts';
import { verifyImage } from '../../bootloader-verify/verify.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { referenceOf } from '../../verifier/refvalues-image.ts';
import { keyHash, makeRefValues, openRefValues } from '../../verifier/refvalues.ts';
import { makeWorld } from './fixtures.ts';

const V = join(ROOT, '../shared/vectors/imgtool');
const file = (n: string) => new Uint8Array(readFileSync(join(V, n)));
const spki = (n: string) => new Uint8Array(readFileSync(join(V, 'keys', n)));
const trustA = { keys: [trustedKey(spki('ed25519_a.pub.der'), nodeCrypto)!, trustedKey(spki('ecdsa_p256.pub.der'), nodeCrypto)!], revoked: [] };
const hashOf = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => keyHash(new Uint8Array(createPublicKey(k).export({ format: 'der', type: 'spki' })));

describe('reference values from signed images', () => {
  it('agree with the gateway verifier on imgtool-made images (digest, version, signer, counter)', () => {
    for (const name of ['p01_ed25519_hdr32.bin', 'p03_ed25519_seccnt7.bin', 'p04_ed25519_pubkey_full.bin', 'p08_ecdsa_p256.bin']) {
      const bytes = file(name);
      const v = verifyImage(bytesReader(bytes, nodeCrypto), nodeCrypto, { trust: trustA, minSecurityCounter: 0 });
      if (!v.ok) throw new Error(`${name}: ${v.reason}`);
      for (const trust of [null, trustA]) {
        const r = referenceOf(name, bytes, 'firmware', trust);
        expect(Buffer.from(r.signer).toString('hex'), name).toBe(v.image.signer);
        expect(r.version).toBe(v.image.version);
        expect(r.securityCounter).toBe(v.image.securityCounter ?? 0);
        if (v.image.hashAlg === 'sha256') expect(Buffer.from(r.digest).toString('hex')).toBe(v.image.digest);
      }
    }
    expect(referenceOf('p03', file('p03_ed25519_seccnt7.bin'), 'agent', null)).toMatchObject({ version: '1.2.3+4', securityCounter: 7 });
  });
  it('refuses images that are damaged, unsigned or (with keys) signed by another key: refvalues.image', () => {
    expect(() => referenceOf('n01', file('n01_payload_byte_flipped.bin'), 'firmware', null)).toThrow(/refvalues.image/);
    expect(() => referenceOf('p10', file('p10_hash_only.bin'), 'firmware', null)).toThrow(/not signed/);
    expect(() => referenceOf('n03', file('n03_signed_by_other_key.bin'), 'firmware', trustA)).toThrow(/image.key.unknown/);
    expect(() => referenceOf('p09', file('p09_ed25519_sha512.bin'), 'firmware', null)).toThrow(/SHA-512/);
    expect(referenceOf('p09', file('p09_ed25519_sha512.bin'), 'firmware', trustA).signer).toEqual(nodeCrypto.sha256(spki('ed25519_a.pub.der')));
  });
});

describe('reference-value documents', () => {
  const w = makeWorld();
  it('round-trip through the signed document (Ed25519 and P-256 manufacturer keys)', () => {
    expect(w.refvalues.references.map((r) => r.version)).toEqual(['1.2.0+0', '2.1.0+7', '1.0.0+0']);
    expect(w.refvalues.minSecurityCounter).toEqual({ agent: 1, firmware: 4 });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const doc = makeRefValues([w.refs.agent], { agent: 0, firmware: 0 }, p256, 1);
    const r = openRefValues(doc, [hashOf(p256)]);
    expect(r.ok && r.refs.references[0]!.digest).toEqual(w.refs.agent.digest);
  });
  it('the document is deterministic: the same input gives the same bytes', () => {
    const a = makeRefValues([w.refs.agent, w.refs.firmware], { agent: 2, firmware: 3 }, w.mfr, 5);
    expect(makeRefValues([w.refs.agent, w.refs.firmware], { agent: 2, firmware: 3 }, w.mfr, 5)).toEqual(a);
  });
  it('refuses a document with a bad signature: refvalues.signature', () => {
    const bad = w.refvaluesBytes.slice();
    bad[bad.length - 5]! ^= 0x01;
    expect(openRefValues(bad, [w.mfrHash])).toMatchObject({ ok: false, reason: 'refvalues.signature' });
  });
  it('refuses a document whose entries were edited after signing: refvalues.signature', () => {
    const i = Buffer.from(w.refvaluesBytes).indexOf(Buffer.from('2.1.0+7'));
    const edited = w.refvaluesBytes.slice();
    edited[i] = '9'.charCodeAt(0);
    expect(openRefValues(edited, [w.mfrHash])).toMatchObject({ ok: false, reason: 'refvalues.signature' });
  });
  it('refuses a well-signed document from a signer the policy does not accept: refvalues.signer', () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const doc = makeRefValues([w.refs.agent], { agent: 0, firmware: 0 }, stranger, 1);
    expect(openRefValues(doc, [w.mfrHash])).toMatchObject({ ok: false, reason: 'refvalues.signer' });
    expect(openRefValues(doc, 'any-signer').ok).toBe(true);
  });
  it('refuses garbage and truncations: refvalues.format', () => {
    expect(openRefValues(new Uint8Array(0), [w.mfrHash])).toMatchObject({ ok: false, reason: 'refvalues.format' });
    for (const n of [1, 10, 100, w.refvaluesBytes.length - 1]) {
      expect(openRefValues(w.refvaluesBytes.subarray(0, n), [w.mfrHash]).ok).toBe(false);
    }
  });
});
