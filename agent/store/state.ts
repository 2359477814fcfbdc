// The in-memory index of what the log holds: where each live record is, never its contents
// (values are read from flash when asked for). Built by recovery, kept current by commits.
import type { Crypto } from '../../hardware/ports.ts';
import { chainHash, GENESIS } from './audit.ts';
import type { Entry } from './codec.ts';
import type { RecordLoc } from './scan.ts';

export interface AuditLoc { readonly index: number; readonly loc: RecordLoc; readonly hash: Uint8Array; readonly prev: Uint8Array }

export class StoreIndex {
  readonly kv = new Map<string, RecordLoc>();
  readonly queue = new Map<number, RecordLoc>();
  readonly audit: AuditLoc[] = [];
  anchor: { index: number; hash: Uint8Array; loc: RecordLoc | null } = { index: 0, hash: GENESIS, loc: null };
  #sortedQueue: number[] | null = null;

  constructor(private readonly crypto: Crypto) {}

  apply(e: Entry, loc: RecordLoc): void {
    switch (e.kind) {
      case 'put': this.kv.set(e.key, loc); break;
      case 'delete': this.kv.delete(e.key); break;
      case 'enqueue':
        if (!this.queue.has(e.id)) this.#sortedQueue = null;
        this.queue.set(e.id, loc);
        break;
      case 'ack':
        if (this.queue.delete(e.id)) this.#sortedQueue = null;
        break;
      case 'audit': this.#audit(e.index, e.prev, e.record, loc); break;
      case 'audit-anchor':
        if (e.index >= this.anchor.index) {
          this.anchor = { index: e.index, hash: e.hash, loc };
          while (this.audit.length && this.audit[0]!.index <= e.index) this.audit.shift();
        }
        break;
      case 'epoch': case 'tail': break;
    }
  }

  #audit(index: number, prev: Uint8Array, record: Uint8Array, loc: RecordLoc): void {
    if (index <= this.anchor.index) return;
    const last = this.audit[this.audit.length - 1];
    const entry = () => ({ index, loc, prev, hash: chainHash(this.crypto, index, prev, record) });
    if (last && index <= last.index) {
      // A copy made by compaction: the same record, now at `loc`. Recovery meets a copy after
      // later records when its original's segment is already below the tail: it goes in
      // index order (verifyAudit checks the chain).
      const i = this.audit.findIndex((a) => a.index >= index);
      if (this.audit[i]!.index === index) this.audit[i] = { ...this.audit[i]!, loc };
      else this.audit.splice(i, 0, entry());
      return;
    }
    this.audit.push(entry());
  }

  /** Queue ids, oldest first. */
  queueIds(): number[] {
    return (this.#sortedQueue ??= [...this.queue.keys()].sort((a, b) => a - b));
  }

  /** The last audit record's index and chain value. */
  auditHead(): { index: number; hash: Uint8Array } {
    const last = this.audit[this.audit.length - 1];
    return last ? { index: last.index, hash: last.hash } : { index: this.anchor.index, hash: this.anchor.hash };
  }

  /** Bytes on flash of every live record: what compaction could never give back. */
  liveBytes(): number {
    let n = this.anchor.loc?.span ?? 0;
    for (const loc of this.kv.values()) n += loc.span;
    for (const loc of this.queue.values()) n += loc.span;
    for (const a of this.audit) n += a.loc.span;
    return n;
  }

  /** Every location the index points at in `slot` (what compaction must copy forward). */
  liveIn(slot: number): { key?: string; id?: number; audit?: number; anchor?: boolean; loc: RecordLoc }[] {
    const out: { key?: string; id?: number; audit?: number; anchor?: boolean; loc: RecordLoc }[] = [];
    for (const [key, loc] of this.kv) if (loc.slot === slot) out.push({ key, loc });
    for (const [id, loc] of this.queue) if (loc.slot === slot) out.push({ id, loc });
    for (const a of this.audit) if (a.loc.slot === slot) out.push({ audit: a.index, loc: a.loc });
    if (this.anchor.loc?.slot === slot) out.push({ anchor: true, loc: this.anchor.loc });
    return out.sort((a, b) => a.loc.seq - b.loc.seq);
  }
}
