// Mutation and property testing of the verifier (STYLE.md 12): bit flips, byte writes,
// truncations, extensions and edits of every length field, over valid images. The verifier
// must never throw — only return a typed verdict — and never accept an image whose signed
// region (header + payload + protected TLVs) differs from the original. `npm test` runs
// ZW_MUTATIONS (default 100k); `npm run fuzz` runs 1M.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReason } from '../../hardware/reasons.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { mulberry32 } from '../../hardware/node/fault.ts';
import { parseLayout } from '../../bootloader-verify/tlv.ts';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { TRUST_KEY_FILES, trustStore, verifyFile } from './cases.ts';
import type { Verdict } from '../../bootloader-verify/verify.ts';

const DIR = join(ROOT, '../shared/vectors/imgtool');
const trust = trustStore(TRUST_KEY_FILES.map((f) => new Uint8Array(readFileSync(join(DIR, 'keys', f)))), nodeCrypto);
const policy = { trust, minSecurityCounter: 0 };
const SOURCES = ['p01_ed25519_hdr32.bin', 'p03_ed25519_seccnt7.bin', 'p06_ed25519_boot_record.bin', 'p08_ecdsa_p256.bin', 'p09_ed25519_sha512.bin', 'p04_ed25519_pubkey_full.bin'];
const TOTAL = Number(process.env.ZW_MUTATIONS ?? 100_000);

interface Source { name: string; bytes: Uint8Array; signedEnd: number; lengthFields: number[] }

function source(name: string): Source {
  const bytes = new Uint8Array(readFileSync(join(DIR, name)));
  const l = parseLayout(bytesReader(bytes, nodeCrypto));
  if (!l.ok) throw new Error(`${name} does not parse`);
  // Offsets of every length-like field: header sizes, both TLV infos' totals, each TLV's length.
  const fields = [8, 10, 12, ...l.value.tlvs.map((t) => t.offset + 2)];
  const unprot = l.value.hashedLength;
  fields.push(unprot + 2);
  if (l.value.header.protectTlvSize) fields.push(l.value.header.hdrSize + l.value.header.imgSize + 2);
  return { name, bytes, signedEnd: l.value.hashedLength, lengthFields: fields };
}

function mutate(s: Source, next: () => number): Uint8Array {
  const b = s.bytes;
  const pick = (n: number) => next() % n;
  switch (pick(6)) {
    case 0: { const m = b.slice(); const i = pick(m.length); m[i]! ^= 1 << pick(8); return m; }
    case 1: { const m = b.slice(); for (let k = 1 + pick(4); k > 0; k--) m[pick(m.length)] = pick(256); return m; }
    case 2: return b.slice(0, pick(b.length));
    case 3: { const m = new Uint8Array(b.length + 1 + pick(64)); m.set(b); for (let i = b.length; i < m.length; i++) m[i] = pick(256); return m; }
    case 4: {
      const m = b.slice(); const at = s.lengthFields[pick(s.lengthFields.length)]!;
      const v = [0, 1, 3, 4, 0x7fff, 0x8000, 0xffff, 0xfffc, pick(0x10000)][pick(9)]!;
      m[at] = v & 0xff; m[at + 1] = v >> 8;
      if (at === 12 && pick(2)) { m[14] = pick(256); m[15] = [0, 0x7f, 0x80, 0xff][pick(4)]!; }
      return m;
    }
    default: { const m = b.slice(); const i = pick(m.length - 4); m.set([0xff, 0xff, 0xff, 0xff].map(() => pick(256)), i); return m; }
  }
}

function check(s: Source, m: Uint8Array, v: Verdict): string | null {
  if (!v.ok) return isReason(v.reason) && v.reason.startsWith('image.') ? null : `untyped reason ${String(v.reason)}`;
  const same = m.length >= s.signedEnd && s.bytes.subarray(0, s.signedEnd).every((x, i) => m[i] === x);
  return same ? null : 'accepted an image whose signed region was modified';
}

describe('verifier under mutation', () => {
  const sources = SOURCES.map(source);

  it(`${TOTAL} seeded mutations: only typed rejects, never a modified signed region accepted`, () => {
    const next = mulberry32(0x5eed);
    const counts: Record<string, number> = {};
    const problems: string[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const s = sources[i % sources.length]!;
      const m = mutate(s, next);
      let v: Verdict;
      try {
        v = verifyFile(nodeCrypto, m, policy);
      } catch (e) {
        problems.push(`${s.name} mutation ${i}: threw ${String(e)}`);
        continue;
      }
      const p = check(s, m, v);
      if (p) problems.push(`${s.name} mutation ${i}: ${p}`);
      counts[v.ok ? 'accept' : v.reason] = (counts[v.ok ? 'accept' : v.reason] ?? 0) + 1;
      if (problems.length > 5) break;
    }
    console.log(`mutations: ${TOTAL}`, JSON.stringify(counts));
    expect(problems).toEqual([]);
  }, Math.max(120_000, TOTAL)); // about 0.35 ms a mutation here: a millisecond each is ample

  it('property: arbitrary bytes never make the verifier throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => {
      const v = verifyFile(nodeCrypto, b, policy);
      return !v.ok && isReason(v.reason);
    }), { numRuns: 2000 });
  });

  it('property: any change inside the signed region of a valid image is rejected', () => {
    const s = sources[0]!;
    fc.assert(fc.property(fc.nat({ max: s.signedEnd - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const m = s.bytes.slice();
      m[i]! ^= x;
      return !verifyFile(nodeCrypto, m, policy).ok;
    }), { numRuns: 3000 });
  });
});
