// Reading what the store holds: values, queued reports, the audit trail and its chain. Every
// read authenticates the record again; a record that fails after re-reading is a value
// (store.record.auth), never a throw.
import { hex } from '../../bootloader-verify/trust.ts';
import type { Crypto, Partition } from '../../hardware/ports.ts';
import { chainHash, decodeAuditEvent, type AuditRecord } from './audit.ts';
import type { Entry } from './codec.ts';
import type { StoreKeys } from './keys.ts';
import { readRecord, type RecordLoc } from './scan.ts';
import type { StoreIndex } from './state.ts';

export type Read<T> = { ok: true; value: T } | { ok: false; reason: 'store.record.auth'; detail: string };
export type AuditCheck =
  | { ok: true; count: number; head: string }
  | { ok: false; reason: 'store.audit.chain' | 'store.record.auth'; index: number; detail: string };

const damaged = (loc: RecordLoc): Read<never> => ({ ok: false, reason: 'store.record.auth', detail: `record ${loc.seq} (segment slot ${loc.slot}, offset ${loc.offset}) failed authentication` });

export class StoreReader {
  constructor(protected readonly part: Partition, protected readonly keys: StoreKeys, protected readonly index: StoreIndex, protected readonly crypto: Crypto) {}

  /** The entry at `loc`, authenticated again; null when it cannot be read. */
  protected entryAt(loc: RecordLoc): Entry | null {
    const r = readRecord(this.part, this.keys, loc.slot, loc.offset);
    return r.ok && r.record.seq === loc.seq ? r.record.entry : null;
  }

  /** The committed value of `key`, or null when there is none. */
  get(key: string): Read<Uint8Array | null> {
    const loc = this.index.kv.get(key);
    if (!loc) return { ok: true, value: null };
    const e = this.entryAt(loc);
    return e?.kind === 'put' && e.key === key ? { ok: true, value: e.value } : damaged(loc);
  }

  keyNames(): string[] {
    return [...this.index.kv.keys()].sort();
  }

  queueLength(): number {
    return this.index.queue.size;
  }

  /** Up to `max` queued reports, oldest first. */
  peek(max = 1): Read<{ id: number; payload: Uint8Array }[]> {
    const out: { id: number; payload: Uint8Array }[] = [];
    for (const id of this.index.queueIds().slice(0, max)) {
      const loc = this.index.queue.get(id)!;
      const e = this.entryAt(loc);
      if (e?.kind !== 'enqueue' || e.id !== id) return damaged(loc);
      out.push({ id, payload: e.payload });
    }
    return { ok: true, value: out };
  }

  /** The audit records kept on the device, oldest first, as stored. */
  auditRecords(): Read<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (const a of this.index.audit) {
      const e = this.entryAt(a.loc);
      const ev = e?.kind === 'audit' ? decodeAuditEvent(e.record) : null;
      if (!ev) return damaged(a.loc);
      out.push({ ...ev, onBehalfOf: ev.onBehalfOf ?? null, index: a.index, prevHash: hex(a.prev), hash: hex(a.hash) });
    }
    return { ok: true, value: out };
  }

  /** Re-reads the whole audit trail from the anchor and checks every link of the chain. */
  verifyAudit(): AuditCheck {
    let prev = this.index.anchor.hash;
    let expect = this.index.anchor.index + 1;
    for (const a of this.index.audit) {
      if (a.index !== expect) return { ok: false, reason: 'store.audit.chain', index: expect, detail: `audit record ${expect} is missing (next kept is ${a.index})` };
      const e = this.entryAt(a.loc);
      if (e?.kind !== 'audit' || e.index !== a.index) return { ok: false, reason: 'store.record.auth', index: a.index, detail: `audit record ${a.index} failed authentication` };
      if (hex(e.prev) !== hex(prev)) return { ok: false, reason: 'store.audit.chain', index: a.index, detail: `audit record ${a.index} does not chain to record ${a.index - 1}` };
      prev = chainHash(this.crypto, e.index, e.prev, e.record);
      expect++;
    }
    return { ok: true, count: this.index.audit.length, head: hex(prev) };
  }
}
