// The MCUboot image format (mcu-tools/mcuboot docs/design.md "Image Format";
// boot/bootutil/include/bootutil/image.h). All multi-byte fields are little-endian.
//
//   [0, hdr_size)                      image header (32 bytes used, the rest 0xFF padding)
//   [hdr_size, hdr_size + img_size)    payload
//   protected TLV area (optional)      info {magic 0x6908, total} + TLVs; counted in
//                                      ih_protect_tlv_size and covered by the hash
//   TLV area                           info {magic 0x6907, total} + TLVs; not hashed
//
// The hash (SHA256/SHA512 TLV) covers header + payload + protected TLV area; the signature
// is over that digest (design.md "Image Format").

export const IMAGE_MAGIC = 0x96f3b83d;
export const HEADER_SIZE = 32;
export const TLV_INFO_MAGIC = 0x6907;
export const TLV_PROT_INFO_MAGIC = 0x6908;
export const TLV_INFO_SIZE = 4;
export const TLV_HEADER_SIZE = 4;

/** ih_flags bits (image.h). */
export const FLAG = {
  PIC: 0x01,
  ENCRYPTED_AES128: 0x04,
  ENCRYPTED_AES256: 0x08,
  NON_BOOTABLE: 0x10,
  RAM_LOAD: 0x20,
  ROM_FIXED: 0x100,
  COMPRESSED_LZMA1: 0x200,
  COMPRESSED_LZMA2: 0x400,
} as const;

/** TLV types (image.h IMAGE_TLV_*). */
export const TLV = {
  KEYHASH: 0x01,
  PUBKEY: 0x02,
  SHA256: 0x10,
  SHA384: 0x11,
  SHA512: 0x12,
  RSA2048_PSS: 0x20,
  ECDSA224: 0x21,
  ECDSA_SIG: 0x22,
  RSA3072_PSS: 0x23,
  ED25519: 0x24,
  SIG_PURE: 0x25,
  ENC_RSA2048: 0x30,
  ENC_KW: 0x31,
  ENC_EC256: 0x32,
  ENC_X25519: 0x33,
  ENC_X25519_SHA512: 0x34,
  DEPENDENCY: 0x40,
  SEC_CNT: 0x50,
  BOOT_RECORD: 0x60,
} as const;

/** imgtool accepts custom TLVs from 0xa0 (its TLV_VENDOR_RES_MIN) up to 0xfffe. */
export const TLV_VENDOR_MIN = 0xa0;
export const TLV_VENDOR_MAX = 0xfffe;

export interface ImageVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

export interface ImageHeader {
  magic: number;
  loadAddr: number;
  hdrSize: number;
  protectTlvSize: number;
  imgSize: number;
  flags: number;
  version: ImageVersion;
}

export const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
export const u32 = (b: Uint8Array, o: number): number =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Parses the fixed 32-byte header; the caller checks the values before trusting them. */
export function parseHeader(b: Uint8Array): ImageHeader {
  return {
    magic: u32(b, 0),
    loadAddr: u32(b, 4),
    hdrSize: u16(b, 8),
    protectTlvSize: u16(b, 10),
    imgSize: u32(b, 12),
    flags: u32(b, 16),
    version: { major: b[20]!, minor: b[21]!, revision: u16(b, 22), build: u32(b, 24) },
  };
}

export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}
