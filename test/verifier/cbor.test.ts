// The verifier's strict CBOR decoder (verifier/cbor.ts, cborg with the profile's checks) against
// cbor2 in the strict options the verifier used before, as the oracle: the same bytes must be
// accepted or refused by both, with the same values — for hand-made edge cases, random values
// in deterministic encoding, and random mutations of a real token and its payload.
import { decode, encode, Tag } from 'cbor2';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../hardware/node/fault.ts';
import { decodeStrict, explainCbor } from '../../verifier/cbor.ts';
import { MAX_DEPTH } from '../../verifier/limits.ts';
import { goodComponents, makeWorld } from './fixtures.ts';
import { buildToken, claims, posture } from './tokens.ts';

const ORACLE = {
  cde: true, rejectStreaming: true, requirePreferred: true, rejectFloats: true, rejectBigInts: true,
  rejectUndefined: true, rejectSimple: true, ignoreGlobalTags: true, preferMap: true,
} as const;

function oracle(bytes: Uint8Array, maxDepth = MAX_DEPTH): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decode(bytes, { ...ORACLE, maxDepth }) };
  } catch {
    return { ok: false };
  }
}

function agrees(bytes: Uint8Array, maxDepth = MAX_DEPTH): void {
  const got = decodeStrict(bytes, maxDepth), want = oracle(bytes, maxDepth);
  if (got.ok === want.ok && (!got.ok || isDeepStrictEqual(got.value, (want as { value: unknown }).value))) return;
  const hex = Buffer.from(bytes).toString('hex');
  expect(got.ok, `${hex}: ${got.ok ? 'accepted' : got.detail}`).toBe(want.ok);
  expect(got.ok && got.value, hex).toStrictEqual(want.ok && want.value);
}

const h = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));

describe('strict CBOR decoding', () => {
  const refused: [string, string, RegExp][] = [
    ['trailing bytes', '01 00', /after the end/],
    ['truncated array', '83 01 02', /truncated/],
    ['truncated byte string', '45 0102', /truncated/],
    ['a tag with nothing after it', 'd2', /truncated/],
    ['a tag at the end of an array', '82 01 c1', /truncated/],
    ['empty input', '', /truncated/],
    ['indefinite array', '9f 01 ff', /indefinite/],
    ['indefinite map', 'bf 01 02 ff', /indefinite/],
    ['indefinite byte string', '5f 41 01 ff', /indefinite/],
    ['indefinite text string', '7f 61 61 ff', /indefinite/],
    ['stray break', 'ff', /indefinite/],
    ['duplicated int key', 'a2 01 00 01 00', /duplicated key/],
    ['duplicated byte-string key', 'a2 41 01 00 41 01 00', /duplicated key/],
    ['duplicated array key', 'a2 81 01 00 81 01 00', /duplicated key/],
    ['int keys out of order', 'a2 02 00 01 00', /out of the deterministic order/],
    ['negative before positive key', 'a2 20 00 01 00', /out of the deterministic order/],
    ['length-first order (RFC 8949 §4.2.3), not bytewise', 'a2 20 00 18 18 00', /out of the deterministic order/],
    ['nested map keys out of order', 'a1 01 a2 62 6262 00 61 61 00', /out of the deterministic order/],
    ['long integer', '18 01', /shortest/],
    ['long negative integer', '38 00', /shortest/],
    ['long 64-bit integer', '1b 00000000 ffffffff', /shortest/],
    ['long length', '58 01 00', /shortest/],
    ['long array length', '98 01 00', /shortest/],
    ['long tag number', 'd8 12 00', /shortest/],
    ['half float', 'f9 3c00', /floating-point/],
    ['single float', 'fa 3fc00000', /floating-point/],
    ['double float', 'fb 3ff8000000000000', /floating-point/],
    ['undefined', 'f7', /simple value/],
    ['simple(16)', 'f0', /simple value/],
    ['simple(32)', 'f8 20', /simple value/],
    ['invalid UTF-8', '62 c3 28', /UTF-8/],
    ['UTF-8 surrogate', '63 eda080', /UTF-8/],
    ['reserved additional information', '1c', /not well-formed/],
  ];
  for (const [name, hex, why] of refused) {
    it(`refuses ${name}`, () => {
      const d = decodeStrict(h(hex));
      expect(d.ok).toBe(false);
      if (!d.ok) expect(explainCbor(d.detail)).toMatch(why);
      agrees(h(hex));
    });
  }

  const accepted: [string, string][] = [
    ['keys in bytewise order', 'a3 00 00 20 00 41 00 00'],
    ['keys in bytewise order, not length-first', 'a2 18 18 00 20 00'],
    ['a byte-order mark kept in a text string', '64 efbbbf61'],
    ['non-ASCII text', '63 e282ac'],
    ['a 64-bit integer beyond 2^53 (as bigint)', '1b 0020000000000001'],
    ['a 64-bit negative integer beyond -2^53 (as bigint)', '3b 0020000000000001'],
    ['any tag, as a Tag object', 'c1 1a 5f5e1000'],
    ['a 64-bit tag number', 'db 0020000000000001 00'],
    ['false, true, null', '83 f4 f5 f6'],
    ['an empty map key', 'a1 a0 00'],
  ];
  for (const [name, hex] of accepted) {
    it(`accepts ${name}, as cbor2 decodes it`, () => {
      expect(decodeStrict(h(hex)).ok).toBe(true);
      agrees(h(hex));
    });
  }

  it('keeps the depth limit (limits.ts: maps and tags one level, arrays two)', () => {
    const deepest: unknown[] = [[[1]], new Map([[1, new Map([[1, new Map([[1, new Map([[1, 1]])]])]])]]), new Tag(18, new Tag(18, new Tag(18, new Tag(18, 1)))), new Tag(18, [new Map([[1, 1]])])];
    const over: unknown[] = [[[[1]]], [[[[]]]], new Map([[1, new Map([[1, new Map([[1, new Map([[1, new Map([[1, 1]])]])]])]])]]), new Tag(18, [[[1]]]), new Map([[[[[1]]], 1]])];
    for (const v of deepest) expect(decodeStrict(encode(v, { cde: true })).ok, String(v)).toBe(true);
    for (const v of over) {
      const d = decodeStrict(encode(v, { cde: true }));
      expect(d.ok).toBe(false);
      if (!d.ok) expect(explainCbor(d.detail)).toMatch(/deeper/);
    }
    for (const v of [...deepest, ...over]) for (const depth of [0, 1, 2, 3, 4, 5]) agrees(encode(v, { cde: true }), depth);
    // 5,000 nested arrays: refused at the limit, without recursing into them.
    agrees(new Uint8Array(5000).fill(0x81));
  });

  it('agrees with cbor2 on random values in deterministic encoding and on their mutations', () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('map'), tie('tag')),
      leaf: fc.oneof(fc.integer(), fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }), fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.constant(null)),
      array: fc.array(tie('value'), { maxLength: 4 }),
      map: fc.array(fc.tuple(fc.oneof(fc.integer({ min: -30, max: 300 }), fc.string({ maxLength: 3 })), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
      tag: fc.tuple(fc.nat(300), tie('value')).map(([n, v]) => new Tag(n, v)),
    }));
    fc.assert(fc.property(value, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }), (v, edits) => {
      const bytes = encode(v, { cde: true });
      agrees(bytes);
      const m = bytes.slice();
      for (const [i, b] of edits) if (m.length) m[i % m.length] = b;
      agrees(m);
    }), { numRuns: 5000 });
  });

  it('agrees with cbor2 on mutations of a real token and its payload', () => {
    const w = makeWorld();
    const c = claims(w.dev, { nonce: new Uint8Array(24).fill(3), components: goodComponents(w), posture: posture({ listening: ['tcp/0.0.0.0:443', 'udp/[::]:5683'] }) });
    const payload = encode(c, { cde: true }), token = buildToken(w.dev, c);
    const next = mulberry32(0xcb04);
    const pick = (n: number) => next() % n;
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const m = (i % 2 ? token : payload).slice();
      for (let k = 1 + pick(3); k > 0; k--) {
        const at = pick(m.length);
        if (pick(2)) m[at] = pick(256);
        else m[at]! ^= 1 << pick(8);
      }
      const cut = m.subarray(0, pick(8) === 0 ? pick(m.length + 1) : m.length);
      agrees(cut);
      if (decodeStrict(cut).ok) accepted++;
    }
    // Both sides of the boundary are exercised: many mutations stay decodable, many do not.
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
  });
});
