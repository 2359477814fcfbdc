// What an MCUboot image holds, for `zw dump` (the facts imgtool dumpinfo prints): header
// fields, every TLV of both areas, the signer's key hash, the trailer when the image is padded.
// The layout is read by the gateway's own bounded walker (bootloader-verify/tlv.ts parseLayout),
// so a file dump refuses is one the gateway refuses for the same reason.
import { createHash } from 'node:crypto';
import { FLAG, formatVersion, IMAGE_MAGIC, TLV, TLV_VENDOR_MAX, TLV_VENDOR_MIN, u32 } from '../../../bootloader-verify/format.ts';
import { bytesReader } from '../../../bootloader-verify/reader.ts';
import { parseLayout, type ImageLayout, type Parsed, type Tlv } from '../../../bootloader-verify/tlv.ts';
import { nodeCrypto } from '../../../hardware/node/crypto.ts';
import { readTrailer, type TrailerFacts } from './trailer.ts';

export interface TlvFacts {
  readonly area: 'protected' | 'unprotected';
  readonly offset: number;
  readonly type: number;
  readonly name: string;
  readonly length: number;
  readonly value: string;
  /** SEC_CNT only: the counter as a number. */
  readonly securityCounter?: number;
}

export interface DumpInfo {
  readonly header: {
    readonly magic: string;
    readonly loadAddr: number;
    readonly headerSize: number;
    readonly protectedTlvSize: number;
    readonly imageSize: number;
    readonly flags: string[];
    readonly flagsValue: string;
    readonly version: string;
  };
  readonly tlvs: TlvFacts[];
  /** Hash TLV type name and whether it matches header + payload + protected TLVs. */
  readonly hash: { readonly alg: string; readonly matches: boolean } | null;
  /** KEYHASH value, or the hash of the PUBKEY DER with the image's hash algorithm. */
  readonly signer: { readonly from: 'KEYHASH' | 'PUBKEY'; readonly keyHash: string } | null;
  readonly imageLength: number;
  readonly fileLength: number;
  readonly trailer: TrailerFacts | null;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const NAMES = new Map<number, string>(Object.entries(TLV).map(([name, type]) => [type, name]));

export function tlvName(type: number): string {
  return NAMES.get(type) ?? (type >= TLV_VENDOR_MIN && type <= TLV_VENDOR_MAX ? 'VENDOR' : 'UNKNOWN');
}

export function flagNames(flags: number): string[] {
  const names = Object.entries(FLAG).filter(([, bit]) => flags & bit).map(([name]) => name);
  const rest = Object.values(FLAG).reduce((f, bit) => f & ~bit, flags) >>> 0;
  return rest ? [...names, `0x${rest.toString(16)}`] : names;
}

function tlvFacts(t: Tlv): TlvFacts {
  const base = { area: t.protected ? 'protected' : 'unprotected', offset: t.offset, type: t.type, name: tlvName(t.type), length: t.value.length, value: hex(t.value) } as const;
  return t.type === TLV.SEC_CNT && t.value.length === 4 ? { ...base, securityCounter: u32(t.value, 0) } : base;
}

const HASH_ALGS: Record<number, 'sha256' | 'sha384' | 'sha512'> = { [TLV.SHA256]: 'sha256', [TLV.SHA384]: 'sha384', [TLV.SHA512]: 'sha512' };

function hashFacts(bytes: Uint8Array, l: ImageLayout): DumpInfo['hash'] {
  const t = l.tlvs.find((x) => !x.protected && x.type in HASH_ALGS);
  if (!t) return null;
  const alg = HASH_ALGS[t.type]!;
  const d = createHash(alg).update(bytes.subarray(0, l.hashedLength)).digest();
  return { alg: tlvName(t.type), matches: hex(d) === hex(t.value) };
}

function signerFacts(l: ImageLayout): DumpInfo['signer'] {
  const kh = l.tlvs.find((x) => x.type === TLV.KEYHASH);
  if (kh) return { from: 'KEYHASH', keyHash: hex(kh.value) };
  const pk = l.tlvs.find((x) => x.type === TLV.PUBKEY);
  if (!pk) return null;
  // imgtool image.py create: the key hash uses the image's hash algorithm.
  const alg = l.tlvs.some((x) => x.type === TLV.SHA512) ? 'sha512' : 'sha256';
  return { from: 'PUBKEY', keyHash: createHash(alg).update(pk.value).digest('hex') };
}

/** Bounded parse of `bytes`; a malformed image comes back as a reason (image.*), never a throw. */
export function dumpImage(bytes: Uint8Array): Parsed<DumpInfo> {
  const p = parseLayout(bytesReader(bytes, nodeCrypto));
  if (!p.ok) return p;
  const l = p.value, h = l.header;
  return {
    ok: true,
    value: {
      header: {
        magic: `0x${IMAGE_MAGIC.toString(16)}`, loadAddr: h.loadAddr, headerSize: h.hdrSize, protectedTlvSize: h.protectTlvSize,
        imageSize: h.imgSize, flags: flagNames(h.flags), flagsValue: `0x${h.flags.toString(16)}`, version: formatVersion(h.version),
      },
      tlvs: l.tlvs.map(tlvFacts),
      hash: hashFacts(bytes, l),
      signer: signerFacts(l),
      imageLength: l.length,
      fileLength: bytes.length,
      trailer: readTrailer(bytes, l.length),
    },
  };
}

/** The dump as text, one fact per line. */
export function formatDump(d: DumpInfo): string {
  const h = d.header;
  const lines = [
    `header   magic ${h.magic}  load address 0x${h.loadAddr.toString(16)}  header size ${h.headerSize}  protected TLV size ${h.protectedTlvSize}`,
    `         image size ${h.imageSize}  flags ${h.flagsValue}${h.flags.length ? ' (' + h.flags.join(', ') + ')' : ''}  version ${h.version}`,
    ...d.tlvs.map((t) => `tlv      ${t.area.padEnd(11)} 0x${t.type.toString(16).padStart(4, '0')} ${t.name.padEnd(11)} len ${String(t.length).padStart(4)}  ${t.securityCounter ?? t.value}`),
    `hash     ${d.hash ? `${d.hash.alg} ${d.hash.matches ? 'matches' : 'DOES NOT MATCH'}` : 'none'}`,
    `signer   ${d.signer ? `${d.signer.keyHash} (from ${d.signer.from})` : 'none (hash-only image)'}`,
    `length   image ${d.imageLength}, file ${d.fileLength}`,
  ];
  if (d.trailer) lines.push(`trailer  boot magic (max align ${d.trailer.maxAlign}), image_ok 0x${d.trailer.imageOk.toString(16)}`);
  return lines.join('\n') + '\n';
}
