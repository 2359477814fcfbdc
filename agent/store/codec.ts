// Bytes of the store (agent/store/FORMAT.md): segment and record headers, and record bodies.
// Pure; the MAC and the AEAD are the caller's.
import { MAX_KEY, MAX_SEALED, RECORD_HEADER, SEGMENT_HEADER } from './limits.ts';

const SEG_MAGIC = [0x5a, 0x57, 0x53, 0x47]; // "ZWSG"
const REC_MAGIC = [0x5a, 0x52]; // "ZR"
const VERSION = 1;
export const MAC_LEN = 16;

export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
}
export function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
/** u64 as a JS number: the store never reaches 2^53 records. */
export function putU64(b: Uint8Array, o: number, v: number): void {
  putU32(b, o, v % 0x100000000);
  putU32(b, o + 4, Math.floor(v / 0x100000000));
}
export function u64(b: Uint8Array, o: number): number {
  // Only multiply when the high word is set: QuickJS 2021 keeps `x * 2^32` as a float even when
  // it is 0, and its Map hashes a float 1.0 and an int 1 differently (`map.get(1)` misses).
  const hi = u32(b, o + 4);
  return hi === 0 ? u32(b, o) : u32(b, o) + hi * 0x100000000;
}

export interface SegmentHeader {
  readonly seq: number;
  readonly epoch: number;
  /** The first record sequence number this segment may hold. */
  readonly first: number;
  /** The log's tail segment when this one was opened. */
  readonly tail: number;
}

/** The 48 authenticated bytes of a segment header (the MAC goes after them). */
export function segmentHeaderBytes(h: SegmentHeader): Uint8Array {
  const b = new Uint8Array(48);
  b.set(SEG_MAGIC, 0);
  b[4] = VERSION;
  putU64(b, 8, h.seq);
  putU32(b, 16, h.epoch);
  putU64(b, 24, h.first);
  putU64(b, 32, h.tail);
  return b;
}

/** Whether `b` starts with the segment magic (a store was written there, whatever its keys). */
export function hasSegmentMagic(b: Uint8Array): boolean {
  for (let i = 0; i < 4; i++) if (b[i] !== SEG_MAGIC[i]) return false;
  return true;
}

/** The fields of a segment header whose magic, version and zero fields are right (the MAC is
 *  checked by the caller); null otherwise. */
export function parseSegmentHeader(b: Uint8Array): SegmentHeader | null {
  if (b.length < SEGMENT_HEADER) return null;
  if (!hasSegmentMagic(b)) return null;
  if (b[4] !== VERSION || b[5] || b[6] || b[7] || u32(b, 20) !== 0 || u64(b, 40) !== 0) return null;
  return { seq: u64(b, 8), epoch: u32(b, 16), first: u64(b, 24), tail: u64(b, 32) };
}

export interface RecordHeader {
  readonly sealedLength: number;
  readonly seq: number;
  readonly epoch: number;
  readonly nonce: Uint8Array;
  /** The last record of its commit. In the authenticated header so that the commits can be
   *  told apart even when a record's body is damaged. */
  readonly last: boolean;
}

export function recordHeaderBytes(h: RecordHeader): Uint8Array {
  const b = new Uint8Array(32);
  b.set(REC_MAGIC, 0);
  b[2] = VERSION;
  b[3] = h.last ? 1 : 0;
  putU32(b, 4, h.sealedLength);
  putU64(b, 8, h.seq);
  putU32(b, 16, h.epoch);
  b.set(h.nonce, 20);
  return b;
}

/** The fields of a record header, bounded (MAX_SEALED) before anything is sized by them. */
export function parseRecordHeader(b: Uint8Array): RecordHeader | null {
  if (b.length < RECORD_HEADER) return null;
  if (b[0] !== REC_MAGIC[0] || b[1] !== REC_MAGIC[1] || b[2] !== VERSION || (b[3]! & ~1) !== 0) return null;
  const sealedLength = u32(b, 4);
  if (sealedLength < 16 || sealedLength > MAX_SEALED) return null;
  return { sealedLength, seq: u64(b, 8), epoch: u32(b, 16), nonce: b.slice(20, 32), last: b[3] === 1 };
}

/** Bytes a record takes on flash: header, sealed body, padding to the 16-byte program unit. */
export function recordSpan(sealedLength: number): number {
  return RECORD_HEADER + Math.ceil(sealedLength / 16) * 16;
}

// ---- bodies ----

export const KIND = { PUT: 1, DELETE: 2, ENQUEUE: 3, ACK: 4, AUDIT: 5, EPOCH: 6, TAIL: 7, AUDIT_ANCHOR: 8 } as const;

export type Entry =
  | { kind: 'put'; key: string; value: Uint8Array }
  | { kind: 'delete'; key: string }
  | { kind: 'enqueue'; id: number; payload: Uint8Array }
  | { kind: 'ack'; id: number }
  | { kind: 'audit'; index: number; prev: Uint8Array; record: Uint8Array }
  | { kind: 'epoch' }
  | { kind: 'tail'; segment: number }
  | { kind: 'audit-anchor'; index: number; hash: Uint8Array };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeKey(key: string): Uint8Array {
  return utf8.encode(key);
}

export function encodeBody(e: Entry): Uint8Array {
  const head = (kind: number, n: number): Uint8Array => {
    const b = new Uint8Array(2 + n);
    b[0] = kind;
    return b;
  };
  switch (e.kind) {
    case 'put': case 'delete': {
      const k = encodeKey(e.key);
      const v = e.kind === 'put' ? e.value : new Uint8Array(0);
      const b = head(e.kind === 'put' ? KIND.PUT : KIND.DELETE, 2 + k.length + v.length);
      b[2] = k.length & 0xff; b[3] = k.length >>> 8;
      b.set(k, 4);
      b.set(v, 4 + k.length);
      return b;
    }
    case 'enqueue': case 'ack': {
      const p = e.kind === 'enqueue' ? e.payload : new Uint8Array(0);
      const b = head(e.kind === 'enqueue' ? KIND.ENQUEUE : KIND.ACK, 8 + p.length);
      putU64(b, 2, e.id);
      b.set(p, 10);
      return b;
    }
    case 'audit': {
      const b = head(KIND.AUDIT, 40 + e.record.length);
      putU64(b, 2, e.index);
      b.set(e.prev, 10);
      b.set(e.record, 42);
      return b;
    }
    case 'epoch': return head(KIND.EPOCH, 0);
    case 'tail': {
      const b = head(KIND.TAIL, 8);
      putU64(b, 2, e.segment);
      return b;
    }
    case 'audit-anchor': {
      const b = head(KIND.AUDIT_ANCHOR, 40);
      putU64(b, 2, e.index);
      b.set(e.hash, 10);
      return b;
    }
  }
}

/** A body that authenticated, parsed; null when it does not have the shape of FORMAT.md (a
 *  record written by another version, or a bug — never trusted further). */
export function decodeBody(b: Uint8Array): { entry: Entry } | null {
  if (b.length < 2 || b[1] !== 0) return null;
  const ok = (entry: Entry) => ({ entry });
  switch (b[0]) {
    case KIND.PUT: case KIND.DELETE: {
      if (b.length < 4) return null;
      const n = b[2]! | (b[3]! << 8);
      if (n === 0 || n > MAX_KEY || 4 + n > b.length) return null;
      let key: string;
      try {
        key = fromUtf8.decode(b.subarray(4, 4 + n));
      } catch {
        return null;
      }
      if (b[0] === KIND.DELETE) return b.length === 4 + n ? ok({ kind: 'delete', key }) : null;
      return ok({ kind: 'put', key, value: b.slice(4 + n) });
    }
    case KIND.ENQUEUE: return b.length >= 10 ? ok({ kind: 'enqueue', id: u64(b, 2), payload: b.slice(10) }) : null;
    case KIND.ACK: return b.length === 10 ? ok({ kind: 'ack', id: u64(b, 2) }) : null;
    case KIND.AUDIT: return b.length >= 42 ? ok({ kind: 'audit', index: u64(b, 2), prev: b.slice(10, 42), record: b.slice(42) }) : null;
    case KIND.EPOCH: return b.length === 2 ? ok({ kind: 'epoch' }) : null;
    case KIND.TAIL: return b.length === 10 ? ok({ kind: 'tail', segment: u64(b, 2) }) : null;
    case KIND.AUDIT_ANCHOR: return b.length === 42 ? ok({ kind: 'audit-anchor', index: u64(b, 2), hash: b.slice(10, 42) }) : null;
    default: return null;
  }
}
