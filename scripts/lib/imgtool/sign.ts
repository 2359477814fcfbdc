// signImage: an MCUboot image byte for byte as imgtool 2.4.0 `sign` writes it
// (mcu-tools/mcuboot scripts/imgtool/image.py Image.load, create, add_header, pad_to):
//
//   header (32 bytes, then erased fill to headerSize) | payload | protected TLV area |
//   TLV area {hash, KEYHASH or PUBKEY, signature} | [erased fill + trailer when padded]
//
// The hash covers header + payload + protected area; Ed25519 signs that digest, ECDSA P-256
// signs the same region with SHA-256 (keys.ts). Hash-only images carry just the hash TLV.
import type { KeyObject } from 'node:crypto';
import { ZwError } from '../../../hardware/errors.ts';
import {
  FLAG, HEADER_SIZE, IMAGE_MAGIC, TLV, TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC, type ImageVersion,
} from '../../../bootloader-verify/format.ts';
import { digest, hashFor, loadSigningKey, signImageDigest, type HashAlg, type ShaChoice, type SigningKey } from './keys.ts';
import { ALIGNS, checkCustomType, MAX_ALIGNS, parseAlign, parseVersion, type CustomTlv, type Dependency } from './options.ts';
import { bootRecord, protectedEntries, tlvArea, type TlvEntry } from './tlvs.ts';
import { DEFAULT_MAX_ALIGN, DEFAULT_MAX_SECTORS, padToSlot, trailerSize, type TrailerGeometry } from './trailer.ts';

export interface SignOptions {
  /** PEM private key (Ed25519 or ECDSA P-256), a loaded key, or none for a hash-only image. */
  readonly key?: string | Uint8Array | KeyObject | SigningKey | undefined;
  readonly headerSize: number;
  /** Prepend headerSize erased bytes; otherwise the input must start with that many zeros. */
  readonly padHeader?: boolean | undefined;
  readonly align?: number | undefined;
  readonly maxAlign?: number | undefined;
  readonly maxSectors?: number | undefined;
  /** "maj.min.rev+build", later parts optional; default "0". */
  readonly version?: string | undefined;
  /** A value, or 'auto' = (major << 24) + (minor << 16) + revision (imgtool). */
  readonly securityCounter?: number | 'auto' | undefined;
  readonly publicKeyFormat?: 'hash' | 'full' | undefined;
  /** 0 skips the fit check; imgtool always has one (--slot-size is required there). */
  readonly slotSize?: number | undefined;
  readonly pad?: boolean | undefined;
  /** Sets image_ok = 1 in the trailer; implies pad (imgtool main.py). */
  readonly confirm?: boolean | undefined;
  /** Trailer magic only, image_ok left erased; implies pad. */
  readonly test?: boolean | undefined;
  readonly sha?: ShaChoice | undefined;
  readonly customTlvs?: readonly CustomTlv[] | undefined;
  /** Non-zero sets IMAGE_F_RAM_LOAD (imgtool add_header). */
  readonly loadAddr?: number | undefined;
  /** sw_type of a BOOT_RECORD TLV, at most 12 characters (imgtool MAX_SW_TYPE_LENGTH). */
  readonly bootRecord?: string | undefined;
  readonly dependencies?: readonly Dependency[] | undefined;
  /** Value of erased flash: 0xff (default) or 0 (imgtool -R). */
  readonly erasedVal?: 0 | 0xff | undefined;
}

const HASH_TLV: Record<HashAlg, { type: number; name: string }> = {
  sha256: { type: TLV.SHA256, name: 'SHA256' },
  sha384: { type: TLV.SHA384, name: 'SHA384' },
  sha512: { type: TLV.SHA512, name: 'SHA512' },
};

const asKey = (k: SignOptions['key']): SigningKey | undefined =>
  k === undefined ? undefined : typeof k === 'object' && 'spki' in k && 'alg' in k ? (k as SigningKey) : loadSigningKey(k as string | Uint8Array | KeyObject);

function inRange(n: number | undefined, max: number, what: string): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= max)) throw new ZwError('sign.option', `${what} ${n} is outside 0..${max}`);
}

function geometry(o: SignOptions): TrailerGeometry {
  const align = parseAlign(o.align ?? 1, 'alignment', ALIGNS);
  const maxAlign = o.maxAlign === undefined ? Math.max(DEFAULT_MAX_ALIGN, align) : parseAlign(o.maxAlign, 'max alignment', MAX_ALIGNS);
  if (maxAlign < align) throw new ZwError('sign.align', `max alignment ${maxAlign} is below the alignment ${align}`);
  const maxSectors = o.maxSectors ?? DEFAULT_MAX_SECTORS;
  inRange(maxSectors, 0xffff, 'max sectors');
  return { align, maxAlign, maxSectors, erasedVal: o.erasedVal ?? 0xff };
}

/** The header area followed by the payload (imgtool Image.load, check_header). */
function body(payload: Uint8Array, o: SignOptions, erased: number): Uint8Array {
  if (!Number.isInteger(o.headerSize) || o.headerSize < HEADER_SIZE || o.headerSize > 0xffff) {
    throw new ZwError('sign.header', `header size ${o.headerSize} is outside ${HEADER_SIZE}..65535 (imgtool: minimum ${HEADER_SIZE})`);
  }
  if (o.padHeader) return concat(new Uint8Array(o.headerSize).fill(erased), payload);
  if (payload.length < o.headerSize || payload.subarray(0, o.headerSize).some((b) => b !== 0)) {
    throw new ZwError('sign.header', `without --pad-header the input must start with ${o.headerSize} zero bytes for the header`);
  }
  return payload.slice();
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** image.h struct image_header (imgtool add_header): written over the first 32 bytes. */
function writeHeader(img: Uint8Array, headerSize: number, protSize: number, flags: number, loadAddr: number, v: ImageVersion): void {
  const d = new DataView(img.buffer, img.byteOffset, HEADER_SIZE);
  d.setUint32(0, IMAGE_MAGIC, true);
  d.setUint32(4, loadAddr, true);
  d.setUint16(8, headerSize, true);
  d.setUint16(10, protSize, true);
  d.setUint32(12, img.length - headerSize, true);
  d.setUint32(16, flags, true);
  d.setUint8(20, v.major);
  d.setUint8(21, v.minor);
  d.setUint16(22, v.revision, true);
  d.setUint32(24, v.build, true);
  d.setUint32(28, 0, true); // ih_pad1
}

function securityCounter(o: SignOptions, v: ImageVersion): number | undefined {
  if (o.securityCounter === 'auto') return ((v.major << 24) >>> 0) + (v.minor << 16) + v.revision;
  inRange(o.securityCounter, 0xffffffff, 'security counter');
  return o.securityCounter;
}

/** The protected TLVs; the BOOT_RECORD's signer id is the key hash (32 zero bytes without a key). */
function protectedArea(o: SignOptions, v: ImageVersion, alg: HashAlg, keyHash: Uint8Array): Uint8Array {
  if (o.bootRecord !== undefined && (o.bootRecord.length === 0 || [...o.bootRecord].length > 12)) {
    throw new ZwError('sign.option', `boot record sw_type ${JSON.stringify(o.bootRecord)} must be 1..12 characters`);
  }
  for (const c of o.customTlvs ?? []) checkCustomType(c.type);
  const record = o.bootRecord === undefined ? undefined : bootRecord(o.bootRecord, v, HASH_TLV[alg].name, digest(alg).length, keyHash);
  return tlvArea(TLV_PROT_INFO_MAGIC, protectedEntries({ securityCounter: securityCounter(o, v), bootRecord: record, dependencies: o.dependencies, custom: o.customTlvs }));
}

export function signImage(payload: Uint8Array, o: SignOptions): Uint8Array {
  const g = geometry(o);
  const version = parseVersion(o.version ?? '0');
  inRange(o.loadAddr, 0xffffffff, 'load address');
  inRange(o.slotSize, 0xffffffff, 'slot size');
  const key = asKey(o.key);
  const alg = hashFor(key, o.sha ?? 'auto');
  const keyHash = key ? digest(alg, key.spki) : new Uint8Array(32);
  const prot = protectedArea(o, version, alg, keyHash);
  const img = body(payload, o, g.erasedVal);
  writeHeader(img, o.headerSize, prot.length, o.loadAddr ? FLAG.RAM_LOAD : 0, o.loadAddr ?? 0, version);
  const hashed = concat(img, prot);
  const imageDigest = digest(alg, hashed);
  const tlvs: TlvEntry[] = [{ type: HASH_TLV[alg].type, value: imageDigest }];
  if (key) {
    tlvs.push(o.publicKeyFormat === 'full' ? { type: TLV.PUBKEY, value: key.spki } : { type: TLV.KEYHASH, value: keyHash });
    tlvs.push({ type: key.alg === 'ed25519' ? TLV.ED25519 : TLV.ECDSA_SIG, value: signImageDigest(key, hashed, imageDigest) });
  }
  const image = concat(hashed, tlvArea(TLV_INFO_MAGIC, tlvs));
  return fitSlot(image, o, g);
}

/** imgtool check_trailer / pad_to: image + trailer must fit the slot; pad if asked. */
function fitSlot(image: Uint8Array, o: SignOptions, g: TrailerGeometry): Uint8Array {
  const pad = o.pad || o.confirm || o.test;
  const slot = o.slotSize ?? 0;
  if (pad && slot === 0) throw new ZwError('sign.slot', 'padding needs a slot size');
  const need = image.length + trailerSize(g);
  if (slot > 0 && need > slot) {
    throw new ZwError('sign.slot', `image (0x${image.length.toString(16)}) + trailer (0x${trailerSize(g).toString(16)}) exceed the slot size 0x${slot.toString(16)}`);
  }
  return pad ? padToSlot(image, slot, g, o.confirm ?? false) : image;
}
