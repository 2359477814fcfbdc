// Strict CBOR for the verifier: cborg's decoder in its strict options, read through a tokenizer
// that refuses what cborg lets pass, so that an item that decodes is in the deterministic
// encoding the profile requires (RFC 8949 §4.2.1): definite lengths, preferred (shortest) heads,
// map keys unique and in bytewise order, no floats, no simple values besides false/true/null,
// valid UTF-8, no trailing bytes, bounded depth. It accepts exactly what cbor2's decoder accepts
// with { cde, rejectStreaming, requirePreferred, rejectFloats, rejectSimple, rejectUndefined,
// ignoreGlobalTags, preferMap }, with the same values; test/verifier/cbor.test.ts holds it to that.
// The checks run on the bytes as they are read: re-encoding the payload with cborg's RFC 8949
// encoder to compare would cost about five times what decoding it does.
import { decode, Token, Tokenizer, Type, type DecodeOptions } from 'cborg';
import { encode, Tag } from 'cbor2';
import { MAX_DEPTH } from './limits.ts';

export { Tag };

export type Decoded = { ok: true; value: unknown } | { ok: false; detail: string };

const tagNumber = (n: string) => (Number.isSafeInteger(Number(n)) ? Number(n) : BigInt(n));

/** Every tag decodes to a Tag object; no tag decoder (dates, bignums, …) runs on hostile bytes. */
const ANY_TAG = new Proxy({}, { get: (_t, n) => (typeof n === 'string' ? (contents: unknown) => new Tag(tagNumber(n), contents) : undefined) });

const STRICT = {
  strict: true, // preferred (shortest) integers, lengths and tag numbers
  allowIndefinite: false,
  allowUndefined: false,
  // 64-bit integers beyond 2^53 come back as bigint, as cbor2 gives them; claims refuse them.
  allowBigInt: true,
  rejectDuplicateMapKeys: true,
  useMaps: true,
  tags: ANY_TAG as unknown as NonNullable<DecodeOptions['tags']>,
} as const satisfies DecodeOptions;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** An open array, map or tag: items still to come, the depth they sit at, the last map key. */
interface Frame {
  left: number;
  readonly isMap: boolean;
  readonly childDepth: number;
  keyStart: number;
  prevKeyStart: number;
  prevKeyEnd: number;
}

/** Bytewise comparison of data[a0, a1) and data[b0, b1) (RFC 8949 §4.2.1 key order). */
function compareRanges(data: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  for (let i = 0; a0 + i < a1 && b0 + i < b1; i++) {
    const d = data[a0 + i]! - data[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

/** Bytes of a head with additional information `minor` (RFC 8949 §3). */
const headBytes = (minor: number) => (minor < 24 ? 1 : 1 + (1 << (minor - 24)));

/**
 * cborg's tokenizer with the profile's checks on each item as it is read: depth (counted as
 * limits.ts says) before the item is read, so hostile nesting cannot recurse; floats refused;
 * text strings valid UTF-8 and decoded as written (a byte-order mark is kept); each map key
 * greater, bytewise, than the key before it, which also refuses duplicates of any key type.
 */
class ProfileTokenizer extends Tokenizer {
  private readonly stack: Frame[] = [];

  constructor(private readonly bytes: Uint8Array, private readonly maxDepth: number) {
    super(bytes, STRICT);
  }

  override next(): Token {
    const start = this.pos();
    const top = this.stack[this.stack.length - 1];
    const depth = top ? top.childDepth : 0;
    if (depth > this.maxDepth) throw new Error(`nested deeper than depth ${this.maxDepth}`);
    if (top?.isMap) this.keyOrder(top, start);
    let tok = super.next();
    const major = tok.type.major;
    if (major === 7 && tok.type.name === 'float') throw new Error(`a floating-point number (${String(tok.value)})`);
    if (major === 3) tok = this.text(tok, start);
    const items = major === 4 ? tok.value : major === 5 ? 2 * tok.value : major === 6 ? 1 : 0;
    if (items > 0) this.stack.push({ left: items, isMap: major === 5, childDepth: depth + (major === 4 ? 2 : 1), keyStart: -1, prevKeyStart: -1, prevKeyEnd: -1 });
    else this.itemDone();
    return tok;
  }

  /** Called where an item of `map` starts: a key's start, or where the key before it ended. */
  private keyOrder(map: Frame, start: number): void {
    if (map.left % 2 === 0) {
      map.keyStart = start;
      return;
    }
    if (map.prevKeyStart >= 0 && compareRanges(this.bytes, map.prevKeyStart, map.prevKeyEnd, map.keyStart, start) >= 0) {
      throw new Error('Duplicate or out of order map key');
    }
    map.prevKeyStart = map.keyStart;
    map.prevKeyEnd = start;
  }

  /** RFC 8949 §3.1: a text string is UTF-8; cborg decodes non-ASCII leniently, so decode it here. */
  private text(tok: Token, start: number): Token {
    const from = start + headBytes(this.bytes[start]! & 31), to = start + tok.encodedLength!;
    for (let i = from; i < to; i++) {
      if (this.bytes[i]! >= 0x80) return new Token(Type.string, utf8.decode(this.bytes.subarray(from, to)), tok.encodedLength);
    }
    return tok;
  }

  /** cborg hands a tag whatever follows it, even the end of the input: an item left open is truncated. */
  finish<T>(value: T): T {
    if (this.stack.length > 0) throw new Error('not enough data for the open item');
    return value;
  }

  /** One item is complete: the open containers it completes are closed. */
  private itemDone(): void {
    for (let top = this.stack[this.stack.length - 1]; top && --top.left === 0; top = this.stack[this.stack.length - 1]) this.stack.pop();
  }
}

/** Decodes one item; every problem (truncation, trailing bytes, …) comes back as a value. */
export function decodeStrict(bytes: Uint8Array, maxDepth: number = MAX_DEPTH): Decoded {
  try {
    const tokenizer = new ProfileTokenizer(bytes, maxDepth);
    return { ok: true, value: tokenizer.finish(decode(bytes, { ...STRICT, tokenizer })) };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** Plain words for the decoder's error message, for the finding's reason. */
export function explainCbor(detail: string): string {
  if (/too many terminals/i.test(detail)) return 'it has bytes after the end of the CBOR item';
  if (/indefinite length/i.test(detail)) return 'it uses an indefinite length, which the profile forbids';
  if (/out of order|repeat map key/i.test(detail)) return 'a map has a duplicated key or keys out of the deterministic order';
  if (/more bytes than necessary/i.test(detail)) return 'a number or length is not in its shortest encoding';
  if (/deeper than depth/i.test(detail)) return 'it is nested deeper than the profile allows';
  if (/not enough data|not enough entries|did not find any content/i.test(detail)) return 'it ends in the middle of an item (truncated)';
  if (/floating-point/i.test(detail)) return 'it holds a floating-point number, which the profile forbids';
  if (/utf-8/i.test(detail)) return 'a text string is not valid UTF-8';
  if (/simple values|undefined values/i.test(detail)) return 'it holds a simple value other than false, true and null';
  return 'it is not well-formed CBOR';
}

/** Deterministic encoding (RFC 8949 §4.2.1, cbor2's CDE mode): what signers sign. */
export function encodeDeterministic(value: unknown): Uint8Array {
  return encode(value, { cde: true });
}
