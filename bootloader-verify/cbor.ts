// A bounded decoder and a deterministic encoder for the CBOR subset Zorgwacht's signed
// documents use (RFC 8949): unsigned integers, byte and text strings, arrays and maps with
// definite lengths. Encoding follows §4.2.1 (core deterministic): shortest heads, map keys in
// bytewise order of their encodings. Decoding refuses indefinite lengths, 64-bit heads,
// negative numbers, tags, floats and simple values — anything outside the subset is null.

export type Cbor = number | string | Uint8Array | Cbor[] | CborMap;
export class CborMap extends Map<number, Cbor> {}

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

function headBytes(major: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`CBOR length or value ${n} out of range`);
  const m = major << 5;
  if (n < 24) return [m | n];
  if (n < 0x100) return [m | 24, n];
  if (n < 0x10000) return [m | 25, n >> 8, n & 0xff];
  return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export function encodeCbor(v: Cbor): Uint8Array {
  const out: number[] = [];
  const put = (x: Cbor): void => {
    if (typeof x === 'number') out.push(...headBytes(0, x));
    else if (typeof x === 'string') { const t = new TextEncoder().encode(x); out.push(...headBytes(3, t.length)); for (const c of t) out.push(c); }
    else if (x instanceof Uint8Array) { out.push(...headBytes(2, x.length)); for (const c of x) out.push(c); }
    else if (Array.isArray(x)) { out.push(...headBytes(4, x.length)); x.forEach(put); }
    else {
      // §4.2.1: keys sorted by their encoded bytes; for small unsigned keys that is numeric order.
      const keys = [...x.keys()].sort((a, b) => a - b);
      out.push(...headBytes(5, keys.length));
      for (const k of keys) { put(k); put(x.get(k)!); }
    }
  };
  put(v);
  return Uint8Array.from(out);
}
