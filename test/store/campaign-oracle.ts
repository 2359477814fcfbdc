// The store power-cut oracle: what a reboot may find after a cut at operation n of the
// workload (campaign-workload.ts). Every commit that returned before the cut is there with its
// exact values; the commit in flight is there entirely or not at all; nothing else appears; the
// queue is FIFO by id; the audit chain verifies and holds exactly the committed events; the
// open never says store.rollback and reports no lost record.
import { createHash } from 'node:crypto';
import type { FlashOp } from '../../hardware/node/flash.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { auditEvent, cloneModel, EMPTY, EXTRA, storeWorkload, valueOf, type Model, type RebootViews, type Step, type View } from './campaign-workload.ts';

export interface Trace {
  ops: FlashOp[];
  /** Each reported step with the operation count when it was reported. */
  steps: { step: Step; endOp: number }[];
}

/** Runs the workload on Node with a counting plan (overlay on, no cut) and records the trace. */
export function recordTrace(flashFile: string): Trace {
  const ops: FlashOp[] = [];
  const steps: Trace['steps'] = [];
  const p = nodePlatform(flashFile, { plan: { cutAt: 0, torn: false, seed: 0, flipReads: 0 }, onOp: (op) => ops.push(op) });
  storeWorkload(p, (step) => steps.push({ step, endOp: p.flash.ops }));
  p.close();
  return { ops, steps };
}

/** The committed model before the cut and the one the commit in flight would make. */
export function window(t: Trace, cutAt: number): { before: Model; after: Model; inflight: string } {
  const done = t.steps.filter((s) => s.endOp < cutAt);
  const before = done.length ? done[done.length - 1]!.step.model : EMPTY;
  const next = t.steps.find((s) => s.endOp >= cutAt);
  return { before, after: next ? next.step.model : before, inflight: next?.step.what ?? '(none)' };
}

/** The reported steps must be exactly those of the trace that completed before the cut. */
export function checkReported(t: Trace, cutAt: number, reported: Step[]): string[] {
  const want = t.steps.filter((s) => s.endOp < cutAt).map((s) => s.step);
  return JSON.stringify(reported) === JSON.stringify(want)
    ? []
    : [`reported ${reported.map((s) => s.what).join(',')} but ${want.map((s) => s.what).join(',')} completed before op ${cutAt}`];
}

const shaCache = new Map<string, string>();
const sha = (tag: string): string => {
  let h = shaCache.get(tag);
  if (!h) shaCache.set(tag, (h = createHash('sha256').update(valueOf(tag)).digest('hex')));
  return h;
};

type Expected = Pick<View, 'kv' | 'queue' | 'audit'>;

/** The view a store holding exactly `m` gives. */
function expected(m: Model): Expected {
  const kv: Record<string, string> = {};
  for (const k of Object.keys(m.kv).sort()) kv[k] = sha(m.kv[k]!);
  return {
    kv,
    queue: m.queue.map((q) => ({ id: q.id, sha: sha(q.tag) })),
    audit: m.audit.map((t, i) => {
      const e = auditEvent(t);
      return { index: i + 1, eventType: e.eventType, subject: e.subject, actor: e.actor, source: e.source, objects: [...e.objects], outcome: e.outcome };
    }),
  };
}

const content = (v: Expected): string => JSON.stringify({ kv: v.kv, queue: v.queue, audit: v.audit });

export interface Judgement {
  problems: string[];
  /** Committed records missing (and records the open reported lost). */
  lost: number;
  /** Wrong values, things never committed, a broken chain, a half commit, a failed open. */
  corrupt: number;
  /** Which model the store matched. */
  matched: Model | null;
}

/** Holds one view to `before` or `after` (the commit in flight all or nothing). */
export function judge(v: View, before: Model, after: Model): Judgement {
  const problems: string[] = [];
  let lost = 0, corrupt = 0;
  if (!v.ok) return { problems: [`open failed: ${v.reason}`], lost: 0, corrupt: 1, matched: null };
  for (const l of v.lost) {
    lost += l.to - l.from + 1;
    problems.push(`open reported records ${l.from}..${l.to} lost`);
  }
  if (!v.verify.ok) {
    corrupt++;
    problems.push(`verifyAudit: ${v.verify.reason} at ${v.verify.index}`);
  }
  const ids = typeof v.queue === 'string' ? [] : v.queue.map((q) => q.id);
  if (ids.some((id, i) => i > 0 && id <= ids[i - 1]!)) {
    corrupt++;
    problems.push(`queue not in id order: ${ids.join(',')}`);
  }
  const got = content(v);
  const matched = got === content(expected(before)) ? before : got === content(expected(after)) ? after : null;
  if (matched) return { problems, lost, corrupt, matched };

  // Neither: count what committed (and untouched by the commit in flight) is missing, and
  // call the rest corruption.
  const b = expected(before), a = expected(after);
  const stable = <T>(x: T[], y: T[]) => x.filter((e) => y.some((f) => JSON.stringify(f) === JSON.stringify(e)));
  const missing: string[] = [];
  for (const [k, h] of Object.entries(b.kv)) if (a.kv[k] === h && v.kv[k] === undefined) missing.push(`key ${k}`);
  const vq = typeof v.queue === 'string' ? [] : v.queue;
  for (const q of stable(b.queue as { id: number; sha: string }[], a.queue as { id: number; sha: string }[])) if (!vq.some((x) => x.id === q.id)) missing.push(`report ${q.id}`);
  const va = typeof v.audit === 'string' ? [] : v.audit;
  for (const e of b.audit as { index: number }[]) if (!va.some((x) => x.index === e.index)) missing.push(`audit ${e.index}`);
  lost += missing.length;
  corrupt++;
  problems.push(`${missing.length ? `missing ${missing.join(', ')}; ` : ''}the store holds neither the committed state nor the commit in flight:\n` +
    `  got    ${describe(v)}\n  before ${describe({ ...v, ...b })}\n  after  ${describe({ ...v, ...a })}`);
  return { problems, lost, corrupt, matched: null };
}

function describe(v: Expected): string {
  const kv = Object.entries(v.kv).map(([k, h]) => `${k}=${h.slice(0, 8)}`).join(' ');
  const q = typeof v.queue === 'string' ? v.queue : v.queue.map((x) => `${x.id}:${x.sha.slice(0, 6)}`).join(' ');
  const a = typeof v.audit === 'string' ? v.audit : v.audit.map((x) => `${x.index}:${x.eventType}`).join(' ');
  return `kv[${kv}] queue[${q}] audit[${a}]`;
}

/** The model after the reboot's extra commit on top of `m`. */
export function withExtra(m: Model, extraId: number): Model {
  const out = cloneModel(m);
  out.kv[EXTRA.key] = EXTRA.tag;
  out.queue.push({ id: extraId, tag: EXTRA.queueTag });
  out.audit.push(EXTRA.event);
  return out;
}

/** Judges both opens of a reboot: the first against the window, the second exactly against
 *  what the first matched plus the extra commit (a discarded tail never comes back). */
export function judgeReboot(r: RebootViews, before: Model, after: Model): Judgement {
  const first = judge(r.first, before, after);
  if (!first.matched || !r.first.ok) return first;
  if (r.extraId === null || r.second === null) {
    return { ...first, corrupt: first.corrupt + 1, problems: [...first.problems, 'the commit after the reboot failed'] };
  }
  const want = withExtra(first.matched, r.extraId);
  const second = judge(r.second, want, want);
  if (r.second.discarded !== 0) second.problems.push(`second open discarded ${r.second.discarded} record(s)`), second.corrupt++;
  if (r.second.completedEpoch) second.problems.push('second open completed an epoch'), second.corrupt++;
  return {
    problems: [...first.problems, ...second.problems.map((p) => `after the extra commit: ${p}`)],
    lost: first.lost + second.lost,
    corrupt: first.corrupt + second.corrupt,
    matched: first.matched,
  };
}
