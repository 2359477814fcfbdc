// Recovery (agent/store/FORMAT.md "Recovery"): find the live segments, hand every kept record
// to `visit` in sequence order, and say what was discarded (an incomplete last commit) and what
// was lost (damage). Nothing is written here.
import type { Partition } from '../../hardware/ports.ts';
import type { SegmentHeader } from './codec.ts';
import type { StoreKeys } from './keys.ts';
import { readSegmentHeader, scanSegment, type ScannedRecord, type SeenHeader } from './scan.ts';

export interface LostRange { readonly from: number; readonly to: number }

export interface RecoveryReport {
  /** No segment at all: a partition never written (or erased). */
  readonly blank: boolean;
  readonly segments: number;
  readonly records: number;
  /** Records of the last commit that did not complete: never reported as committed. */
  readonly discarded: number;
  /** Sequence numbers of committed records that could not be read (store.record.auth). */
  readonly lost: LostRange[];
  /** Live segments whose header is gone. */
  readonly missingSegments: number;
  /** The data's epoch: the highest epoch among kept records and the head header. */
  readonly epoch: number;
}

export interface LogPosition {
  readonly head: SegmentHeader | null;
  /** Where the next commit may go in the head segment; null: open a new segment first. */
  readonly writeOffset: number | null;
  readonly tail: number;
  readonly nextSeq: number;
  readonly epoch: number;
}

/** The cut-off of the head segment's records: everything up to the last commit known to be
 *  complete. Only the last commit can be incomplete — a later commit's records on flash prove
 *  the one before it was synced — so a record missing below that is damage, not a cut. Commit
 *  boundaries come from the authenticated headers, readable even when a body is damaged. */
function committedCutoff(records: readonly ScannedRecord[], headers: readonly SeenHeader[], first: number): number {
  const present = new Set(records.map((r) => r.seq));
  const ends = [...new Set(headers.filter((h) => h.last && h.seq >= first).map((h) => h.seq))].sort((a, b) => a - b);
  if (ends.length === 0) return first - 1;
  const last = ends[ends.length - 1]!;
  const before = ends.length > 1 ? ends[ends.length - 2]! : first - 1;
  for (let s = before + 1; s <= last; s++) if (!present.has(s)) return before;
  return last;
}

/** Records in sequence order, one per sequence number, within [from, to). */
function inRange(records: readonly ScannedRecord[], from: number, to: number): ScannedRecord[] {
  const seen = new Set<number>();
  return records
    .filter((r) => r.seq >= from && r.seq < to && !seen.has(r.seq) && (seen.add(r.seq), true))
    .sort((a, b) => a.seq - b.seq);
}

export function recover(part: Partition, keys: StoreKeys, slots: number, visit: (r: ScannedRecord) => void): { report: RecoveryReport; position: LogPosition } {
  const headers = new Map<number, SegmentHeader>();
  let head: SegmentHeader | null = null;
  for (let slot = 0; slot < slots; slot++) {
    const h = readSegmentHeader(part, keys, slot, slots);
    if (!h) continue;
    headers.set(h.seq, h);
    if (!head || h.seq > head.seq) head = h;
  }
  if (!head) {
    const report = { blank: true, segments: 0, records: 0, discarded: 0, lost: [], missingSegments: 0, epoch: 0 };
    return { report, position: { head: null, writeOffset: null, tail: 0, nextSeq: 1, epoch: 0 } };
  }

  const headScan = scanSegment(part, keys, head.seq % slots);
  const headAll = inRange(headScan.records, head.first, Infinity);
  const cutoff = committedCutoff(headAll, headScan.headers, head.first);
  const headKept = headAll.filter((r) => r.seq <= cutoff);
  // Every record of the incomplete commit counts, readable or not: its authenticated header
  // was seen even when its body was torn or damaged.
  const discarded = new Set([...headScan.headers.map((h) => h.seq), ...headAll.map((r) => r.seq)].filter((s) => s > cutoff && s >= head.first)).size;
  let tail = head.tail;
  for (const r of headKept) if (r.entry.kind === 'tail' && r.entry.segment > tail && r.entry.segment <= head.seq) tail = r.entry.segment;
  tail = Math.max(tail, head.seq - slots + 1);

  const lost: LostRange[] = [];
  let expected: number | null = null;
  let records = 0;
  let epoch = head.epoch;
  let missingSegments = 0;
  const startSegment = (first: number) => {
    if (expected !== null && first > expected) lost.push({ from: expected, to: first - 1 });
    if (expected === null || first > expected) expected = first;
  };
  const deliver = (r: ScannedRecord) => {
    if (expected !== null && r.seq < expected) return;
    if (expected !== null && r.seq > expected) lost.push({ from: expected, to: r.seq - 1 });
    expected = r.seq + 1;
    epoch = Math.max(epoch, r.epoch);
    records++;
    visit(r);
  };

  for (let s = tail; s < head.seq; s++) {
    const h = headers.get(s);
    if (!h) {
      missingSegments++;
      continue;
    }
    let bound = head.first;
    for (let n = s + 1; n <= head.seq; n++) {
      const next = headers.get(n);
      if (next) {
        bound = next.first;
        break;
      }
    }
    startSegment(h.first);
    for (const r of inRange(scanSegment(part, keys, s % slots).records, h.first, bound)) deliver(r);
  }
  startSegment(head.first);
  for (const r of headKept) deliver(r);

  const headLost = lost.some((l) => l.to >= head.first);
  const writeOffset = headScan.clean && discarded === 0 && !headLost ? headScan.end : null;
  const nextSeq = Math.max(expected ?? head.first, head.first);
  const report = { blank: false, segments: head.seq - tail + 1, records, discarded, lost, missingSegments, epoch };
  return { report, position: { head, writeOffset, tail, nextSeq, epoch } };
}
