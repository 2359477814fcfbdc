// Bounded parse of an MCUboot image's layout: header, protected TLV area, TLV area
// (MCUboot docs/design.md "Image Format"; boot/bootutil/src/tlv.c bootutil_tlv_iter_*). Every
// length is checked against what is available before anything is read from it, in plain
// double arithmetic on values below 2^33, so nothing wraps as 32-bit sums can.
import type { Reason } from '../hardware/reasons.ts';
import {
  HEADER_SIZE, IMAGE_MAGIC, parseHeader, TLV_HEADER_SIZE, TLV_INFO_MAGIC, TLV_INFO_SIZE, TLV_PROT_INFO_MAGIC,
  u16, type ImageHeader,
} from './format.ts';
import { MAX_IMAGE_SIZE, MAX_TLV_AREA, MIN_HEADER_SIZE } from './limits.ts';
import type { ImageReader } from './reader.ts';

export interface Tlv {
  readonly type: number;
  readonly value: Uint8Array;
  /** Absolute offset of the TLV header in the image. */
  readonly offset: number;
  readonly protected: boolean;
}

export interface ImageLayout {
  readonly header: ImageHeader;
  /** Length of the hashed region: header + payload + protected TLV area. */
  readonly hashedLength: number;
  /** Total image length: the end of the TLV area. */
  readonly length: number;
  readonly tlvs: readonly Tlv[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: Reason; detail: string };

const no = (reason: Reason, detail: string): { ok: false; reason: Reason; detail: string } => ({ ok: false, reason, detail });

/** Reads one TLV area (info header + entries) at `start` whose info says `magic`. */
function readArea(r: ImageReader, start: number, magic: number, isProtected: boolean, expectTotal?: number): Parsed<{ tlvs: Tlv[]; end: number }> {
  if (start + TLV_INFO_SIZE > r.size) return no('image.truncated', `TLV info at ${start} is past the end (${r.size} bytes)`);
  const info = r.read(start, TLV_INFO_SIZE);
  if (u16(info, 0) !== magic) return no('image.tlv.magic', `TLV info magic 0x${u16(info, 0).toString(16)} at ${start}, expected 0x${magic.toString(16)}`);
  const total = u16(info, 2);
  if (total < TLV_INFO_SIZE || total > MAX_TLV_AREA) return no('image.tlv.size', `TLV area total ${total} at ${start}`);
  // MCUboot bootutil_tlv_iter_begin: the protected area's own total must equal ih_protect_tlv_size.
  if (expectTotal !== undefined && total !== expectTotal) return no('image.tlv.size', `protected TLV total ${total}, header says ${expectTotal}`);
  const end = start + total;
  if (end > r.size) return no('image.tlv.overrun', `TLV area [${start}, ${end}) runs past the end (${r.size} bytes)`);
  const area = r.read(start, total);
  const tlvs: Tlv[] = [];
  for (let at = TLV_INFO_SIZE; at < total; ) {
    if (at + TLV_HEADER_SIZE > total) return no('image.tlv.overrun', `TLV header at ${start + at} runs past its area`);
    const type = u16(area, at), len = u16(area, at + 2);
    // MCUboot bootutil_tlv_iter_next: a TLV whose length runs past the area is an error (n06/n07).
    if (at + TLV_HEADER_SIZE + len > total) return no('image.tlv.overrun', `TLV 0x${type.toString(16)} at ${start + at} (length ${len}) runs past its area`);
    tlvs.push({ type, value: area.slice(at + TLV_HEADER_SIZE, at + TLV_HEADER_SIZE + len), offset: start + at, protected: isProtected });
    at += TLV_HEADER_SIZE + len;
  }
  return { ok: true, value: { tlvs, end } };
}

export function parseLayout(r: ImageReader): Parsed<ImageLayout> {
  if (r.size < HEADER_SIZE) return no('image.truncated', `${r.size} bytes is shorter than the ${HEADER_SIZE}-byte header`);
  const header = parseHeader(r.read(0, HEADER_SIZE));
  if (header.magic !== IMAGE_MAGIC) return no('image.magic', `magic 0x${header.magic.toString(16)}, expected 0x${IMAGE_MAGIC.toString(16)}`);
  // Stricter than MCUboot, which has no lower bound on ih_hdr_size (vectors n13, n14).
  if (header.hdrSize < MIN_HEADER_SIZE) return no('image.header.size', `ih_hdr_size ${header.hdrSize} is below ${MIN_HEADER_SIZE}`);
  const payloadEnd = header.hdrSize + header.imgSize;
  if (payloadEnd > r.size || payloadEnd > MAX_IMAGE_SIZE) return no('image.size', `header + payload end at ${payloadEnd}, past the ${Math.min(r.size, MAX_IMAGE_SIZE)} bytes available`);
  const tlvs: Tlv[] = [];
  let unprotStart = payloadEnd;
  if (header.protectTlvSize > 0) {
    const p = readArea(r, payloadEnd, TLV_PROT_INFO_MAGIC, true, header.protectTlvSize);
    if (!p.ok) return p;
    tlvs.push(...p.value.tlvs);
    unprotStart = p.value.end;
  }
  const u = readArea(r, unprotStart, TLV_INFO_MAGIC, false);
  if (!u.ok) return u;
  tlvs.push(...u.value.tlvs);
  return { ok: true, value: { header, hashedLength: unprotStart, length: u.value.end, tlvs } };
}
