// Writing the log (agent/store/FORMAT.md "Commit"): a commit is one program of all its records
// (after an erase and a segment header when it opens a new segment) and one sync.
import { ZwError } from '../../hardware/errors.ts';
import type { Partition, Rng } from '../../hardware/ports.ts';
import { encodeBody, recordHeaderBytes, recordSpan, segmentHeaderBytes, type Entry, type SegmentHeader } from './codec.ts';
import type { StoreKeys } from './keys.ts';
import { MAX_BODY, MAX_COMMIT, RECORD_HEADER, SEGMENT_HEADER, SEGMENT_SIZE, TAG } from './limits.ts';
import type { LogPosition } from './recover.ts';
import type { RecordLoc } from './scan.ts';

export type Append = { ok: true; locs: RecordLoc[] } | { ok: false; reason: 'store.full'; detail: string };

export class SegmentLog {
  #head: SegmentHeader | null;
  #writeOffset: number | null;
  #tail: number;
  #nextSeq: number;
  epoch: number;

  constructor(private readonly part: Partition, private readonly keys: StoreKeys, private readonly rng: Rng, readonly slots: number, pos: LogPosition) {
    this.#head = pos.head;
    this.#writeOffset = pos.writeOffset;
    this.#tail = pos.tail;
    this.#nextSeq = pos.nextSeq;
    this.epoch = pos.epoch;
  }

  get nextSeq(): number { return this.#nextSeq; }
  get tail(): number { return this.#tail; }
  get head(): number | null { return this.#head?.seq ?? null; }
  /** Slots not holding a live segment. */
  get free(): number { return this.#head ? this.slots - (this.#head.seq - this.#tail + 1) : this.slots; }

  /** Bytes a commit of `entries` takes (records only). */
  static span(entries: readonly Entry[]): number {
    return entries.reduce((n, e) => n + recordSpan(encodeBody(e).length + TAG), 0);
  }

  /** Whether `span` bytes fit the head segment without opening a new one. */
  fits(span: number): boolean {
    return this.#head !== null && this.#writeOffset !== null && this.#writeOffset + span <= SEGMENT_SIZE;
  }

  /** Commits `entries` as one batch: durable when this returns ok. `reserve`: slots that must
   *  stay free if a new segment is opened (compaction may use the reserve, user commits not). */
  append(entries: readonly Entry[], reserve: number): Append {
    const bodies = entries.map((e) => encodeBody(e));
    for (const b of bodies) if (b.length > MAX_BODY) throw new ZwError('store.limit', `record body of ${b.length} bytes exceeds ${MAX_BODY}`);
    const span = bodies.reduce((n, b) => n + recordSpan(b.length + TAG), 0);
    if (span > MAX_COMMIT) throw new ZwError('store.limit', `commit of ${span} bytes exceeds ${MAX_COMMIT}`);
    const open = !this.fits(span);
    if (open && this.free - 1 < reserve) return { ok: false, reason: 'store.full', detail: `${this.free} free segment(s), ${reserve} kept in reserve` };

    const out = new Uint8Array((open ? SEGMENT_HEADER : 0) + span).fill(0xff);
    let at = 0;
    let head = this.#head;
    if (open) {
      head = { seq: head ? head.seq + 1 : 0, epoch: this.epoch, first: this.#nextSeq, tail: this.#tail };
      if (!this.#head) this.#tail = head.seq;
      const hb = segmentHeaderBytes({ ...head, tail: this.#tail });
      out.set(hb, 0);
      out.set(this.keys.mac(hb), hb.length);
      at = SEGMENT_HEADER;
    }
    const slot = head!.seq % this.slots;
    const base = open ? SEGMENT_HEADER : this.#writeOffset!;
    const locs: RecordLoc[] = [];
    let seq = this.#nextSeq;
    for (const [i, body] of bodies.entries()) {
      const nonce = this.rng.bytes(12);
      const hb = recordHeaderBytes({ sealedLength: body.length + TAG, seq, epoch: this.epoch, nonce, last: i === bodies.length - 1 });
      out.set(hb, at);
      out.set(this.keys.mac(hb), at + 32);
      out.set(this.keys.seal(this.epoch, nonce, body, hb), at + RECORD_HEADER);
      const recSpan = recordSpan(body.length + TAG);
      locs.push({ slot, offset: base + (at - (open ? SEGMENT_HEADER : 0)), span: recSpan, seq, epoch: this.epoch });
      at += recSpan;
      seq++;
    }
    if (open) this.part.erase(slot * SEGMENT_SIZE, SEGMENT_SIZE);
    this.part.program(slot * SEGMENT_SIZE + (open ? 0 : this.#writeOffset!), out);
    this.part.sync();
    this.#head = head;
    this.#writeOffset = base + span;
    this.#nextSeq = seq;
    return { ok: true, locs };
  }

  /** After a committed TAIL record: segments below `tail` are dead. */
  setTail(tail: number): void {
    this.#tail = tail;
  }
}
