// The offline report queue: the store's queue (agent/store) seen from the transport. A report
// is committed to flash before anything is sent; it leaves the queue only once the broker has
// acknowledged it (or refused it for good), and that removal is committed too. What is still
// queued at start is replayed, oldest first, under the same ids.
import type { Log } from '../../hardware/ports.ts';
import type { Store } from '../store/store.ts';
import { decodeReport, encodeReport, type Report } from './envelope.ts';

export type Queued = { ok: true; id: number } | { ok: false; reason: 'store.full' | 'store.record.auth'; detail: string };

export interface Pending { readonly id: number; readonly report: Report }

export class ReportQueue {
  constructor(private readonly store: Store, private readonly log: Log) {}

  /** Enqueues `r` and commits: when this returns ok the report survives a power cut. Misuse
   *  (a payload over the store's limit, a bad leaf) throws before anything is staged. */
  add(r: Report): Queued {
    const id = this.store.enqueue(encodeReport(r));
    const c = this.store.commit();
    return c.ok ? { ok: true, id } : c;
  }

  get length(): number {
    return this.store.queueLength();
  }

  /** Up to `max` queued reports not in `skip` (those handed out already), oldest first. An
   *  unreadable envelope is dropped with an error line; an unreadable record stops the
   *  hand-over (logged) rather than reorder the queue around it. */
  next(skip: ReadonlySet<number>, max: number): Pending[] {
    if (max <= 0) return [];
    const r = this.store.peek(skip.size + max);
    if (!r.ok) {
      this.log.log('error', r.reason, { detail: r.detail });
      return [];
    }
    const out: Pending[] = [];
    const broken: number[] = [];
    for (const { id, payload } of r.value) {
      if (skip.has(id) || out.length >= max) continue;
      const d = decodeReport(payload);
      if (d.ok) out.push({ id, report: d.report });
      else {
        this.log.log('error', 'transport.envelope', { reportId: id, detail: d.detail });
        broken.push(id);
      }
    }
    if (broken.length) this.remove(broken);
    return out;
  }

  /** Removes delivered (or refused) reports in one commit. */
  remove(ids: readonly number[]): void {
    let n = 0;
    for (const id of ids) if (this.store.ack(id)) n++;
    if (n === 0) return;
    const c = this.store.commit();
    // Not committed: the reports stay queued and go out again after a restart (the receiver
    // drops them by report id).
    if (!c.ok) this.log.log('error', c.reason, { detail: c.detail, acks: n });
  }
}
