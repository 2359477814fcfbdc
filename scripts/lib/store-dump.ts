// What a gateway's store holds, as the gateway would find it at boot (agent/store/FORMAT.md
// "Recovery", "Epoch and rollback"): read through inspectStore, which writes nothing. Every
// problem found is a finding with its reason code; the dump goes on after one.
import type { AuditRecord } from '../../agent/store/audit.ts';
import type { AuditCheck } from '../../agent/store/reader.ts';
import type { LostRange } from '../../agent/store/recover.ts';
import { inspectStore, type StorePorts } from '../../agent/store/store.ts';
import { REASONS, type Reason } from '../../hardware/reasons.ts';

export interface Finding { readonly reason: Reason; readonly meaning: string; readonly detail: string }

/** A value as text: UTF-8 when it decodes and has no control characters but tab and newline,
 *  else hex. */
export interface Shown { readonly encoding: 'utf8' | 'hex'; readonly value: string }

export type KeyEntry = { key: string; size: number } & Partial<Shown> | { key: string; reason: Reason; detail: string };
export interface QueueEntry extends Partial<Shown> { readonly id: number; readonly size: number }

export interface StoreDump {
  readonly verdict: 'ok' | 'reject';
  readonly findings: Finding[];
  readonly recovery: {
    readonly blank: boolean;
    readonly segments: number;
    readonly records: number;
    readonly discarded: number;
    readonly lost: LostRange[];
    readonly lostRecords: number;
    readonly missingSegments: number;
    /** The data's epoch and the store-epoch counter in secure. */
    readonly epoch: number;
    readonly counter: number;
    /** Data one epoch ahead: a cut fell between the two steps; the gateway completes it. */
    readonly epochPending: boolean;
    readonly rollback: { reason: 'store.rollback'; detail: string } | null;
  };
  readonly keys: KeyEntry[];
  /** Queued reports oldest first; null when one could not be read (a finding says why). */
  readonly queue: QueueEntry[] | null;
  readonly audit: AuditRecord[] | null;
  readonly auditChain: AuditCheck;
}

const finding = (reason: Reason, detail: string): Finding => ({ reason, meaning: REASONS[reason], detail });

export function showBytes(b: Uint8Array): Shown {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b);
    if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(s)) return { encoding: 'utf8', value: s };
  } catch {
    // not UTF-8: hex below
  }
  return { encoding: 'hex', value: Buffer.from(b).toString('hex') };
}

/** Reads everything the store on `ports` holds; values and payloads only when `values`. */
export function dumpStore(ports: Pick<StorePorts, 'flash' | 'keys' | 'counters' | 'crypto'>, values = false): StoreDump {
  const { reader, report, counter, rollback } = inspectStore(ports);
  const findings: Finding[] = [];
  if (rollback !== null) findings.push(finding('store.rollback', rollback));
  const lostRecords = report.lost.reduce((n, l) => n + l.to - l.from + 1, 0);
  if (lostRecords > 0 || report.missingSegments > 0) {
    const ranges = report.lost.map((l) => (l.from === l.to ? `${l.from}` : `${l.from}..${l.to}`)).join(', ');
    const parts = [lostRecords > 0 ? `${lostRecords} committed record(s) could not be read (sequence ${ranges})` : '', report.missingSegments > 0 ? `${report.missingSegments} live segment header(s) are gone` : ''];
    findings.push(finding('store.record.auth', parts.filter(Boolean).join('; ')));
  }

  const keys: KeyEntry[] = reader.keyNames().map((key) => {
    const r = reader.get(key);
    if (!r.ok) {
      findings.push(finding(r.reason, r.detail));
      return { key, reason: r.reason, detail: r.detail };
    }
    const v = r.value ?? new Uint8Array(0);
    return { key, size: v.length, ...(values ? showBytes(v) : {}) };
  });

  const peeked = reader.peek(reader.queueLength());
  if (!peeked.ok) findings.push(finding(peeked.reason, `queue: ${peeked.detail}`));
  const queue = peeked.ok ? peeked.value.map(({ id, payload }) => ({ id, size: payload.length, ...(values ? showBytes(payload) : {}) })) : null;

  const records = reader.auditRecords();
  if (!records.ok) findings.push(finding(records.reason, `audit: ${records.detail}`));
  const auditChain = reader.verifyAudit();
  if (!auditChain.ok) findings.push(finding(auditChain.reason, auditChain.detail));

  return {
    verdict: findings.length === 0 ? 'ok' : 'reject',
    findings,
    recovery: {
      blank: report.blank, segments: report.segments, records: report.records, discarded: report.discarded,
      lost: report.lost, lostRecords, missingSegments: report.missingSegments,
      epoch: report.epoch, counter, epochPending: !report.blank && report.epoch === counter + 1,
      rollback: rollback === null ? null : { reason: 'store.rollback', detail: rollback },
    },
    keys,
    queue,
    audit: records.ok ? records.value : null,
    auditChain,
  };
}
