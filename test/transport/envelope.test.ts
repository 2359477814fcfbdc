// The report envelope the store's queue keeps (agent/transport/envelope.ts): generate, parse,
// round-trip, and random mutations that must come back as a reject value, never a throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEAVES } from '../../agent/mqtt/topics.ts';
import { decodeReport, encodeReport, type Report } from '../../agent/transport/envelope.ts';
import { MAX_CONTENT_TYPE, MAX_CORRELATION } from '../../agent/transport/limits.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const report: fc.Arbitrary<Report> = fc.record({
  leaf: fc.constantFrom(...LEAVES),
  payload: fc.uint8Array({ maxLength: 300 }),
  contentType: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
  correlationData: fc.option(fc.uint8Array({ minLength: 1, maxLength: MAX_CORRELATION }), { nil: null }),
});

describe('report envelope', () => {
  it('generates the documented layout', () => {
    const b = encodeReport({ leaf: 'attest', payload: Uint8Array.of(0xaa), contentType: 'a/b', correlationData: Uint8Array.of(1, 2) });
    expect(hex(b)).toBe('01' + '00' + '03' + '612f62' + '0002' + '0102' + 'aa');
  });

  it('parses it back', () => {
    const d = decodeReport(Uint8Array.from(Buffer.from('01020000' + '00' + '68', 'hex')));
    expect(d).toEqual({ ok: true, report: { leaf: 'event', contentType: null, correlationData: null, payload: Uint8Array.of(0x68) } });
  });

  it('round-trips every report', () => {
    fc.assert(fc.property(report, (r) => {
      expect(decodeReport(encodeReport(r))).toEqual({ ok: true, report: r });
    }));
  });

  it('refuses our own misuse with mqtt.usage', () => {
    const base: Report = { leaf: 'event', payload: new Uint8Array(1), contentType: null, correlationData: null };
    expect(() => encodeReport({ ...base, leaf: 'nope' as never })).toThrow(/mqtt.usage/);
    expect(() => encodeReport({ ...base, contentType: 'x'.repeat(MAX_CONTENT_TYPE + 1) })).toThrow(/mqtt.usage/);
    expect(() => encodeReport({ ...base, correlationData: new Uint8Array(MAX_CORRELATION + 1) })).toThrow(/mqtt.usage/);
  });

  it('a mutated envelope decodes to a report or a reject, never a throw', () => {
    fc.assert(fc.property(report, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (r, flips, cut) => {
      const b = encodeReport(r);
      for (const [at, v] of flips) b[at % b.length] = v;
      const d = decodeReport(b.subarray(0, b.length - (cut % (b.length + 1))));
      expect(typeof d.ok).toBe('boolean');
    }), { numRuns: 2000 });
  });
});
