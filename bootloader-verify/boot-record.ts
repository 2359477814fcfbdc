// MCUboot's BOOT_RECORD TLV (0x60): a CBOR map (RFC 8949) in the PSA measured-boot shape that
// imgtool's boot_record.py writes: {1: sw_type, 2: measurement value, 4: version,
// 5: signer_id, 6: measurement description}.
import { CborMap, decodeCbor } from './cbor.ts';
import { MAX_BOOT_RECORD } from './limits.ts';
import { hex } from './trust.ts';

export interface BootRecord {
  readonly swType: string | null;
  readonly version: string | null;
  /** Hex SHA-256 of the signer's DER public key, as imgtool writes it. */
  readonly signerId: string | null;
  readonly measurementType: string | null;
}

/** Decodes the record, or null when it is not a map of small keys to numbers and strings. */
export function parseBootRecord(b: Uint8Array): BootRecord | null {
  if (b.length > MAX_BOOT_RECORD) return null;
  const m = decodeCbor(b, 64);
  if (!(m instanceof CborMap) || [...m.values()].some((v) => Array.isArray(v) || v instanceof CborMap)) return null;
  const text = (k: number) => (typeof m.get(k) === 'string' ? (m.get(k) as string) : null);
  const signer = m.get(5);
  return { swType: text(1), version: text(4), signerId: signer instanceof Uint8Array ? hex(signer) : null, measurementType: text(6) };
}
