// The data types of MQTT 5.0 §1.5: a bounded reader that refuses (never throws anything but a
// Refusal) and a growable writer that throws a ZwError on our own misuse. UTF-8 is coded here
// rather than through TextEncoder/TextDecoder so that well-formedness is checked the same way
// under Node and in zw-host.
import { fail } from '../../hardware/errors.ts';
import { MAX_FIELD, MAX_VARINT } from './limits.ts';
import { malformed } from './reject.ts';

/** Why `b` is not well-formed UTF-8 (RFC 3629, as MQTT 5.0 §1.5.4 restates it), or null.
 *  U+0000 is refused in strings [MQTT-1.5.4-2], allowed in a payload marked as text. */
export function utf8Problem(b: Uint8Array, allowNul = false): string | null {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c === 0 && !allowNul) return `U+0000 at ${i}`;
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0) return `byte 0x${c.toString(16)} at ${i} cannot start a UTF-8 sequence`;
    if (i + n > b.length) return `a UTF-8 sequence is cut at ${i}`;
    let cp = c & (0x7f >> n);
    for (let k = 1; k < n; k++) {
      const x = b[i + k]!;
      if ((x & 0xc0) !== 0x80) return `byte ${i + k} is not a UTF-8 continuation byte`;
      cp = (cp << 6) | (x & 0x3f);
    }
    // RFC 3629 §3: no overlong forms, no surrogates, nothing above U+10FFFF.
    if ((n === 3 && cp < 0x800) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff))) return `overlong or out-of-range UTF-8 at ${i}`;
    if (cp >= 0xd800 && cp <= 0xdfff) return `an encoded surrogate at ${i}`;
    i += n;
  }
  return null;
}

/** The text of UTF-8 that utf8Problem() passed. */
function decodeWellFormed(b: Uint8Array): string {
  const units: number[] = [];
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    let cp = n === 1 ? c : c & (0x7f >> n);
    for (let k = 1; k < n; k++) cp = (cp << 6) | (b[i + k]! & 0x3f);
    if (cp < 0x10000) units.push(cp);
    else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    if (units.length >= 1024) { out += String.fromCharCode.apply(null, units); units.length = 0; }
    i += n;
  }
  return units.length ? out + String.fromCharCode.apply(null, units) : out;
}

/** UTF-8 of a string we send: lone surrogates and U+0000 are our misuse (§1.5.4). */
export function encodeUtf8(s: string, what: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); i++; }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) fail('mqtt.usage', `"${what}" expected well-formed text, got a lone surrogate at ${i}`);
    if (cp === 0) fail('mqtt.usage', `"${what}" must not contain U+0000 (MQTT 5.0 §1.5.4)`);
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

export class Reader {
  #b: Uint8Array;
  pos: number;
  readonly end: number;
  constructor(b: Uint8Array, pos = 0, end = b.length) {
    this.#b = b;
    this.pos = pos;
    this.end = end;
  }
  left(): number { return this.end - this.pos; }
  #need(n: number, what: string): void {
    if (this.end - this.pos < n) malformed(`${what}: the packet ends ${n - (this.end - this.pos)} byte(s) early`);
  }
  u8(what: string): number { this.#need(1, what); return this.#b[this.pos++]!; }
  u16(what: string): number {
    this.#need(2, what);
    const v = (this.#b[this.pos]! << 8) | this.#b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.#need(4, what);
    const b = this.#b, p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  /** §1.5.5: at most four bytes, in the fewest bytes that hold the value [MQTT-1.5.5-1]. */
  varint(what: string): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const x = this.u8(what);
      v |= (x & 0x7f) << (7 * i);
      if ((x & 0x80) === 0) {
        if (i > 0 && x === 0) malformed(`${what}: Variable Byte Integer not in its shortest form (§1.5.5)`);
        return v;
      }
    }
    return malformed(`${what}: Variable Byte Integer longer than four bytes (§1.5.5)`);
  }
  bytes(n: number, what: string): Uint8Array {
    this.#need(n, what);
    const v = this.#b.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** §1.5.6 Binary Data: a two-byte length, then that many bytes. */
  binary(what: string): Uint8Array { return this.bytes(this.u16(what), what); }
  /** §1.5.4 UTF-8 Encoded String. */
  utf8(what: string): string {
    const n = this.u16(what);
    this.#need(n, what);
    const b = this.#b.subarray(this.pos, this.pos + n);
    const problem = utf8Problem(b);
    if (problem !== null) malformed(`${what}: ${problem} (§1.5.4)`);
    this.pos += n;
    return decodeWellFormed(b);
  }
  /** A reader over the next `n` bytes, which this one skips (a property block). */
  sub(n: number, what: string): Reader {
    this.#need(n, what);
    const r = new Reader(this.#b, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  /** The bytes up to the end (a PUBLISH payload): a view, not a copy — the Decoder gives every
   *  packet a buffer of its own. */
  rest(): Uint8Array {
    const v = this.#b.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}

export class Writer {
  #b = new Uint8Array(64);
  #n = 0;
  get length(): number { return this.#n; }
  #room(n: number): void {
    if (this.#n + n <= this.#b.length) return;
    let size = this.#b.length * 2;
    while (size < this.#n + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.#b.subarray(0, this.#n));
    this.#b = b;
  }
  u8(v: number): void { this.#room(1); this.#b[this.#n++] = v & 0xff; }
  u16(v: number): void { this.u8(v >>> 8); this.u8(v); }
  u32(v: number): void { this.u16(v >>> 16); this.u16(v & 0xffff); }
  varint(v: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > MAX_VARINT) fail('mqtt.usage', `"${what}" expected an integer in 0..${MAX_VARINT}, got ${v}`);
    do {
      const x = v % 128;
      v = (v - x) / 128;
      this.u8(v > 0 ? x | 0x80 : x);
    } while (v > 0);
  }
  bytes(b: Uint8Array): void { this.#room(b.length); this.#b.set(b, this.#n); this.#n += b.length; }
  binary(b: Uint8Array, what: string): void {
    if (!(b instanceof Uint8Array)) fail('mqtt.usage', `"${what}" expected Uint8Array`);
    if (b.length > MAX_FIELD) fail('mqtt.usage', `"${what}" expected at most ${MAX_FIELD} bytes, got length=${b.length}`);
    this.u16(b.length);
    this.bytes(b);
  }
  utf8(s: string, what: string): void {
    if (typeof s !== 'string') fail('mqtt.usage', `"${what}" expected string, got ${typeof s}`);
    this.binary(encodeUtf8(s, what), what);
  }
  finish(): Uint8Array { return this.#b.slice(0, this.#n); }
}

/** An integer field we send, checked against its width. */
export function checkInt(v: unknown, min: number, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail('mqtt.usage', `"${what}" expected an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}
