// Option values as imgtool 2.4.0 reads them (mcu-tools/mcuboot scripts/imgtool/main.py,
// version.py): numbers in Python's int(value, 0) notation, "maj.min.rev+build" versions,
// "(image,version)" dependencies and "--custom-tlv TAG VALUE" pairs. Bad values throw a
// ZwError with a sign.* reason (usage errors of `zw sign`).
import { ZwError } from '../../../hardware/errors.ts';
import { TLV_VENDOR_MAX, TLV_VENDOR_MIN, type ImageVersion } from '../../../bootloader-verify/format.ts';

/** Python int(text, 0) for non-negative values: 0x…, 0o…, 0b… or decimal without leading zeros. */
export function parseNumber(text: string, what: string, max = 0xffffffff): number {
  const t = text.trim().replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, '');
  let n = NaN;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(t)) n = parseInt(t.slice(2), 8);
  else if (/^0[bB][01]+$/.test(t)) n = parseInt(t.slice(2), 2);
  else if (/^(0+|[1-9][0-9]*)$/.test(t)) n = Number(t);
  if (!Number.isSafeInteger(n) || n > max) {
    throw new ZwError('sign.option', `${what} ${JSON.stringify(text)} is not an integer in 0..${max} (decimal, or prefixed 0x, 0o, 0b)`);
  }
  return n;
}

// imgtool version.py version_re: later parts optional, no leading zeros.
const VERSION_RE = /^([1-9]\d*|0)(?:\.([1-9]\d*|0)(?:\.([1-9]\d*|0)(?:\+([1-9]\d*|0))?)?)?$/;

/** "1.2.3+4" → ImageVersion; each part must fit its header field (u8, u8, u16, u32). */
export function parseVersion(text: string): ImageVersion {
  const m = VERSION_RE.exec(text);
  const [major, minor, revision, build] = [1, 2, 3, 4].map((i) => Number(m?.[i] ?? 0)) as [number, number, number, number];
  if (!m || major > 0xff || minor > 0xff || revision > 0xffff || build > 0xffffffff) {
    throw new ZwError('sign.version', `${JSON.stringify(text)} is not maj.min.rev+build (later parts optional) with maj, min < 256, rev < 65536, build < 2^32`);
  }
  return { major, minor, revision, build };
}

export interface Dependency {
  readonly imageId: number;
  readonly version: ImageVersion;
}

/** imgtool get_dependencies: "(1,1.0.0+0), (2, 1.2)" → one DEPENDENCY TLV each. */
export function parseDependencies(text: string): Dependency[] {
  const ids = [...text.matchAll(/\((\d+)/g)].map((m) => m[1]!);
  const versions = [...text.matchAll(/,\s*([0-9.+]+)\)/g)].map((m) => m[1]!);
  if (ids.length === 0 || ids.length !== versions.length) {
    throw new ZwError('sign.option', `dependencies ${JSON.stringify(text)}: expected "(IMAGE_ID,VERSION), ..."`);
  }
  return ids.map((id, i) => {
    const imageId = Number(id);
    if (imageId > 0xff) throw new ZwError('sign.option', `dependency image id ${id} does not fit a byte`);
    return { imageId, version: parseVersion(versions[i]!) };
  });
}

export interface CustomTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** imgtool sign --custom-tlv TAG VALUE: VALUE "0x…" is hex bytes, anything else UTF-8 text. */
export function parseCustomTlv(tag: string, value: string): CustomTlv {
  const type = parseNumber(tag, 'custom TLV tag', 0xffff);
  checkCustomType(type);
  if (!value.startsWith('0x')) return { type, value: new TextEncoder().encode(value) };
  const h = value.slice(2);
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new ZwError('sign.tlv', `custom TLV value ${JSON.stringify(value)} is not an even number of hex digits`);
  return { type, value: Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16)) };
}

/** imgtool TLV.add: custom types lie in TLV_VENDOR_RES_MIN..MAX (no predefined type is there). */
export function checkCustomType(type: number): void {
  if (!Number.isInteger(type) || type < TLV_VENDOR_MIN || type > TLV_VENDOR_MAX) {
    throw new ZwError('sign.tlv', `custom TLV type 0x${type.toString(16)} is outside 0x${TLV_VENDOR_MIN.toString(16)}..0x${TLV_VENDOR_MAX.toString(16)}`);
  }
}

/** imgtool --align choices (the flash write size used by swap updates). */
export const ALIGNS = [1, 2, 4, 8, 16, 32] as const;
export type Align = (typeof ALIGNS)[number];
/** imgtool --max-align choices. */
export const MAX_ALIGNS = [8, 16, 32] as const;

export function parseAlign(n: number, what = 'alignment', allowed: readonly number[] = ALIGNS): number {
  if (!allowed.includes(n)) throw new ZwError('sign.align', `${what} ${n} is not one of ${allowed.join(', ')}`);
  return n;
}
