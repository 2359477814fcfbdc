// Property tests of makeToken on the Node ports of a provisioned device: any input within the
// profile's bounds gives a token the independent oracle (cbor2 + node:crypto) decodes, verifies
// and finds exactly the expected claims in — or, only when the claims would not fit, attest.size;
// an input past one bound gives that bound's reason; no input makes it throw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'cbor2';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeToken, type TokenInput } from '../../agent/attest/token.ts';
import type { MeasurementRecord } from '../../agent/start.ts';
import { REASONS } from '../../hardware/reasons.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { provision } from '../../scripts/lib/provision.ts';
import { toHex } from '../support/bytes.ts';
import { expectedClaims, expectProfileShape, readToken } from './oracle.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-attest-prop-'));
let p: NodePlatform;
let pub: Uint8Array;
beforeAll(() => {
  provision({ id: 'gw-prop-01', flash: join(dir, 'device.flash'), trustKeys: [join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem')] });
  p = nodePlatform(join(dir, 'device.flash'), { log: makeNodeLog(() => {}) });
  pub = p.keys.publicKey('attest');
});
afterAll(() => {
  p?.close();
  rmSync(dir, { recursive: true, force: true });
});

const bytesOf = (s: string) => Buffer.byteLength(s, 'utf8');
/** Text within the profile's 128 bytes: mostly short ASCII, sometimes long or multi-byte. */
const text = (max = 128, size: fc.SizeForArbitrary = 'small') =>
  fc.oneof(fc.string({ maxLength: 24 }), fc.string({ maxLength: max, size }), fc.string({ unit: 'grapheme', maxLength: 40, size })).filter((s) => bytesOf(s) <= max);
const hexBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(toHex);

const record: fc.Arbitrary<MeasurementRecord> = fc.oneof(
  fc.record({
    type: fc.constantFrom('agent' as const, 'firmware' as const), component: text(), status: fc.constant('accepted' as const),
    version: text(), signer: hexBytes(32), digest: fc.oneof(hexBytes(32), hexBytes(64)), securityCounter: fc.option(fc.nat(), { nil: null }),
  }, { requiredKeys: ['type', 'component', 'status', 'digest'] }),
  fc.record({ type: fc.constantFrom('agent' as const, 'firmware' as const), component: text(), status: fc.constant('rejected' as const), reason: text() }),
);

const freshness = fc.oneof(
  fc.record({ trigger: fc.constant('challenge' as const), freshness: fc.constant('challenge' as const), nonce: fc.uint8Array({ minLength: 8, maxLength: 64 }) }),
  fc.record({ trigger: fc.constantFrom('boot' as const, 'posture-change' as const), freshness: fc.constant('last-challenge' as const), nonce: fc.uint8Array({ minLength: 8, maxLength: 64 }) }),
  fc.record({ trigger: fc.constantFrom('boot' as const, 'posture-change' as const), freshness: fc.constant('none' as const) }),
);

/** Any input within every per-field bound; `scale` bounds the lists so that most fit MAX_TOKEN. */
function input(scale: { records: number; entries: number; text: number; size?: fc.SizeForArbitrary }): fc.Arbitrary<TokenInput> {
  const size = scale.size ?? 'small';
  const list = (extra = 0) => fc.array(text(scale.text, size), { maxLength: scale.entries + extra, size });
  const posture = fc.record({
    listening: list(16),
    defaultCredentials: list(),
    debug: list(),
    firmwareVersion: text(scale.text),
    sbom: fc.record({ sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }), format: fc.constantFrom('spdx' as const, 'cyclonedx' as const) }),
  }, { requiredKeys: ['listening', 'defaultCredentials', 'debug'] });
  return fc.tuple(
    fc.record({
      deviceId: fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,62}$/).filter((s) => !['verifier', 'admin', 'broker'].includes(s)),
      agentVersion: text(), measurements: fc.array(record, { maxLength: scale.records }), posture,
      bootSeq: fc.maxSafeNat(), iat: fc.maxSafeNat(),
      oemid: fc.uint8Array({ minLength: 3, maxLength: 3 }), hwmodel: fc.uint8Array({ minLength: 1, maxLength: 32 }),
    }, { requiredKeys: ['deviceId', 'agentVersion', 'measurements', 'posture', 'bootSeq', 'iat'] }),
    freshness,
  ).map(([a, f]) => ({ ...a, ...f }));
}

/** The token's length if its claims are exactly the expected ones (RFC 9052 envelope, profile). */
function expectedLength(i: TokenInput): number {
  const payload = encode(expectedClaims(i, pub, i.iat!), { cde: true }).length;
  const head = payload < 24 ? 1 : payload < 256 ? 2 : payload < 65536 ? 3 : 5;
  return 1 + 1 + 4 + 19 + head + payload + 66; // tag, array, {1:-8}, {4: kid}, payload, signature
}

describe('makeToken properties', () => {
  it('inputs of typical size always give a token under MAX_TOKEN that verifies with the expected claims', () => {
    fc.assert(fc.property(input({ records: 8, entries: 12, text: 40 }), (i) => {
      const r = makeToken(p, i);
      expect(r.ok ? 'ok' : `${r.reason}: ${r.detail}`).toBe('ok');
      const t = readToken((r as { token: Uint8Array }).token, pub);
      expectProfileShape(t.claims);
      expect(t.claims).toEqual(expectedClaims(i, pub, i.iat!));
    }), { numRuns: 250 });
  });
  it('any input within the bounds gives a verified token, or attest.size exactly when it would not fit', () => {
    const seen = { ok: 0, size: 0 };
    // The small input keeps both outcomes in every run (with only wide inputs a run of 150 could
    // draw no token that fits).
    const wide = fc.oneof(input({ records: 4, entries: 8, text: 40 }), input({ records: 8, entries: 64, text: 128 }), input({ records: 8, entries: 64, text: 128, size: 'medium' }), input({ records: 8, entries: 64, text: 128, size: 'max' }));
    fc.assert(fc.property(wide, (i) => {
      const r = makeToken(p, i);
      const fits = expectedLength(i) <= 8192;
      seen[fits ? 'ok' : 'size']++;
      expect(r.ok ? 'ok' : r.reason).toBe(fits ? 'ok' : 'attest.size');
      if (r.ok) {
        expect(r.token.length).toBe(expectedLength(i));
        expect(readToken(r.token, pub).claims).toEqual(expectedClaims(i, pub, i.iat!));
      }
    }), { numRuns: 150 });
    expect(seen.ok).toBeGreaterThan(0);
    // Random draws rarely overflow (the bounds were chosen so most tokens fit): one input that
    // surely does, so the refusal side is always exercised.
    const base = fc.sample(input({ records: 1, entries: 1, text: 8 }), { numRuns: 1, seed: 7 })[0]!;
    const many = (what: string) => Array.from({ length: 64 }, (_, k) => `${what}/${'x'.repeat(110)}:${k}`);
    const huge = { ...base, posture: { ...base.posture, listening: many('tcp'), defaultCredentials: many('account') } };
    expect(expectedLength(huge)).toBeGreaterThan(8192);
    expect(makeToken(p, huge)).toMatchObject({ ok: false, reason: 'attest.size' });
  });
  it('an input past one bound is refused with that bound\'s reason', () => {
    fc.assert(fc.property(input({ records: 4, entries: 8, text: 40 }), overBound, (i, [reason, mutate]) => {
      const r = makeToken(p, mutate(i));
      expect(r.ok ? 'ok' : r.reason).toBe(reason);
    }), { numRuns: 400 });
  });
  it('never throws, whatever a field holds: ok or a registered reason', () => {
    const keys = ['deviceId', 'agentVersion', 'measurements', 'posture', 'nonce', 'trigger', 'freshness', 'bootSeq', 'iat', 'oemid', 'hwmodel'] as const;
    fc.assert(fc.property(input({ records: 4, entries: 8, text: 40 }), fc.constantFrom(...keys), fc.anything({ withTypedArray: true, withNullPrototype: true }), (i, k, v) => {
      const r = makeToken(p, { ...i, [k]: v } as TokenInput);
      expect(r.ok || r.reason in REASONS).toBe(true);
    }), { numRuns: 400 });
  });
});

type Mutation = [string, (i: TokenInput) => TokenInput];
const over = (n: number) => 'x'.repeat(n);
const first = (i: TokenInput): MeasurementRecord => i.measurements[0] ?? { type: 'agent', component: 'agent', status: 'accepted', digest: '00'.repeat(32) };
/** One bound broken at a time, each with the reason the profile gives it. */
const overBound: fc.Arbitrary<Mutation> = fc.oneof(
  fc.integer({ min: 0, max: 7 }).map((n): Mutation => ['attest.nonce', (i) => ({ ...i, trigger: 'challenge', freshness: 'challenge', nonce: new Uint8Array(n) })]),
  fc.integer({ min: 65, max: 300 }).map((n): Mutation => ['attest.nonce', (i) => ({ ...i, trigger: 'boot', freshness: 'last-challenge', nonce: new Uint8Array(n) })]),
  fc.integer({ min: 9, max: 40 }).map((n): Mutation => ['attest.components', (i) => ({ ...i, measurements: Array.from({ length: n }, () => first(i)) })]),
  fc.integer({ min: 129, max: 600 }).chain((n) => fc.constantFrom<Mutation>(
    ['attest.input', (i) => ({ ...i, agentVersion: over(n) })],
    ['attest.input', (i) => ({ ...i, measurements: [{ ...first(i), component: over(n) }] })],
    ['attest.input', (i) => ({ ...i, measurements: [{ ...first(i), version: over(n) }] })],
    ['attest.input', (i) => ({ ...i, measurements: [{ type: 'firmware', component: 'slot-b', status: 'rejected', reason: over(n) }] })],
    ['attest.input', (i) => ({ ...i, posture: { ...i.posture, listening: [over(n)] } })],
    ['attest.input', (i) => ({ ...i, posture: { ...i.posture, debug: [over(n)] } })],
    ['attest.input', (i) => ({ ...i, posture: { ...i.posture, firmwareVersion: over(n) } })],
  )),
  fc.integer({ min: 65, max: 200 }).chain((n) => fc.constantFrom<Mutation>(
    ['attest.input', (i) => ({ ...i, posture: { ...i.posture, defaultCredentials: Array.from({ length: n }, (_, k) => `u${k}`) } })],
    ['attest.input', (i) => ({ ...i, posture: { ...i.posture, debug: Array.from({ length: n }, (_, k) => `d${k}`) } })],
  )),
  fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 4, max: 40 })).map((n): Mutation => ['attest.input', (i) => ({ ...i, oemid: new Uint8Array(n) })]),
  fc.oneof(fc.constant(0), fc.integer({ min: 33, max: 100 })).map((n): Mutation => ['attest.input', (i) => ({ ...i, hwmodel: new Uint8Array(n) })]),
  fc.string({ minLength: 1, maxLength: 130 }).filter((h) => !/^(?:[0-9a-f]{64}|[0-9a-f]{128})$/.test(h)).map((h): Mutation => ['attest.input', (i) => ({ ...i, measurements: [{ ...first(i), status: 'accepted', digest: h }] })]),
  fc.constantFrom(-1, 0.5, 2 ** 53, NaN).map((n): Mutation => ['attest.input', (i) => ({ ...i, bootSeq: n })]),
);
