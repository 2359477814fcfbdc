// Strict CBOR for the verifier: cbor2 with every check it offers for hostile input, so that a
// token that decodes is in the deterministic encoding the profile requires (RFC 8949 §4.2.1):
// definite lengths, preferred (shortest) heads, map keys unique and in bytewise order, no
// floats, no simple values besides false/true/null, no bignums, no trailing bytes, bounded depth.
import { decode, encode, Tag } from 'cbor2';
import { MAX_DEPTH } from './limits.ts';

export { Tag };

export type Decoded = { ok: true; value: unknown } | { ok: false; detail: string };

const STRICT = {
  // CDE sets sortKeys: keys must be in bytewise order, which also refuses duplicates (cbor2
  // documents it as a superset of rejectDuplicateKeys).
  cde: true,
  rejectStreaming: true,
  requirePreferred: true,
  rejectFloats: true,
  rejectBigInts: true,
  rejectUndefined: true,
  rejectSimple: true,
  // Tags come back as Tag objects; no global decoder (dates, URLs, …) runs on hostile bytes.
  ignoreGlobalTags: true,
  preferMap: true,
} as const;

/** Decodes one item; every problem (truncation, trailing bytes, …) comes back as a value. */
export function decodeStrict(bytes: Uint8Array, maxDepth: number = MAX_DEPTH): Decoded {
  try {
    return { ok: true, value: decode(bytes, { ...STRICT, maxDepth }) };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** Plain words for the library's error message, for the finding's reason. */
export function explainCbor(detail: string): string {
  if (/Extra data/i.test(detail)) return 'it has bytes after the end of the CBOR item';
  if (/Streaming/i.test(detail)) return 'it uses an indefinite length, which the profile forbids';
  if (/Duplicate or out of order key/i.test(detail)) return 'a map has a duplicated key or keys out of the deterministic order';
  if (/long .*encoding|preferred/i.test(detail)) return 'a number or length is not in its shortest encoding';
  if (/depth/i.test(detail)) return 'it is nested deeper than the profile allows';
  if (/end of stream|outside the bounds|Insufficient|Unexpected end/i.test(detail)) return 'it ends in the middle of an item (truncated)';
  if (/float/i.test(detail)) return 'it holds a floating-point number, which the profile forbids';
  return 'it is not well-formed CBOR';
}

/** Deterministic encoding (RFC 8949 §4.2.1, cbor2's CDE mode): what signers sign. */
export function encodeDeterministic(value: unknown): Uint8Array {
  return encode(value, { cde: true });
}
