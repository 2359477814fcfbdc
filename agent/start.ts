// The agent's start: announce what booted, from the measurement log the host kept, open the
// store (recovery, rollback check, a new epoch), write the boot into the audit trail, queue the
// boot inventory (what runs in which slot: the hospital's patch status per device) and the boot
// attestation token, start the MQTT session to the provisioned broker (challenges are answered
// with tokens), and gather the posture again every few minutes (a change sends a token).
import { reasonOf } from '../hardware/errors.ts';
import type { Ports } from '../hardware/ports.ts';
import { AGENT_NAME } from './identity.ts';
import { openStore, type Store } from './store/store.ts';
import { startTransport } from './transport/connect.ts';
import type { MqttClient } from './transport/client.ts';
import { ReportQueue } from './transport/reports.ts';
import type { Report } from './transport/envelope.ts';
import { Attester, EAT_CONTENT_TYPE, nextBootSeq } from './attester.ts';

export interface MeasurementRecord {
  /** What was measured: the agent itself, or gateway firmware. */
  readonly type: 'agent' | 'firmware';
  /** Where it was read: its partition. */
  readonly component: string;
  readonly status: 'accepted' | 'rejected';
  readonly reason?: string;
  readonly version?: string;
  readonly signer?: string;
  readonly digest?: string;
  readonly securityCounter?: number | null;
}


/** Opens the store; a rolled-back or unreadable store is logged and the agent runs without
 *  one (null) rather than over a partition it cannot trust. */
function startStore(ports: Ports): Store | null {
  try {
    const o = openStore(ports);
    if (!o.ok) {
      ports.log.log('error', o.reason, { detail: o.detail, epoch: o.report.epoch, counter: ports.counters.read('store-epoch') });
      return null;
    }
    const r = o.report;
    ports.log.log(r.lost.length ? 'error' : 'info', 'store.opened', {
      blank: r.blank, segments: r.segments, records: r.records, discarded: r.discarded,
      lost: r.lost.reduce((n, l) => n + l.to - l.from + 1, 0), epoch: r.epochNow, completedEpoch: r.completedEpoch,
    });
    return o.store;
  } catch (e) {
    ports.log.log('error', reasonOf(e) ?? 'store.open', { detail: String(e) });
    return null;
  }
}

/** The inventory report (JSON, leaf `inventory`): each measured image with its verdict. */
export function inventory(ports: Ports, measurements: readonly MeasurementRecord[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    type: 'boot',
    device: ports.device.id(),
    at: new Date(ports.clock.wallMs()).toISOString(),
    images: measurements.map((m) => ({
      type: m.type, slot: m.component, status: m.status, reason: m.reason ?? null, version: m.version ?? null,
      digest: m.digest ?? null, signer: m.signer ?? null, securityCounter: m.securityCounter ?? null,
    })),
  }));
}

export interface Agent { readonly store: Store | null; readonly client: MqttClient | null; readonly attester: Attester | null }

/** How often the posture is gathered again; a change sends an unsolicited token. */
export const POSTURE_INTERVAL_MS = 5 * 60 * 1000;

export function startAgent(ports: Ports, measurements: readonly MeasurementRecord[], o: { postureIntervalMs?: number } = {}): Agent {
  const store = bootStore(ports, measurements);
  if (!store) return { store, client: null, attester: null };
  const attester = new Attester(ports, measurements, nextBootSeq(store));
  const queue = new ReportQueue(store, ports.log);
  const add = (r: Omit<Report, 'correlationData'>) => {
    const q = queue.add({ ...r, correlationData: null });
    if (!q.ok) ports.log.log('error', q.reason, { leaf: r.leaf, detail: q.detail });
  };
  add({ leaf: 'inventory', payload: inventory(ports, measurements), contentType: 'application/json' });
  const boot = attester.unsolicited('boot');
  if (boot) add({ leaf: 'attest', payload: boot, contentType: EAT_CONTENT_TYPE });
  const client = startTransport(ports, store, (c) => attester.answer(c));
  // Without a broker there is no one to tell: the agent has booted, queued, and ends.
  if (client) setInterval(() => watchPosture(ports, attester, client), o.postureIntervalMs ?? POSTURE_INTERVAL_MS);
  return { store, client, attester };
}

function watchPosture(ports: Ports, attester: Attester, client: MqttClient): void {
  if (!attester.postureChanged()) return;
  const t = attester.unsolicited('posture-change');
  const q = t ? client.report(t, { leaf: 'attest', contentType: EAT_CONTENT_TYPE }) : null;
  if (q && !q.ok) ports.log.log('error', q.reason, { leaf: 'attest', detail: q.detail });
}

function bootStore(ports: Ports, measurements: readonly MeasurementRecord[]): Store | null {
  const self = measurements.find((m) => m.type === 'agent');
  ports.log.log('info', 'agent.start', {
    agent: AGENT_NAME,
    version: self?.version ?? null,
    verified: self?.status === 'accepted',
    digest: self?.digest ?? null,
  });
  for (const m of measurements) {
    ports.log.log(m.status === 'accepted' ? 'info' : 'warn', 'boot.measured', {
      type: m.type, component: m.component, status: m.status, reason: m.reason ?? null, version: m.version ?? null,
    });
  }
  const store = startStore(ports);
  if (!store) return null;
  const refused = measurements.filter((m) => m.status === 'rejected');
  store.audit({
    eventType: 'agent.start',
    subject: 'gateway',
    actor: AGENT_NAME,
    source: 'boot',
    objects: measurements.map((m) => `${m.component}:${m.status === 'accepted' ? m.version ?? 'accepted' : m.reason ?? 'rejected'}`),
    outcome: refused.length === 0 ? 'success' : 'failure',
  });
  const c = store.commit();
  if (!c.ok) ports.log.log('error', c.reason, { detail: c.detail });
  const audit = store.verifyAudit();
  ports.log.log(audit.ok ? 'info' : 'error', audit.ok ? 'store.audit' : audit.reason, audit.ok ? { records: audit.count, head: audit.head } : { index: audit.index, detail: audit.detail });
  return store;
}
