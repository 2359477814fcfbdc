// Token verification: a good token affirms; each malformed, forged or misdirected token gives
// its finding id, and every finding of a token is collected rather than the first only.
import { generateKeyPairSync } from 'node:crypto';
import { encode, Tag } from 'cbor2';
import { beforeAll, describe, expect, it } from 'vitest';
import { appraiseToken, type Appraisal } from '../../verifier/appraise.ts';
import { GivenNonce } from '../../verifier/nonces.ts';
import { parseEnrolment } from '../../verifier/enrolment.ts';
import { goodComponents, goodToken, makeWorld, type World } from './fixtures.ts';
import { buildToken, claims, makeDevice } from './tokens.ts';

const NONCE = new Uint8Array(32).fill(7);
let w: World;
beforeAll(() => {
  w = makeWorld();
});

const check = (token: Uint8Array, device = w.dev.id, enrolment = w.enrolment): Appraisal =>
  appraiseToken(token, device, enrolment, { policy: w.policy, refs: w.refvalues, nonces: new GivenNonce(NONCE) }, Date.now());
const ids = (a: Appraisal) => a.findings.map((f) => f.id);
const good = () => claims(w.dev, { nonce: NONCE, components: goodComponents(w) });

describe('token verification', () => {
  it('affirms a good answer to the challenge', () => {
    const a = check(goodToken(w, NONCE));
    expect(a.findings).toEqual([]);
    expect(a.status).toBe('affirming');
    expect(a.verified && a.fresh).toBe(true);
    const sub = a.ear.submods[w.dev.id]!;
    expect(sub['ear.trustworthiness-vector']).toMatchObject({ 'instance-identity': 2, configuration: 3, executables: 2, 'file-system': 2, hardware: 0 });
    expect(a.ear.eat_profile).toBe('tag:github.com,2023:veraison/ear');
    expect(sub['ear.appraisal-policy-id']).toBe(w.policy.id);
  });

  const bad: [string, () => Uint8Array, string][] = [
    ['empty token', () => new Uint8Array(0), 'token.size'],
    ['token over MAX_TOKEN', () => new Uint8Array(8193).fill(0x40), 'token.size'],
    ['truncated CBOR', () => goodToken(w, NONCE).subarray(0, 150), 'token.cbor'],
    ['garbage', () => Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff), 'token.cbor'],
    ['trailing bytes', () => Uint8Array.of(...goodToken(w, NONCE), 0x00), 'token.cbor'],
    ['indefinite-length array', () => { const t = goodToken(w, NONCE); const b = Uint8Array.of(0xd2, 0x9f, ...t.subarray(2), 0xff); return b; }, 'token.cbor'],
    ['duplicated map key in the unprotected header', () => buildTokenRaw(w, Uint8Array.of(0xa2, 0x04, 0x41, 0x01, 0x04, 0x41, 0x02)), 'token.cbor'],
    ['wrong tag', () => buildToken(w.dev, good(), { tag: 17 }), 'token.tag'],
    ['no tag', () => buildToken(w.dev, good(), { tag: null }), 'token.tag'],
    ['wrong alg (ES256)', () => buildToken(w.dev, good(), { protectedHeader: Uint8Array.of(0xa1, 0x01, 0x26) }), 'token.alg'],
    ['extra protected header', () => buildToken(w.dev, good(), { protectedHeader: Uint8Array.of(0xa2, 0x01, 0x27, 0x03, 0x00) }), 'token.header'],
    ['signature by another key', () => buildToken(w.dev, good(), { signWith: generateKeyPairSync('ed25519').privateKey }), 'token.signature'],
    ['a huge claim', () => buildToken(w.dev, good().set(270, 'x'.repeat(300))), 'token.claims'],
    ['a missing claim', () => { const c = good(); c.delete(-70004); return buildToken(w.dev, c); }, 'token.claims'],
    ['a foreign profile', () => buildToken(w.dev, good().set(265, 'tag:example.com,2026:other')), 'token.profile'],
  ];
  for (const [name, make, id] of bad) {
    it(`refuses ${name}: ${id}`, () => {
      const a = check(make());
      expect(ids(a)).toContain(id);
      expect(a.status).toBe('contraindicated');
      expect(a.verified).toBe(false);
      for (const f of a.findings) expect(f.reason.length).toBeGreaterThan(10);
    });
  }

  it('refuses a payload with a duplicated claim key (token.cbor) even when signed', () => {
    // {6: 1, 6: 2}: a map no deterministic encoder writes; signed by the device's own key.
    const payloadBytes = Uint8Array.of(0xa2, 0x06, 0x01, 0x06, 0x02);
    expect(ids(check(buildToken(w.dev, new Map(), { payloadBytes })))).toContain('token.cbor');
  });

  it('collects every finding of a token, not the first only', () => {
    const c = good().set(265, 'other').set(270, 'y'.repeat(200));
    c.delete(6);
    const t = buildToken(w.dev, c, { tag: 17, protectedHeader: Uint8Array.of(0xa2, 0x01, 0x27, 0x03, 0x00), signWith: generateKeyPairSync('ed25519').privateKey });
    const got = ids(check(t));
    for (const id of ['token.tag', 'token.header', 'token.signature', 'token.profile', 'token.claims']) expect(got).toContain(id);
    expect(check(t).findings.filter((f) => f.id === 'token.claims').map((f) => f.context?.claim)).toEqual(expect.arrayContaining(['iat', 'swname']));
  });

  it('refuses a token from device A checked as device B: device.mismatch', () => {
    const b = makeDevice('gw-ward-02');
    const a = check(goodToken(w, NONCE), b.id, parseEnrolment(b.enrolmentJson));
    expect(ids(a)).toEqual(expect.arrayContaining(['token.signature', 'device.mismatch']));
    // A's token, A's enrolment, but delivered on B's topic.
    expect(ids(check(goodToken(w, NONCE), b.id, w.enrolment))).toContain('device.mismatch');
  });

  it('refuses a token whose zw-device names another device although signed by this one', () => {
    const a = check(buildToken(w.dev, claims(w.dev, { nonce: NONCE, components: goodComponents(w), device: 'gw-ward-09' })));
    expect(ids(a)).toEqual(['device.mismatch']);
    expect(a.ear.submods[w.dev.id]!['ear.trustworthiness-vector']['instance-identity']).toBe(96);
  });

  it('knows no key for an unenrolled device: device.unknown', () => {
    const a = appraiseToken(goodToken(w, NONCE), w.dev.id, null, { policy: w.policy, refs: w.refvalues, nonces: null }, Date.now());
    expect(ids(a)).toContain('device.unknown');
    expect(a.ear.submods[w.dev.id]!['ear.trustworthiness-vector']['instance-identity']).toBe(97);
  });

  it('takes the key from the enrolment record, never from the token (a kid of another key is only a warning)', () => {
    const t = buildToken(w.dev, good(), { unprotected: new Map([[4, new Uint8Array(16)]]) });
    const a = check(t);
    expect(a.findings.map((f) => [f.id, f.severity])).toEqual([['token.header', 'warning']]);
    expect(a.status).toBe('warning');
  });

  it('decodes no deeper than the profile allows', () => {
    const deep = buildToken(w.dev, new Map(), { payloadBytes: encode(new Map([[1, [[[[[1]]]]]]]), { cde: true }) });
    expect(ids(check(deep))).toContain('token.cbor');
    expect(ids(check(encode(new Tag(18, [[[[[1]]]]]), { cde: true })))).toContain('token.cbor');
  });
});

function buildTokenRaw(w: World, unprotectedBytes: Uint8Array): Uint8Array {
  const t = buildToken(w.dev, good(), { unprotected: new Map([[4, Uint8Array.of(1)]]) });
  // Replace the encoded unprotected map a1 04 41 01 with the given bytes.
  const at = Buffer.from(t).indexOf(Buffer.from([0xa1, 0x04, 0x41, 0x01]));
  return Uint8Array.of(...t.subarray(0, at), ...unprotectedBytes, ...t.subarray(at + 4));
}

describe('Sig_structure', () => {
  it('is byte for byte what cbor2 encodes for ["Signature1", protected, h\'\', payload] (RFC 9052 §4.4)', async () => {
    const { sigStructure } = await import('../../verifier/cose.ts');
    for (const [p, n] of [[3, 0], [3, 23], [3, 24], [3, 255], [3, 256], [40, 65535], [3, 65536]] as const) {
      const prot = new Uint8Array(p).fill(1), payload = new Uint8Array(n).fill(2);
      expect(Buffer.from(sigStructure(prot, payload))).toEqual(Buffer.from(encode(['Signature1', prot, new Uint8Array(0), payload], { cde: true })));
    }
  });
});
