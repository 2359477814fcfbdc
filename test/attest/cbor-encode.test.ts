// The deterministic encoder (bootloader-verify/cbor.ts) over everything a token needs —
// negative integers, integers from -2^53 to 2^53 - 1, tags, maps with negative keys —
// against cbor2's core deterministic encoding (RFC 8949 §4.2.1, its `cde` option): the same
// bytes, and cbor2's strict decoder reads them back to the same value. The decoder's subset for
// trust documents is unchanged (test/bootloader-verify/cbor.test.ts).
import { decode, encode, Tag } from 'cbor2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborMap, CborTag, decodeCbor, encodeCbor, headLength, type Cbor } from '../../bootloader-verify/cbor.ts';
import { toHex } from '../support/bytes.ts';
import { STRICT } from './oracle.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const int = fc.oneof(fc.integer({ min: -30, max: 30 }), fc.integer(), fc.integer({ min: -MAX, max: MAX }), fc.constantFrom(-MAX, MAX, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 32) - 1, 65535, 65536, -65537, 255, 256, -256, -257, 23, 24, -24, -25));

const value: fc.Arbitrary<Cbor> = fc.letrec<{ v: Cbor }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    int,
    fc.string({ maxLength: 20, unit: 'grapheme' }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(int, tie('v')), { maxLength: 6 }).map((kv) => new CborMap(kv)),
    fc.tuple(fc.integer({ min: 0, max: MAX }).filter((t) => t < 0 || t > 5 || t === 18), tie('v')).map(([t, v]) => new CborTag(t, v)),
  ),
})).v;

/** Our value as cbor2 models it. */
function toCbor2(v: Cbor): unknown {
  if (v instanceof CborMap) return new Map([...v].map(([k, x]) => [k, toCbor2(x)]));
  if (v instanceof CborTag) return new Tag(v.tag, toCbor2(v.value));
  if (Array.isArray(v)) return v.map(toCbor2);
  return v;
}

describe('deterministic encoder', () => {
  it('writes the bytes cbor2 writes with core deterministic encoding, and cbor2 reads them strictly', () => {
    fc.assert(fc.property(value, (v) => {
      const ours = encodeCbor(v);
      expect(toHex(ours)).toBe(toHex(encode(toCbor2(v), { cde: true })));
      expect(toHex(encode(decode(ours, { ...STRICT, ignoreGlobalTags: true }), { cde: true }))).toBe(toHex(ours));
    }), { numRuns: 3000 });
  });
  it('orders integer keys by their encodings: unsigned first, shorter heads first, then negative', () => {
    const m = new CborMap([[-70001, 0], [-1, 0], [265, 0], [10, 0], [-24, 0], [-25, 0], [2399, 0], [1, 0], [24, 0], [23, 0]]);
    const keys = decode(encodeCbor(m), STRICT) as Map<number, number>;
    expect([...keys.keys()]).toEqual([1, 10, 23, 24, 265, 2399, -1, -24, -25, -70001]);
  });
  it('uses 8-byte heads for 2^32 and beyond, from -2^53 to 2^53 - 1, and refuses other numbers', () => {
    expect(toHex(encodeCbor(2 ** 32))).toBe('1b0000000100000000');
    expect(toHex(encodeCbor(MAX))).toBe('1b001fffffffffffff');
    expect(toHex(encodeCbor(-MAX))).toBe('3b001ffffffffffffe');
    expect(toHex(encodeCbor(-(2 ** 53)))).toBe('3b001fffffffffffff');
    expect(headLength(2 ** 32)).toBe(9);
    expect(headLength(23)).toBe(1);
    for (const bad of [0.5, -1.5, 2 ** 53, -(2 ** 53) - 2, NaN, Infinity]) expect(() => encodeCbor(bad)).toThrow(RangeError);
  });
  it('writes tag 18 around an array as COSE_Sign1 needs it', () => {
    expect(toHex(encodeCbor(new CborTag(18, [new Uint8Array(0), new CborMap(), new Uint8Array(0), new Uint8Array(0)])))).toBe('d28440a04040');
  });
  it('the trust-document decoder still refuses negative numbers, tags and 8-byte heads', () => {
    for (const v of [-1, new CborTag(18, 1), 2 ** 32, new CborMap([[-1, 1]])]) expect(decodeCbor(encodeCbor(v))).toBeNull();
  });
});
