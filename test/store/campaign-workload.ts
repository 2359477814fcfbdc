// The scripted store workload of the store power-cut campaign (STYLE.md 14) and the reboot that
// follows a cut. Pure (ports only): the same code runs under Node and as bytecode in zw-host.
// After each commit returns ok the workload reports a model of everything now committed; the
// oracle (campaign-oracle.ts) holds the store to those reports after a cut.
import { openStore, type Opened, type Store, type StorePorts } from '../../agent/store/store.ts';
import type { StoreReader } from '../../agent/store/reader.ts';
import type { AuditEvent } from '../../agent/store/audit.ts';
import { toHex } from '../support/bytes.ts';

/** What is committed: values and payloads by tag (valueOf makes the bytes), audit events by
 *  event type (auditEvent makes the rest). */
export interface Model {
  kv: Record<string, string>;
  /** Queued reports in FIFO order. */
  queue: { id: number; tag: string }[];
  audit: string[];
}

export interface Step {
  n: number;
  what: string;
  model: Model;
}

export const EMPTY: Model = { kv: {}, queue: [], audit: [] };

export const cloneModel = (m: Model): Model => JSON.parse(JSON.stringify(m)) as Model;

/** The bytes of a tag `name:length`: a pseudo-random pattern seeded by the whole tag. */
export function valueOf(tag: string): Uint8Array {
  const len = Number(tag.slice(tag.lastIndexOf(':') + 1));
  let h = 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 0x01000193) >>> 0;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    h ^= h << 13; h >>>= 0;
    h ^= h >>> 17;
    h ^= h << 5; h >>>= 0;
    out[i] = h & 0xff;
  }
  return out;
}

export function auditEvent(eventType: string): AuditEvent {
  return { eventType, subject: 'gw-campaign', actor: 'agent', source: 'campaign', objects: [`${eventType}/object`], outcome: 'success' };
}

interface Tx {
  put(key: string, tag: string): void;
  del(key: string): void;
  enqueue(tag: string): void;
  ack(tag: string): void;
  audit(eventType: string): void;
}

/** Stages `build`'s writes, commits, and only then applies them to the model. */
function transaction(store: Store, m: Model, build: (t: Tx) => void): void {
  const after: (() => void)[] = [];
  build({
    put(key, tag) {
      store.put(key, valueOf(tag));
      after.push(() => { m.kv[key] = tag; });
    },
    del(key) {
      store.delete(key);
      after.push(() => { delete m.kv[key]; });
    },
    enqueue(tag) {
      const id = store.enqueue(valueOf(tag));
      after.push(() => { m.queue.push({ id, tag }); });
    },
    ack(tag) {
      const q = m.queue.find((x) => x.tag === tag);
      if (!q || !store.ack(q.id)) throw new Error(`ack ${tag}: not queued`);
      after.push(() => { m.queue = m.queue.filter((x) => x.id !== q.id); });
    },
    audit(eventType) {
      store.audit(auditEvent(eventType));
      after.push(() => { m.audit.push(eventType); });
    },
  });
  const r = store.commit();
  if (!r.ok) throw new Error(`commit: ${r.reason}: ${r.detail}`);
  for (const f of after) f();
}

/** The scripted workload: more than one 64 KiB segment of puts (some overwritten, two deleted),
 *  enqueues and acks, audit appends, two compactions, a checkpoint, and commits after them. */
export function storeWorkload(ports: StorePorts, report: (s: Step) => void): void {
  const o = openStore(ports);
  if (!o.ok) throw new Error(`open: ${o.reason}: ${o.detail}`);
  const store = o.store;
  const m = cloneModel(EMPTY);
  let n = 0;
  const step = (what: string) => report({ n: n++, what, model: cloneModel(m) });
  const commit = (what: string, build: (t: Tx) => void) => {
    transaction(store, m, build);
    step(what);
  };
  step('open');

  // Segment 0.
  commit('config', (t) => {
    t.put('cfg/mode', 'mode@1:64');
    t.put('cfg/broker', 'broker@1:200');
    t.put('cfg/cert', 'cert@1:3000');
    t.audit('store.init');
  });
  commit('reports-1', (t) => {
    t.enqueue('q1:1500');
    t.enqueue('q2:2500');
    t.audit('report.queue.1');
  });
  commit('blob-a', (t) => {
    t.put('blob/a', 'a@1:12000');
    t.audit('blob.a.1');
  });
  commit('blob-b', (t) => {
    t.put('blob/b', 'b@1:12000');
    t.put('doomed', 'doomed@1:800');
    t.audit('blob.b.1');
  });
  commit('overwrite', (t) => {
    t.put('cfg/mode', 'mode@2:64');
    t.put('blob/a', 'a@2:9000');
    t.audit('config.change.1');
  });
  commit('ack-1', (t) => {
    t.ack('q1:1500');
    t.enqueue('q3:4000');
    t.audit('report.ack.1');
  });
  commit('blob-c', (t) => {
    t.put('blob/c', 'c@1:14000');
    t.audit('blob.c.1');
  });
  // Segment 1 opens here.
  commit('delete', (t) => {
    t.del('doomed');
    t.put('cfg/broker', 'broker@2:240');
    t.enqueue('q4:6000');
    t.audit('config.change.2');
  });
  for (let i = 1; i <= 8; i++) {
    commit(`tick-${i}`, (t) => {
      t.put('tick', `tick@${i}:32`);
      if (i % 2 === 0) t.enqueue(`qt${i}:100`);
      t.audit(`tick.${i}`);
    });
  }
  commit('reports-2', (t) => {
    t.enqueue('q5:3000');
    t.enqueue('q6:3000');
    t.ack('q2:2500');
    t.audit('report.ack.2');
  });
  commit('blob-d', (t) => {
    t.put('blob/d', 'd@1:15000');
    t.audit('blob.d.1');
  });
  commit('blob-b-2', (t) => {
    t.put('blob/b', 'b@2:10000');
    t.audit('blob.b.2');
  });
  commit('blob-e', (t) => {
    t.put('blob/e', 'e@1:12000');
    t.audit('blob.e.1');
  });
  // Segment 0's live records move to the head (a new segment), then a TAIL record.
  const c1 = store.compact();
  if (!c1.ok) throw new Error(`compact: ${c1.reason}: ${c1.detail}`);
  step('compact-1');
  store.checkpoint();
  step('checkpoint');
  commit('post-1', (t) => {
    t.put('cfg/mode', 'mode@3:64');
    t.ack('q3:4000');
    t.audit('config.change.3');
  });
  commit('post-2', (t) => {
    t.enqueue('q7:500');
    t.put('blob/c', 'c@2:2000');
    t.audit('report.queue.7');
  });
  commit('post-3', (t) => {
    t.del('cfg/cert');
    t.ack('qt2:100');
    t.audit('config.change.4');
  });
  // Segment 1 (the new tail) is compacted too: its copies land in the head segment.
  const c2 = store.compact();
  if (!c2.ok) throw new Error(`compact: ${c2.reason}: ${c2.detail}`);
  step('compact-2');
  for (let i = 9; i <= 14; i++) {
    commit(`tick-${i}`, (t) => {
      t.put('tick', `tick@${i}:32`);
      t.enqueue(`qt${i}:120`);
      t.audit(`tick.${i}`);
    });
  }
  commit('final', (t) => {
    t.ack('q4:6000');
    t.put('cfg/broker', 'broker@3:240');
    t.audit('store.final');
  });
}

/** Ages a store until the log's head is segment `head` (slot `head` of a partition of more
 *  slots), leaving it logically empty with the tail at the head: the workload then opens
 *  segments in the last slots and wraps around into slots whose old segments' headers still
 *  verify (the erase before reuse is cut too). */
export function ageStore(ports: StorePorts, head: number): void {
  const o = openStore(ports, { checkpointEvery: 0 });
  if (!o.ok) throw new Error(`open: ${o.reason}: ${o.detail}`);
  const s = o.store;
  const must = (c: { ok: boolean; reason?: string }) => {
    if (!c.ok) throw new Error(`ageing: ${c.reason}`);
  };
  for (let i = 0; s.stats().head < head; i++) {
    for (let k = 0; k < 3; k++) s.put(`filler/${k}`, valueOf(`filler-${i}-${k}:16000`));
    must(s.commit());
  }
  for (let k = 0; k < 3; k++) s.delete(`filler/${k}`);
  must(s.commit());
  while (s.stats().tail < s.stats().head) must(s.compact());
}

/** What a reboot sees: the open's report and every value's SHA-256 as the store serves it. */
export interface View {
  ok: boolean;
  reason?: string;
  discarded: number;
  lost: { from: number; to: number }[];
  completedEpoch: boolean;
  /** key → SHA-256 hex of the value, or "unreadable: …". */
  kv: Record<string, string>;
  /** In peek order; or the reason the queue could not be read. */
  queue: { id: number; sha: string }[] | string;
  /** Audit events as stored (without their date-time); or the reason they could not be read. */
  audit: { index: number; eventType: string; subject: string; actor: string; source: string; objects: string[]; outcome: string }[] | string;
  verify: { ok: boolean; count?: number; reason?: string; index?: number };
}

/** What a reader serves: every value's SHA-256, the queue in peek order, the audit trail. */
export function readerView(ports: Pick<StorePorts, 'crypto'>, s: StoreReader): Pick<View, 'kv' | 'queue' | 'audit' | 'verify'> {
  const kv: Record<string, string> = {};
  for (const k of s.keyNames()) {
    const r = s.get(k);
    kv[k] = !r.ok ? `unreadable: ${r.reason}` : r.value === null ? 'null' : toHex(ports.crypto.sha256(r.value));
  }
  const q = s.peek(s.queueLength() + 1);
  const a = s.auditRecords();
  const v = s.verifyAudit();
  return {
    kv,
    queue: q.ok ? q.value.map((x) => ({ id: x.id, sha: toHex(ports.crypto.sha256(x.payload)) })) : `unreadable: ${q.reason}`,
    audit: a.ok
      ? a.value.map((x) => ({ index: x.index, eventType: x.eventType, subject: x.subject, actor: x.actor, source: x.source, objects: [...x.objects], outcome: x.outcome }))
      : `unreadable: ${a.reason}`,
    verify: v.ok ? { ok: true, count: v.count } : { ok: false, reason: v.reason, index: v.index },
  };
}

export function viewOf(ports: Pick<StorePorts, 'crypto'>, o: Opened): View {
  if (!o.ok) return { ok: false, reason: `${o.reason}: ${o.detail}`, discarded: o.report.discarded, lost: o.report.lost, completedEpoch: false, kv: {}, queue: [], audit: [], verify: { ok: false } };
  return {
    ok: true,
    discarded: o.report.discarded,
    lost: o.report.lost.map((l) => ({ from: l.from, to: l.to })),
    completedEpoch: o.report.completedEpoch,
    ...readerView(ports, o.store),
  };
}

/** The commit a reboot makes after checking what it found. */
export const EXTRA = { key: 'reboot/extra', tag: 'extra@1:100', queueTag: 'qr:300', event: 'campaign.reboot' } as const;

export interface RebootViews {
  /** The first open after the cut. */
  first: View;
  /** The id the extra report got (null: the first open failed, nothing more was done). */
  extraId: number | null;
  /** After one more commit and another open. */
  second: View | null;
}

/** The reboot after a cut: open, look, commit once more, open again, look again. */
export function rebootViews(ports: StorePorts): RebootViews {
  const o = openStore(ports);
  const first = viewOf(ports, o);
  if (!o.ok) return { first, extraId: null, second: null };
  o.store.put(EXTRA.key, valueOf(EXTRA.tag));
  const extraId = o.store.enqueue(valueOf(EXTRA.queueTag));
  o.store.audit(auditEvent(EXTRA.event));
  const c = o.store.commit();
  if (!c.ok) return { first, extraId: null, second: null };
  return { first, extraId, second: viewOf(ports, openStore(ports)) };
}
