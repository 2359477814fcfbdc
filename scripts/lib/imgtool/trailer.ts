// The MCUboot image trailer at the end of a slot, as imgtool 2.4.0 writes it with --pad
// (scripts/imgtool/image.py Image.__init__ boot_magic, _trailer_size, pad_to) and as
// bootutil reads it (boot/bootutil/src/bootutil_public.c, docs/design.md "Image Trailer"):
//
//   … swap status (max_sectors × 3 × align) | swap_size | swap_info | copy_done | image_ok |
//   boot magic (16 bytes, in a field of align_up(16, max_align))
//
// each of the four flags in a field of max_align bytes; image_ok is the one just before the
// magic field. Everything but the magic (and image_ok = 0x01 when confirmed) is erased.

/** The boot magic for max_align 8 (bootutil boot_img_magic). */
const BOOT_MAGIC_8 = Uint8Array.from([0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80]);
/** For other max_align values: u16 max_align (little-endian) followed by these 14 bytes. */
const BOOT_MAGIC_TAIL = Uint8Array.from([0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a]);
const MAGIC_SIZE = 16;
/** imgtool DEFAULT_MAX_SECTORS and DEFAULT_MAX_ALIGN. */
export const DEFAULT_MAX_SECTORS = 128;
export const DEFAULT_MAX_ALIGN = 8;

export interface TrailerGeometry {
  /** Flash write size (imgtool --align). */
  readonly align: number;
  /** imgtool --max-align; defaults to max(8, align). */
  readonly maxAlign: number;
  readonly maxSectors: number;
  readonly erasedVal: number;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export function bootMagic(maxAlign: number): Uint8Array {
  if (maxAlign === DEFAULT_MAX_ALIGN) return BOOT_MAGIC_8;
  return Uint8Array.from([maxAlign & 0xff, maxAlign >> 8, ...BOOT_MAGIC_TAIL]);
}

/** imgtool _trailer_size for swap modes without encryption. */
export function trailerSize(g: TrailerGeometry): number {
  return g.maxSectors * 3 * g.align + g.maxAlign * 4 + alignUp(MAGIC_SIZE, g.maxAlign);
}

/** Offset of image_ok counted back from the slot end (imgtool pad_to image_ok_idx). */
const imageOkBack = (maxAlign: number): number => alignUp(MAGIC_SIZE, maxAlign) + maxAlign;

/** image + erased fill + trailer, `slotSize` bytes in all (imgtool pad_to); the caller has
 *  checked that image + trailer fit. `confirm` sets image_ok; a test image leaves it erased. */
export function padToSlot(image: Uint8Array, slotSize: number, g: TrailerGeometry, confirm: boolean): Uint8Array {
  const out = new Uint8Array(slotSize).fill(g.erasedVal);
  out.set(image, 0);
  const magic = bootMagic(g.maxAlign);
  out.set(magic, slotSize - magic.length);
  if (confirm) out[slotSize - imageOkBack(g.maxAlign)] = 0x01;
  return out;
}

export interface TrailerFacts {
  readonly maxAlign: number;
  /** image_ok: 1 confirmed, 0xff (erased) unset, anything else as read. */
  readonly imageOk: number;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Reads a trailer at the end of `file` when one follows the image (dump); null when there is
 *  no boot magic after `imageEnd`. The magic names max_align, which places image_ok. */
export function readTrailer(file: Uint8Array, imageEnd: number): TrailerFacts | null {
  if (file.length - imageEnd < MAGIC_SIZE + DEFAULT_MAX_ALIGN) return null;
  const tail = file.subarray(file.length - MAGIC_SIZE);
  let maxAlign = 0;
  if (same(tail, BOOT_MAGIC_8)) maxAlign = DEFAULT_MAX_ALIGN;
  else if (same(tail.subarray(2), BOOT_MAGIC_TAIL)) maxAlign = tail[0]! | (tail[1]! << 8);
  if (!(maxAlign >= 1 && maxAlign <= 0x8000) || file.length - imageEnd < imageOkBack(maxAlign)) return null;
  return { maxAlign, imageOk: file[file.length - imageOkBack(maxAlign)]! };
}
