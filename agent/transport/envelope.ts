// A report as the store's queue keeps it: where it goes (the leaf of zw/v1/<id>/), its Content
// Type and Correlation Data, and the payload — everything needed to publish it again after a
// restart. Layout (all lengths big-endian):
//   u8 version (1) | u8 leaf index (topics.ts LEAVES) | u8 content-type length | content type
//   | u16 correlation-data length | correlation data | payload (the rest)
// The queue record is authenticated by the store; decoding still checks every length.
import { fail } from '../../hardware/errors.ts';
import { LEAVES, type Leaf } from '../mqtt/topics.ts';
import { MAX_CONTENT_TYPE, MAX_CORRELATION } from './limits.ts';

const VERSION = 1;

export interface Report {
  readonly leaf: Leaf;
  readonly payload: Uint8Array;
  readonly contentType: string | null;
  readonly correlationData: Uint8Array | null;
}

export type Decoded = { ok: true; report: Report } | { ok: false; detail: string };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The envelope of `r`; a leaf, content type or correlation data outside the bounds is misuse. */
export function encodeReport(r: Report): Uint8Array {
  const leaf = LEAVES.indexOf(r.leaf);
  if (leaf < 0) fail('mqtt.usage', `"leaf" expected one of ${LEAVES.join(', ')}, got ${String(r.leaf)}`);
  if (!(r.payload instanceof Uint8Array)) fail('mqtt.usage', '"payload" expected Uint8Array');
  const ct = r.contentType === null ? new Uint8Array(0) : utf8.encode(r.contentType);
  if (ct.length > MAX_CONTENT_TYPE) fail('mqtt.usage', `"contentType" expected at most ${MAX_CONTENT_TYPE} UTF-8 bytes, got ${ct.length}`);
  const cd = r.correlationData ?? new Uint8Array(0);
  if (!(cd instanceof Uint8Array) || cd.length > MAX_CORRELATION) fail('mqtt.usage', `"correlationData" expected Uint8Array of at most ${MAX_CORRELATION} bytes`);
  const out = new Uint8Array(3 + ct.length + 2 + cd.length + r.payload.length);
  out[0] = VERSION;
  out[1] = leaf;
  out[2] = ct.length;
  out.set(ct, 3);
  let at = 3 + ct.length;
  out[at] = cd.length >> 8;
  out[at + 1] = cd.length & 0xff;
  out.set(cd, at + 2);
  at += 2 + cd.length;
  out.set(r.payload, at);
  return out;
}

/** The report in an envelope, or why it is not one. An empty content type or correlation data
 *  stands for none (neither is ever sent empty). */
export function decodeReport(b: Uint8Array): Decoded {
  if (b.length < 5) return { ok: false, detail: `${b.length} bytes is shorter than an envelope header` };
  if (b[0] !== VERSION) return { ok: false, detail: `envelope version ${b[0]}` };
  const leaf = LEAVES[b[1]!];
  if (leaf === undefined) return { ok: false, detail: `leaf index ${b[1]}` };
  const ctLen = b[2]!;
  if (ctLen > MAX_CONTENT_TYPE || 3 + ctLen + 2 > b.length) return { ok: false, detail: `content type of ${ctLen} bytes` };
  let contentType: string | null = null;
  try {
    if (ctLen) contentType = fromUtf8.decode(b.subarray(3, 3 + ctLen));
  } catch {
    return { ok: false, detail: 'content type is not UTF-8' };
  }
  let at = 3 + ctLen;
  const cdLen = (b[at]! << 8) | b[at + 1]!;
  at += 2;
  if (cdLen > MAX_CORRELATION || at + cdLen > b.length) return { ok: false, detail: `correlation data of ${cdLen} bytes` };
  const correlationData = cdLen ? b.slice(at, at + cdLen) : null;
  return { ok: true, report: { leaf, contentType, correlationData, payload: b.slice(at + cdLen) } };
}
