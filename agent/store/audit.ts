// Audit records (DESIGN.md §Contracts "Audit records (NEN 7513)"): event type, date-time,
// subject, actor, on-behalf-of, source, objects, outcome — and the hash of the previous record,
// so that a missing, altered or reordered record breaks the chain.
import { ZwError } from '../../hardware/errors.ts';
import type { Crypto } from '../../hardware/ports.ts';
import { putU64 } from './codec.ts';

export interface AuditEvent {
  /** What happened, as a dotted code (`image.verify`, `store.rollback`, `config.change`). */
  readonly eventType: string;
  /** When (ISO 8601, UTC). Filled from the device clock when absent; the clock is not trusted. */
  readonly dateTime?: string;
  /** Whom or what it concerns: the device, a medical device on the ward, a patient context. */
  readonly subject: string;
  /** Who did it: a user or a service. */
  readonly actor: string;
  readonly onBehalfOf?: string | null;
  /** Where from: the access point (console, broker connection, local service). */
  readonly source: string;
  /** The objects involved (images, keys, records). */
  readonly objects: readonly string[];
  readonly outcome: 'success' | 'failure' | 'refused';
}

export interface AuditRecord extends Required<AuditEvent> {
  readonly index: number;
  /** Hex SHA-256 chain value of the previous record (64 zeros before the first). */
  readonly prevHash: string;
  readonly hash: string;
}

export const GENESIS = new Uint8Array(32);
const DOMAIN = new TextEncoder().encode('zorgwacht/audit/v1');
const OUTCOMES = ['success', 'failure', 'refused'];

/** The stored bytes of an event: UTF-8 JSON with the fields in the order above. */
export function encodeAuditEvent(e: AuditEvent, now: () => string): Uint8Array {
  const str = (name: string, v: unknown, optional = false): string | null => {
    if (optional && (v === undefined || v === null)) return null;
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) throw new ZwError('input.type', `audit "${name}" expected a string of 1..256 characters`);
    return v;
  };
  if (!Array.isArray(e.objects) || e.objects.length > 32) throw new ZwError('input.type', 'audit "objects" expected an array of at most 32 strings');
  if (!OUTCOMES.includes(e.outcome)) throw new ZwError('input.range', `audit "outcome" expected ${OUTCOMES.join('|')}`);
  const record = {
    eventType: str('eventType', e.eventType),
    dateTime: str('dateTime', e.dateTime ?? now()),
    subject: str('subject', e.subject),
    actor: str('actor', e.actor),
    onBehalfOf: str('onBehalfOf', e.onBehalfOf, true),
    source: str('source', e.source),
    objects: e.objects.map((o, i) => str(`objects[${i}]`, o)),
    outcome: e.outcome,
  };
  return new TextEncoder().encode(JSON.stringify(record));
}

/** chain(i) = SHA-256("zorgwacht/audit/v1" || u64 index || chain(i-1) || record bytes). */
export function chainHash(crypto: Crypto, index: number, prev: Uint8Array, record: Uint8Array): Uint8Array {
  const idx = new Uint8Array(8);
  putU64(idx, 0, index);
  return crypto.hash('sha256').update(DOMAIN).update(idx).update(prev).update(record).digest();
}

export function decodeAuditEvent(b: Uint8Array): Required<AuditEvent> | null {
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b)) as Required<AuditEvent>;
    return typeof v === 'object' && v !== null && typeof v.eventType === 'string' ? v : null;
  } catch {
    return null;
  }
}
