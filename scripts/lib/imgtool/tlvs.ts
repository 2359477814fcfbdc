// Writing TLV areas as imgtool 2.4.0 does (scripts/imgtool/image.py class TLV, Image.create;
// boot_record.py). Layout from MCUboot docs/design.md "Image Format": an info header
// {u16 magic, u16 total} where total counts the info header and every entry, then entries
// {u16 type, u16 len, value}; all little-endian, no alignment padding between entries.
import { ZwError } from '../../../hardware/errors.ts';
import { TLV, TLV_HEADER_SIZE, TLV_INFO_SIZE, type ImageVersion } from '../../../bootloader-verify/format.ts';
import type { CustomTlv, Dependency } from './options.ts';

export interface TlvEntry {
  readonly type: number;
  readonly value: Uint8Array;
}

/** One TLV area: empty entries give no bytes at all (imgtool TLV.get returns b""). */
export function tlvArea(magic: number, entries: readonly TlvEntry[]): Uint8Array {
  if (entries.length === 0) return new Uint8Array(0);
  const total = TLV_INFO_SIZE + entries.reduce((n, e) => n + TLV_HEADER_SIZE + e.value.length, 0);
  if (total > 0xffff) throw new ZwError('sign.tlv', `a TLV area of ${total} bytes does not fit its 16-bit length`);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint16(0, magic, true);
  v.setUint16(2, total, true);
  let at = TLV_INFO_SIZE;
  for (const e of entries) {
    v.setUint16(at, e.type, true);
    v.setUint16(at + 2, e.value.length, true);
    out.set(e.value, at + TLV_HEADER_SIZE);
    at += TLV_HEADER_SIZE + e.value.length;
  }
  return out;
}

const le32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

/** DEPENDENCY value, imgtool struct 'B3x' + 'BBHI': image id, 3 zero bytes, min version. */
function dependencyValue(d: Dependency): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint8(0, d.imageId);
  v.setUint8(4, d.version.major);
  v.setUint8(5, d.version.minor);
  v.setUint16(6, d.version.revision, true);
  v.setUint32(8, d.version.build, true);
  return b;
}

// RFC 8949 §3.1 head: major type in the top 3 bits, the argument inline below 24, else in
// the following 1 or 2 bytes (the fields here are far shorter than 65536 bytes).
function cborHead(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  return [(major << 5) | 25, n >> 8, n & 0xff];
}
const cborText = (s: string): number[] => {
  const b = new TextEncoder().encode(s);
  return [...cborHead(3, b.length), ...b];
};
const cborBytes = (b: Uint8Array): number[] => [...cborHead(2, b.length), ...b];

/** imgtool boot_record.py create_sw_component_data, encoded by hand: cbor2.dumps writes the
 *  map in insertion order {1: sw_type, 4: version "maj.min.rev", 5: signer id (the key hash),
 *  6: "SHA256"/"SHA512", 2: measurement = zero bytes the bootloader fills in (last on purpose)}. */
export function bootRecord(swType: string, v: ImageVersion, hashTlvName: string, digestLength: number, signerId: Uint8Array): Uint8Array {
  const version = `${v.major}.${v.minor}.${v.revision}`;
  return Uint8Array.from([
    ...cborHead(5, 5),
    0x01, ...cborText(swType),
    0x04, ...cborText(version),
    0x05, ...cborBytes(signerId),
    0x06, ...cborText(hashTlvName),
    0x02, ...cborBytes(new Uint8Array(digestLength)),
  ]);
}

export interface ProtectedParts {
  readonly securityCounter?: number | undefined;
  readonly bootRecord?: Uint8Array | undefined;
  readonly dependencies?: readonly Dependency[] | undefined;
  readonly custom?: readonly CustomTlv[] | undefined;
}

/** The protected entries in imgtool's order: SEC_CNT, BOOT_RECORD, DEPENDENCY…, custom…
 *  (image.py Image.create; compression and UUID TLVs would come before the custom ones). */
export function protectedEntries(p: ProtectedParts): TlvEntry[] {
  const out: TlvEntry[] = [];
  if (p.securityCounter !== undefined) out.push({ type: TLV.SEC_CNT, value: le32(p.securityCounter) });
  if (p.bootRecord) out.push({ type: TLV.BOOT_RECORD, value: p.bootRecord });
  for (const d of p.dependencies ?? []) out.push({ type: TLV.DEPENDENCY, value: dependencyValue(d) });
  const seen = new Set<number>();
  for (const c of p.custom ?? []) {
    if (seen.has(c.type)) throw new ZwError('sign.tlv', `custom TLV 0x${c.type.toString(16)} given twice`);
    seen.add(c.type);
    out.push(c);
  }
  return out;
}
