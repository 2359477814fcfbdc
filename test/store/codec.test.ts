// The store's bytes (agent/store/FORMAT.md): headers and bodies round-trip, lengths are bounded
// before use, and random or mutated input never throws — it is parsed or refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBody, encodeBody, parseRecordHeader, parseSegmentHeader, recordHeaderBytes, recordSpan, segmentHeaderBytes, type Entry,
} from '../../agent/store/codec.ts';
import { MAX_KEY, MAX_SEALED, RECORD_HEADER } from '../../agent/store/limits.ts';

const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const key = fc.string({ minLength: 1, maxLength: 40 });
const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key, value: bytes(300) }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('enqueue' as const), id: u64, payload: bytes(300) }),
  fc.record({ kind: fc.constant('ack' as const), id: u64 }),
  fc.record({ kind: fc.constant('audit' as const), index: u64, prev: fc.uint8Array({ minLength: 32, maxLength: 32 }), record: bytes(300) }),
  fc.constant({ kind: 'epoch' as const }),
  fc.record({ kind: fc.constant('tail' as const), segment: u64 }),
  fc.record({ kind: fc.constant('audit-anchor' as const), index: u64, hash: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
);

const pad = (b: Uint8Array, n: number) => { const o = new Uint8Array(n); o.set(b); return o; };

describe('store codec', () => {
  it('bodies round-trip', () => {
    fc.assert(fc.property(entry, (e) => {
      expect(decodeBody(encodeBody(e))).toEqual({ entry: e });
    }));
  });

  it('segment and record headers round-trip', () => {
    fc.assert(fc.property(u64, u32, u64, u64, (seq, epoch, first, tail) => {
      expect(parseSegmentHeader(pad(segmentHeaderBytes({ seq, epoch, first, tail }), 64))).toEqual({ seq, epoch, first, tail });
    }));
    fc.assert(fc.property(fc.integer({ min: 16, max: MAX_SEALED }), u64, u32, fc.boolean(), (sealedLength, seq, epoch, last) => {
      const nonce = new Uint8Array(12).fill(7);
      expect(parseRecordHeader(pad(recordHeaderBytes({ sealedLength, seq, epoch, nonce, last }), RECORD_HEADER))).toEqual({ sealedLength, seq, epoch, nonce, last });
      expect(recordSpan(sealedLength) % 16).toBe(0);
    }));
  });

  it('refuses a record length outside 16..MAX_SEALED before anything is sized by it', () => {
    for (const sealedLength of [0, 15, MAX_SEALED + 1, 0xffffffff]) {
      const b = pad(recordHeaderBytes({ sealedLength: 16, seq: 1, epoch: 1, nonce: new Uint8Array(12), last: true }), RECORD_HEADER);
      new DataView(b.buffer).setUint32(4, sealedLength, true);
      expect(parseRecordHeader(b), String(sealedLength)).toBeNull();
    }
  });

  it('refuses bodies that are not the shape of FORMAT.md', () => {
    const k = new TextEncoder().encode('k');
    const cases: number[][] = [
      [], [1], [1, 1, 1, 0, 0x6b], [9, 0], [6, 0, 0], [4, 0, 1, 2, 3], [7, 0, 1], [2, 0, 1, 0, 0x6b, 0],
      [1, 0, 0, 0], [1, 0, MAX_KEY + 1, 0, ...new Uint8Array(MAX_KEY + 1)], [1, 0, 2, 0, 0xff, 0xfe], [5, 0, ...new Uint8Array(39)],
    ];
    for (const c of cases) expect(decodeBody(Uint8Array.from(c)), JSON.stringify(c)).toBeNull();
    expect(decodeBody(Uint8Array.from([1, 0, 1, 0, ...k]))).toEqual({ entry: { kind: 'put', key: 'k', value: new Uint8Array(0) } });
  });

  it('random and mutated bytes are parsed or refused, never thrown', () => {
    fc.assert(fc.property(bytes(200), (b) => {
      decodeBody(b);
      parseRecordHeader(pad(b, RECORD_HEADER));
      parseSegmentHeader(pad(b, 64));
    }), { numRuns: 5000 });
    fc.assert(fc.property(entry, fc.nat(), fc.nat(255), (e, at, x) => {
      const b = encodeBody(e);
      if (b.length) b[at % b.length] = x;
      const d = decodeBody(b);
      expect(d === null || typeof d.entry.kind === 'string').toBe(true);
    }), { numRuns: 5000 });
  });
});
