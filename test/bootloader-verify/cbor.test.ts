// The CBOR subset (bootloader-verify/cbor.ts) against cborg, an independent implementation:
// what we encode, cborg decodes to the same value and encodes to the same bytes (deterministic
// encoding, RFC 8949 §4.2.1); what is outside the subset, we refuse.
import { decode as cborgDecode, encode as cborgEncode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborMap, decodeCbor, encodeCbor, type Cbor } from '../../bootloader-verify/cbor.ts';
import { hex, toHex } from '../support/bytes.ts';

const value: fc.Arbitrary<Cbor> = fc.letrec<{ v: Cbor }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.nat({ max: 0xffffffff }),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.nat({ max: 1000 }), tie('v')), { maxLength: 4 }).map((kv) => new CborMap(kv)),
  ),
})).v;

function toPlain(v: Cbor): unknown {
  if (v instanceof CborMap) return new Map([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

describe('CBOR subset', () => {
  it('encodes what cborg decodes, byte-identical to cborg deterministic encoding', () => {
    fc.assert(fc.property(value, (v) => {
      const ours = encodeCbor(v);
      expect(cborgDecode(ours, { useMaps: true })).toEqual(toPlain(v));
      expect(toHex(ours)).toBe(toHex(cborgEncode(toPlain(v))));
      expect(toPlain(decodeCbor(ours)!)).toEqual(toPlain(v));
    }), { numRuns: 2000 });
  });
  it('refuses what lies outside the subset', () => {
    for (const h of ['20', '3818', 'f6', 'f97c00', 'c240', '5f4101ff', '1b0000000100000000', 'a10101' + '01', 'a2010101' + '02', '82', '6161c3']) {
      expect(decodeCbor(hex(h)), h).toBeNull();
    }
    expect(decodeCbor(hex('81'.repeat(20) + '00'))).toBeNull(); // nested deeper than the bound
  });
  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      decodeCbor(b);
      return true;
    }), { numRuns: 5000 });
  });
});
