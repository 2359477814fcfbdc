// Reading records back (agent/store/FORMAT.md "Recovery", step 2): one segment at a time, every
// header MAC and body tag checked, damaged records skipped by their authenticated length or by
// searching forward for the next header that verifies. A read that fails is read again before
// it counts as damage: a bit flipped on the way is not damage.
import type { Partition } from '../../hardware/ports.ts';
import { decodeBody, MAC_LEN, parseRecordHeader, parseSegmentHeader, recordSpan, type Entry, type SegmentHeader } from './codec.ts';
import type { StoreKeys } from './keys.ts';
import { READ_RETRIES, RECORD_HEADER, SEGMENT_HEADER, SEGMENT_SIZE } from './limits.ts';

/** Where a record lives: enough to read it again. */
export interface RecordLoc {
  readonly slot: number;
  readonly offset: number;
  readonly span: number;
  readonly seq: number;
  readonly epoch: number;
}

export interface ScannedRecord extends RecordLoc {
  readonly entry: Entry;
  readonly last: boolean;
}

/** A record whose header verified, whether or not its body did. */
export interface SeenHeader { readonly seq: number; readonly last: boolean }

export interface SegmentScan {
  readonly records: ScannedRecord[];
  readonly headers: SeenHeader[];
  /** Offsets where a record could not be authenticated. */
  readonly damaged: number[];
  /** Offset after the last good record. */
  readonly end: number;
  /** No damage, and everything after `end` is erased: the segment can take more records. */
  readonly clean: boolean;
}

const erased = (b: Uint8Array, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (b[i] !== 0xff) return false;
  return true;
};

/** The segment header in slot `slot` when its MAC verifies and it belongs there; else null. */
export function readSegmentHeader(part: Partition, keys: StoreKeys, slot: number, slots: number): SegmentHeader | null {
  for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
    const b = part.read(slot * SEGMENT_SIZE, SEGMENT_HEADER);
    if (erased(b, 0, SEGMENT_HEADER)) return null;
    const h = parseSegmentHeader(b);
    if (h && keys.macMatches(b.subarray(0, 48), b.subarray(48, 48 + MAC_LEN))) return h.seq % slots === slot ? h : null;
  }
  return null;
}

type Attempt = { ok: true; record: ScannedRecord } | { ok: false; skip: number; header: SeenHeader | null };

/** Reads one record at `offset` of `slot`, from `first` (the bytes already read) and then from
 *  the flash again while it fails. */
export function readRecord(part: Partition, keys: StoreKeys, slot: number, offset: number, first?: Uint8Array): Attempt {
  let skip = 16;
  let header: SeenHeader | null = null;
  for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
    const base = slot * SEGMENT_SIZE + offset;
    const hb = attempt === 0 && first ? first.subarray(offset, offset + RECORD_HEADER) : part.read(base, RECORD_HEADER);
    const h = parseRecordHeader(hb);
    if (!h || !keys.macMatches(hb.subarray(0, 32), hb.subarray(32, 32 + MAC_LEN))) continue;
    const span = recordSpan(h.sealedLength);
    if (offset + span > SEGMENT_SIZE) continue;
    skip = span; // the header is authentic: its length can be trusted to skip the record
    header = { seq: h.seq, last: h.last };
    const sealed = attempt === 0 && first
      ? first.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + h.sealedLength)
      : part.read(base + RECORD_HEADER, h.sealedLength);
    const body = keys.open(h.epoch, h.nonce, sealed, hb.subarray(0, 32));
    const parsed = body ? decodeBody(body) : null;
    if (!parsed) continue;
    return { ok: true, record: { slot, offset, span, seq: h.seq, epoch: h.epoch, entry: parsed.entry, last: h.last } };
  }
  return { ok: false, skip, header };
}

/** Every record of one segment that authenticates, in the order they lie. */
export function scanSegment(part: Partition, keys: StoreKeys, slot: number): SegmentScan {
  const buf = part.read(slot * SEGMENT_SIZE, SEGMENT_SIZE);
  const records: ScannedRecord[] = [];
  const headers: SeenHeader[] = [];
  const damaged: number[] = [];
  let end = SEGMENT_HEADER;
  for (let at = SEGMENT_HEADER; at + RECORD_HEADER <= SEGMENT_SIZE; ) {
    if (erased(buf, at, at + 16)) {
      at += 16;
      continue;
    }
    const r = readRecord(part, keys, slot, at, buf);
    if (r.ok) {
      records.push(r.record);
      headers.push({ seq: r.record.seq, last: r.record.last });
      at += r.record.span;
      end = at;
    } else {
      if (r.header) headers.push(r.header);
      if (damaged.length === 0 || damaged[damaged.length - 1]! < end) damaged.push(at);
      at += r.skip;
    }
  }
  return { records, headers, damaged, end, clean: damaged.length === 0 && erased(buf, end, SEGMENT_SIZE) };
}
