// MCUboot's BOOT_RECORD TLV (0x60): a CBOR map (RFC 8949) in the PSA measured-boot shape that
// imgtool's boot_record.py writes: {1: sw_type, 2: measurement value, 4: version,
// 5: signer_id, 6: measurement description}. A bounded decoder for exactly that subset:
// a definite-length map of small unsigned keys to unsigned integers, byte and text strings.
import { MAX_BOOT_RECORD } from './limits.ts';

export interface BootRecord {
  readonly swType: string | null;
  readonly version: string | null;
  /** Hex SHA-256 of the signer's DER public key, as imgtool writes it. */
  readonly signerId: string | null;
  readonly measurementType: string | null;
}

type Value = number | string | Uint8Array;

const toHex = (b: Uint8Array) => Array.from(b, (x) => (x < 16 ? '0' : '') + x.toString(16)).join('');

/** Decodes the record, or null when it is not that subset of well-formed CBOR. */
export function parseBootRecord(b: Uint8Array): BootRecord | null {
  if (b.length > MAX_BOOT_RECORD) return null;
  let at = 0;
  // RFC 8949 §3: initial byte = major type (3 bits) | additional information (5 bits).
  const head = (): { major: number; n: number } | null => {
    if (at >= b.length) return null;
    const ib = b[at++]!, major = ib >> 5, ai = ib & 0x1f;
    if (ai < 24) return { major, n: ai };
    const width = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 0; // no 64-bit or indefinite lengths
    if (!width || at + width > b.length) return null;
    let n = 0;
    for (let i = 0; i < width; i++) n = n * 256 + b[at++]!;
    return { major, n };
  };
  const value = (): Value | null => {
    const h = head();
    if (!h) return null;
    if (h.major === 0) return h.n;
    if ((h.major !== 2 && h.major !== 3) || at + h.n > b.length) return null;
    const bytes = b.subarray(at, (at += h.n));
    if (h.major === 2) return bytes;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  };
  const map = head();
  if (!map || map.major !== 5 || map.n > 16) return null;
  const fields = new Map<number, Value>();
  for (let i = 0; i < map.n; i++) {
    const k = head();
    if (!k || k.major !== 0 || fields.has(k.n)) return null;
    const v = value();
    if (v === null) return null;
    fields.set(k.n, v);
  }
  if (at !== b.length) return null;
  const text = (k: number) => (typeof fields.get(k) === 'string' ? (fields.get(k) as string) : null);
  const signer = fields.get(5);
  return { swType: text(1), version: text(4), signerId: signer instanceof Uint8Array ? toHex(signer) : null, measurementType: text(6) };
}
