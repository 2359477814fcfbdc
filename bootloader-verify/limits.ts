// Bounds of image verification, in one place (STYLE.md 8). Checked before anything is read or
// allocated from a length field.

/** Largest image the verifier reads: the size of a firmware slot (hardware/layout.ts). */
export const MAX_IMAGE_SIZE = 16 * 1024 * 1024;
/** Smallest header: the 32 bytes MCUboot defines. MCUboot itself accepts less (its n14 case);
 *  we do not. */
export const MIN_HEADER_SIZE = 32;
/** Largest TLV area (protected or not) read into memory; MCUboot areas are a few hundred bytes. */
export const MAX_TLV_AREA = 64 * 1024;
/** Chunk size for streamed hashing and reads. */
export const READ_CHUNK = 64 * 1024;
/** Largest CBOR BOOT_RECORD accepted. */
export const MAX_BOOT_RECORD = 1024;
