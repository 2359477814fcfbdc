// A bounded decoder and a deterministic encoder for the CBOR Zorgwacht writes and reads
// (RFC 8949). The encoder covers what signed documents and attestation tokens need: integers
// from -2^53 to 2^53 - 1 (major types 0 and 1), byte and text strings, arrays, maps with
// integer keys and tags, following §4.2.1 (core deterministic): definite lengths, shortest
// heads, map keys in bytewise order of their encodings. The decoder reads only the subset trust
// documents use and refuses indefinite lengths, 64-bit heads, negative numbers, tags, floats and
// simple values — anything outside the subset is null.

export type Cbor = number | string | Uint8Array | Cbor[] | CborMap | CborTag;
export class CborMap extends Map<number, Cbor> {}
/** A tagged item (§3.4); only the encoder takes one. */
export class CborTag {
  constructor(readonly tag: number, readonly value: Cbor) {}
}

const MAX_DEPTH = 8;

export function decodeCbor(b: Uint8Array, maxItems = 4096): Cbor | null {
  let at = 0;
  let items = 0;
  const head = (): { major: number; n: number } | null => {
    if (at >= b.length || ++items > maxItems) return null;
    const ib = b[at++]!, major = ib >> 5, ai = ib & 0x1f;
    if (ai < 24) return { major, n: ai };
    const width = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 0;
    if (!width || at + width > b.length) return null;
    let n = 0;
    for (let i = 0; i < width; i++) n = n * 256 + b[at++]!;
    return { major, n };
  };
  const item = (depth: number): Cbor | null => {
    const h = head();
    if (!h || depth > MAX_DEPTH) return null;
    switch (h.major) {
      case 0: return h.n;
      case 2: case 3: {
        if (at + h.n > b.length) return null;
        const bytes = b.slice(at, (at += h.n));
        if (h.major === 2) return bytes;
        try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { return null; }
      }
      case 4: {
        if (h.n > b.length - at) return null; // each element takes at least one byte
        const out: Cbor[] = [];
        for (let i = 0; i < h.n; i++) { const v = item(depth + 1); if (v === null) return null; out.push(v); }
        return out;
      }
      case 5: {
        if (h.n > (b.length - at) / 2) return null;
        const m = new CborMap();
        for (let i = 0; i < h.n; i++) {
          const k = item(depth + 1);
          if (typeof k !== 'number' || m.has(k)) return null;
          const v = item(depth + 1);
          if (v === null) return null;
          m.set(k, v);
        }
        return m;
      }
      default: return null;
    }
  };
  const v = item(0);
  return v !== null && at === b.length ? v : null;
}

const TWO_32 = 0x100000000;
/** Additional information (§3) by head length: 24, 25, 26, 27 for 1, 2, 4, 8 argument bytes. */
const HEAD_AI = [0, 0, 24, 25, 0, 26, 0, 0, 0, 27];

/** Bytes taken by the head of an item whose argument (length or value) is `n` (§4.2.1:
 *  shortest form). */
export function headLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`CBOR length or value ${n} out of range`);
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < TWO_32 ? 5 : 9;
}

/** Bytewise order of two byte strings (shorter first when one is a prefix of the other). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The order of integer keys' encodings (§4.2.1): unsigned (major type 0) before negative
 *  (major type 1, argument -1 - k); within a major type a smaller argument has a shorter or
 *  equal head and, at equal length, smaller big-endian bytes. */
function keyOrder(a: number, b: number): number {
  if ((a < 0) !== (b < 0)) return a < 0 ? 1 : -1;
  return a < 0 ? b - a : a - b;
}

/** A growing output: heads are written in place, strings copied in once. */
class Writer {
  private buf = new Uint8Array(256);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  /** The head of an item: major type and argument, in its shortest form. */
  head(major: number, n: number): void {
    const len = headLength(n);
    this.room(len);
    this.buf[this.at] = (major << 5) | (len === 1 ? n : HEAD_AI[len]!);
    for (let i = len - 1, x = n; i >= 1; i--, x = Math.floor(x / 256)) this.buf[this.at + i] = x % 256;
    this.at += len;
  }

  /** An integer: major type 0, or 1 for a negative one (argument -1 - x, §3.1). */
  integer(x: number): void {
    if (x < 0) this.head(1, -1 - x);
    else this.head(0, x);
  }

  bytes(major: number, data: Uint8Array): void {
    this.head(major, data.length);
    this.room(data.length);
    this.buf.set(data, this.at);
    this.at += data.length;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

export function encodeCbor(v: Cbor): Uint8Array {
  const w = new Writer();
  const utf8 = new TextEncoder();
  const put = (x: Cbor): void => {
    if (typeof x === 'number') w.integer(x);
    else if (typeof x === 'string') w.bytes(3, utf8.encode(x));
    else if (x instanceof Uint8Array) w.bytes(2, x);
    else if (Array.isArray(x)) { w.head(4, x.length); x.forEach(put); }
    else if (x instanceof CborTag) { w.head(6, x.tag); put(x.value); }
    else {
      // §4.2.1: keys in bytewise order of their encodings, so every negative key follows every
      // unsigned one, and within a major type shorter heads come first.
      const keys = [...x.keys()].sort(keyOrder);
      w.head(5, keys.length);
      for (const k of keys) { w.integer(k); put(x.get(k)!); }
    }
  };
  put(v);
  return w.done();
}
