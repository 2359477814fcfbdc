// The store's power-cut campaign (STYLE.md 14, 15): count the flash operations of a scripted
// store workload (campaign-workload.ts), then cut the power at every operation 1…N, clean and
// torn, with several seeds for which unsynced operations land — on the Node flash and in
// zw-host-dev (x86_64, and aarch64 under qemu-user) — and reboot after each: the oracle
// (campaign-oracle.ts) holds the store to every commit that returned, the commit in flight all
// or nothing. The workload runs on two devices: a blank one (the first open makes the storage
// root) and an aged one whose log is about to wrap around, so that segments are opened in slots
// still holding old segments. Some reboots also run inside zw-host, some read-only first, some
// with bit flips on read (which the store's re-reads must make invisible), some are cut again.
// `npm run fault` (ZW_CAMPAIGN=full) runs more seeds and every operation on every target.
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionSpec } from '../../hardware/layout.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { PowerCut, type FaultPlan } from '../../hardware/node/fault.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode, type Arch } from '../../scripts/lib/host.ts';
import { inspectStore, openStore } from '../../agent/store/store.ts';
import { checkReported, judgeReboot, recordTrace, window, type Trace } from './campaign-oracle.ts';
import { ageStore, readerView, rebootViews, storeWorkload, type RebootViews, type Step, type View } from './campaign-workload.ts';

const FULL = process.env.ZW_CAMPAIGN === 'full';
type Target = 'node' | Arch;
const SEEDS: Record<Target, number[]> = FULL
  ? { node: [1, 2, 3, 4, 5, 6], x86_64: [1, 2, 3, 4, 5, 6], aarch64: [1, 2, 3] }
  : { node: [1, 2, 3], x86_64: [1], aarch64: [1] };
/** aarch64 under qemu-user is slow: by default every third operation, torn only. */
const AARCH64_EVERY = FULL ? 1 : 3;
/** Probability of a flipped bit per read in the reboots that test re-reading. */
const FLIP = 0.05;
/** The flip seed of the zw-host reboots (reads of `secure` and `data` flip alike; the generator
 *  is hardware/node/fault.ts's mulberry32 on every architecture). */
const HOST_FLIP_SEED = 11;
/** The aged device's log head: the workload then opens segments in slots 127, 0 and 1. */
const AGED_HEAD = 126;

const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'zw-store-fault-'));
const blankFile = join(dir, 'blank.flash');
const workloadCode = join(dir, 'workload.qjsbc');
const checkCode = join(dir, 'check.qjsbc');
let built: Promise<void> | undefined;

const secure = partitionSpec('secure')!;
const data = partitionSpec('data')!;
/** What the workload and the reboots write: `secure` and `data`. Runs start from a base image
 *  of these and clones copy them (the rest of every device file stays blank). */
const REGIONS = [
  { offset: secure.offset, size: secure.size },
  { offset: data.offset, size: data.size },
];

type BaseName = 'fresh' | 'aged';
const BASES: readonly BaseName[] = ['fresh', 'aged'];
interface Base { image: Uint8Array; trace: Trace }
const bases = new Map<BaseName, Base>();
const base = (name: BaseName): Base => bases.get(name)!;

beforeAll(() => {
  createBlankDevice(blankFile);
  built = Promise.all([
    buildBytecode(join(ROOT, 'test/store/campaign-in-host.ts'), workloadCode),
    buildBytecode(join(ROOT, 'test/store/campaign-check-in-host.ts'), checkCode),
  ]).then(() => undefined);
  built.catch(() => {});
  for (const name of BASES) {
    const f = join(dir, `${name}-base.flash`);
    copyFileSync(blankFile, f);
    if (name === 'aged') {
      const p = nodePlatform(f);
      ageStore(p, AGED_HEAD);
      p.close();
    }
    const image = readRegions(f);
    bases.set(name, { image, trace: recordTrace(f) });
    writeRegions(f, image);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readRegions(file: string): Uint8Array {
  const out = new Uint8Array(REGIONS.reduce((n, r) => n + r.size, 0));
  const fd = openSync(file, 'r');
  let at = 0;
  for (const r of REGIONS) at += readSync(fd, out, at, r.size, r.offset);
  closeSync(fd);
  return out;
}

function writeRegions(file: string, bytes: Uint8Array): void {
  if (!existsSync(file)) copyFileSync(blankFile, file);
  const fd = openSync(file, 'r+');
  let at = 0;
  for (const r of REGIONS) at += writeSync(fd, bytes, at, r.size, r.offset);
  closeSync(fd);
}

/** A device in the state `from` is in. */
const cloneDevice = (from: string, to: string): void => writeRegions(to, readRegions(from));

interface Plan { cutAt: number; torn: boolean; seed: number }

function plans(trace: Trace, seeds: number[], every = 1, torn: boolean[] = [false, true]): Plan[] {
  const out: Plan[] = [];
  for (let cutAt = every; cutAt <= trace.ops.length; cutAt += every) for (const t of torn) for (const seed of seeds) out.push({ cutAt, torn: t, seed });
  return out;
}

/** The reboot on Node; `flip` for one whose reads (of `secure` and `data` alike) flip a bit
 *  now and then: both re-read what fails its checks, so the result must be the same. */
function nodeReboot(file: string, flip?: { seed: number; flipReads: number }): RebootViews {
  const p = nodePlatform(file, flip ? { plan: { cutAt: 0, torn: false, ...flip } } : {});
  try {
    return rebootViews(p);
  } finally {
    p.close();
  }
}

function hostReboot(arch: Arch, file: string, fault?: FaultPlan): RebootViews | string {
  const r = runBytecode(checkCode, { arch, flash: file, env: fault ? { ZW_FAULT: JSON.stringify(fault) } : {} });
  const line = r.stdout.split('\n').find((l) => l.startsWith('ZW-REBOOT '));
  if (r.status !== 0 || !line) return `zw-host ${arch} reboot: ${outcome(r)}`;
  return JSON.parse(line.slice('ZW-REBOOT '.length)) as RebootViews;
}

/** How a host run ended, for a failure message (a host that could not start has no stderr). */
const outcome = (r: ReturnType<typeof runBytecode>): string =>
  r.error ? `could not run: ${r.error.message}` : `status ${r.status} signal ${r.signal}: ${(r.stderr ?? '').slice(-800)}`;

const stepsOf = (stdout: string): Step[] => stdout.split('\n').filter((l) => l.startsWith('ZW-STEP ')).map((l) => JSON.parse(l.slice(8)) as Step);

class Tally {
  cuts = 0;
  torn = 0;
  lost = 0;
  corrupt = 0;
  epochWindow = 0;
  discarded = 0;
  flipReboots = 0;
  hostReboots = 0;
  inspected = 0;
  problems: string[] = [];
  readonly started = Date.now();
  constructor(readonly target: string, readonly n: number) {}
  fail(plan: Plan | string, what: string[], corrupt = what.length): void {
    this.corrupt += corrupt;
    if (this.problems.length < 20) for (const w of what) this.problems.push(`${typeof plan === 'string' ? plan : JSON.stringify(plan)}: ${w}`);
  }
  summary(): string {
    return `cuts=${this.cuts} torn=${this.torn} lost=${this.lost} corrupt=${this.corrupt}`;
  }
  details(): string {
    return `store campaign ${this.target}: N=${this.n}, ${this.epochWindow} reboot(s) completed an epoch, ${this.discarded} discarded an incomplete commit, ` +
      `${this.inspected} inspected read-only first, ${this.flipReboots} with flipped reads, ${this.hostReboots} in zw-host; ${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }
}

/** Where two reboots' views differ, field by field (short enough to read in a failure). */
function differences(a: RebootViews, b: RebootViews): string[] {
  const out: string[] = [];
  const short = (x: unknown) => JSON.stringify(x).slice(0, 200);
  if (a.extraId !== b.extraId) out.push(`extraId ${a.extraId} vs ${b.extraId}`);
  for (const which of ['first', 'second'] as const) {
    const x = a[which], y = b[which];
    if (!x || !y) {
      if (x !== y) out.push(`${which}: ${short(x)} vs ${short(y)}`);
      continue;
    }
    for (const k of Object.keys({ ...x, ...y }) as (keyof typeof x)[]) {
      if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) out.push(`${which}.${k}: ${short(x[k])} vs ${short(y[k])}`);
    }
  }
  return out;
}

/** The read-only open (inspectStore, what `zw store dump` uses) before the reboot: it must
 *  write nothing and see what the first open then sees. */
function inspectCheck(file: string): { view: View | null; wrote: boolean } {
  const before = readRegions(file);
  const p = nodePlatform(file);
  let view: View | null;
  try {
    const i = inspectStore(p);
    view = i.rollback !== null
      ? { ok: false, reason: `store.rollback: ${i.rollback}`, discarded: i.report.discarded, lost: i.report.lost, completedEpoch: false, kv: {}, queue: [], audit: [], verify: { ok: false } }
      : {
          ok: true, discarded: i.report.discarded, lost: i.report.lost.map((l) => ({ from: l.from, to: l.to })),
          completedEpoch: !i.report.blank && i.report.epoch === i.counter + 1, ...readerView(p, i.reader),
        };
  } catch (e) {
    // A cut before the storage root was first committed: there is no store to inspect yet.
    if ((e as { reason?: string }).reason !== 'keystore.absent') throw e;
    view = null;
  } finally {
    p.close();
  }
  return { view, wrote: Buffer.compare(before, readRegions(file)) !== 0 };
}

interface CheckOptions {
  /** Also open the device read-only first (inspectStore). */
  inspect?: boolean;
  /** Also reboot a copy with bit flips on read and expect the same views. */
  flip?: boolean;
  /** Also reboot a copy inside zw-host on this architecture and expect the same views. */
  host?: Arch;
}

/** Everything after a cut at `plan.cutAt` that left `file` and reported `reported`. */
function afterCut(t: Tally, trace: Trace, plan: Plan, file: string, reported: Step[], o: CheckOptions = {}): void {
  t.cuts++;
  if (plan.torn && trace.ops[plan.cutAt - 1]!.kind !== 'sync') t.torn++;
  const reportProblems = checkReported(trace, plan.cutAt, reported);
  if (reportProblems.length) t.fail(plan, reportProblems);
  const { before, after, inflight } = window(trace, plan.cutAt);
  const copies: { flip?: string; host?: string } = {};
  if (o.flip) cloneDevice(file, (copies.flip = join(dir, 'flip.flash')));
  if (o.host) cloneDevice(file, (copies.host = join(dir, 'host-reboot.flash')));

  let inspected: ReturnType<typeof inspectCheck> | undefined;
  if (o.inspect) {
    try {
      inspected = inspectCheck(file);
      t.inspected++;
    } catch (e) {
      t.fail(plan, [`inspectStore threw ${(e as Error).stack}`]);
    }
  }
  let views: RebootViews;
  try {
    views = nodeReboot(file);
  } catch (e) {
    return t.fail(plan, [`reboot threw ${(e as Error).stack}`]);
  }
  const j = judgeReboot(views, before, after);
  t.lost += j.lost;
  if (j.problems.length || j.corrupt) t.fail(plan, j.problems.map((p) => `(in flight: ${inflight}) ${p}`), j.corrupt);
  if (views.first.completedEpoch) t.epochWindow++;
  if (views.first.discarded) t.discarded++;

  const same = (what: string, other: RebootViews | string) => {
    if (typeof other === 'string') return t.fail(plan, [other]);
    const d = differences(other, views);
    if (d.length) t.fail(plan, [`${what} differs from the plain Node reboot: ${d.join('; ')}`]);
  };
  if (inspected) {
    if (inspected.wrote) t.fail(plan, ['inspectStore wrote to the device']);
    const empty = views.first.ok && Object.keys(views.first.kv).length === 0 && views.first.audit.length === 0 && views.first.queue.length === 0;
    if (inspected.view === null && !empty) t.fail(plan, ['inspectStore found no storage root, the open found a store']);
    if (inspected.view !== null) {
      const d = differences({ first: inspected.view, extraId: null, second: null }, { ...views, extraId: null, second: null });
      if (d.length) t.fail(plan, [`inspectStore differs from the open: ${d.join('; ')}`]);
    }
  }
  if (copies.flip) {
    const flip = { seed: plan.cutAt * 16 + plan.seed, flipReads: FLIP };
    try {
      same(`reboot with flipReads ${FLIP} seed ${flip.seed}`, nodeReboot(copies.flip, flip));
    } catch (e) {
      t.fail(plan, [`reboot with flipped reads threw ${(e as Error).stack}`]);
    }
    t.flipReboots++;
  }
  if (copies.host && o.host) {
    same(`reboot in zw-host ${o.host}`, hostReboot(o.host, copies.host));
    t.hostReboots++;
  }
}

function finish(t: Tally): void {
  console.log(`store campaign ${t.target}: ${t.summary()}`);
  console.log(t.details());
  expect(t.problems, t.summary()).toEqual([]);
  expect(t.lost).toBe(0);
  expect(t.corrupt).toBe(0);
}

describe('store power-cut campaign on the Node flash', () => {
  for (const name of BASES) {
    it(`the workload on the ${name} device spans segments, compacts, checkpoints and commits several records at a time`, () => {
      const { trace, image } = base(name);
      const n = trace.ops.length;
      expect(n).toBeGreaterThanOrEqual(80);
      expect(n).toBeLessThanOrEqual(160);
      const erased = trace.ops.filter((o) => o.kind === 'erase' && o.partition === 'data');
      expect(erased.length, 'segments opened').toBeGreaterThanOrEqual(3);
      const whats = trace.steps.map((s) => s.step.what);
      for (const w of ['open', 'compact-1', 'checkpoint', 'compact-2', 'final']) expect(whats).toContain(w);
      expect(whats.indexOf('final')).toBeGreaterThan(whats.indexOf('checkpoint'));
      const last = trace.steps[trace.steps.length - 1]!.step.model;
      expect(Object.keys(last.kv).length).toBeGreaterThan(5);
      expect(last.queue.length).toBeGreaterThan(3);
      expect(last.audit.length).toBeGreaterThan(20);
      // On the aged device the log wraps: segments are opened in slots whose old segment
      // headers were still there.
      const reused = erased.filter((o) => image[secure.size + (o.abs - data.offset)] !== 0xff).length;
      expect(reused, 'slots reused').toBe(name === 'aged' ? 2 : 0);
    });
  }

  for (const name of BASES) {
    it(`keeps every record across a restart after the whole workload on the ${name} device, audit records compaction copied among them`, () => {
      const { trace, image } = base(name);
      const f = join(dir, 'node-uncut.flash');
      writeRegions(f, image);
      const p = nodePlatform(f);
      storeWorkload(p, () => {});
      p.close();
      const final = trace.steps[trace.steps.length - 1]!.step.model;
      const views = nodeReboot(f);
      expect(judgeReboot(views, final, final).problems).toEqual([]);
      expect(views.first.verify).toEqual({ ok: true, count: final.audit.length });
    });
  }

  for (const name of BASES) {
    it(`survives a power cut at every operation on the ${name} device: committed records intact, the commit in flight all or nothing`, () => {
      const { trace, image } = base(name);
      const t = new Tally(`node ${name}`, trace.ops.length);
      const f = join(dir, 'node-run.flash');
      for (const plan of plans(trace, SEEDS.node)) {
        writeRegions(f, image);
        const reported: Step[] = [];
        const p = nodePlatform(f, { plan: { ...plan, flipReads: 0 } });
        let cut: PowerCut | undefined;
        try {
          storeWorkload(p, (s) => reported.push(s));
          p.close();
        } catch (e) {
          if (!(e instanceof PowerCut)) {
            t.fail(plan, [`workload threw ${(e as Error).stack}`]);
            continue;
          }
          cut = e;
        }
        if (cut?.op !== plan.cutAt) {
          t.fail(plan, [`the power was cut at ${cut?.op ?? 'no operation'}`]);
          continue;
        }
        const first = plan.seed === SEEDS.node[0];
        afterCut(t, trace, plan, f, reported, { flip: first, inspect: first });
      }
      finish(t);
      expect(t.epochWindow, 'cuts between an EPOCH record and the counter').toBeGreaterThan(0);
      expect(t.torn).toBeGreaterThan(0);
      expect(t.discarded, 'cuts that left an incomplete commit').toBeGreaterThan(0);
      expect(t.flipReboots).toBeGreaterThan(0);
    }, 900_000);
  }

  for (const name of BASES) {
    it(`survives a second power cut while the reboot opens the store on the ${name} device`, () => {
      const { trace, image } = base(name);
      const t = new Tally(`node ${name}, cut again during the reboot`, trace.ops.length);
      const f = join(dir, 'node-twice.flash');
      const cutFile = join(dir, 'node-twice-cut.flash');
      for (const plan of plans(trace, [SEEDS.node[0]!], 1, [true])) {
        writeRegions(f, image);
        const reported: Step[] = [];
        const p = nodePlatform(f, { plan: { ...plan, flipReads: 0 } });
        expect(() => storeWorkload(p, (s) => reported.push(s))).toThrow(PowerCut);
        const reportProblems = checkReported(trace, plan.cutAt, reported);
        if (reportProblems.length) t.fail(plan, reportProblems);
        cloneDevice(f, cutFile);
        // The reboot's open: recovery, maybe the counter catching up, a new epoch.
        const kinds: string[] = [];
        const count = nodePlatform(f, { plan: { cutAt: 0, torn: false, seed: 0, flipReads: 0 }, onOp: (op) => kinds.push(op.kind) });
        openStore(count);
        count.close();
        for (let second = 1; second <= kinds.length; second++) {
          cloneDevice(cutFile, f);
          const q = nodePlatform(f, { plan: { cutAt: second, torn: true, seed: second, flipReads: 0 } });
          let cut: unknown;
          try {
            openStore(q);
            q.close();
          } catch (e) {
            cut = e;
          }
          const both = JSON.stringify({ ...plan, second });
          if (!(cut instanceof PowerCut) || cut.op !== second) {
            t.fail(both, [`the second cut did not happen: ${String(cut)}`]);
            continue;
          }
          t.cuts++;
          if (kinds[second - 1] !== 'sync') t.torn++;
          const { before, after, inflight } = window(trace, plan.cutAt);
          try {
            const views = nodeReboot(f);
            const j = judgeReboot(views, before, after);
            t.lost += j.lost;
            if (j.problems.length || j.corrupt) t.fail(both, j.problems.map((x) => `(in flight: ${inflight}) ${x}`), j.corrupt);
            if (views.first.completedEpoch) t.epochWindow++;
            if (views.first.discarded) t.discarded++;
          } catch (e) {
            t.fail(both, [`reboot threw ${(e as Error).stack}`]);
          }
        }
      }
      finish(t);
      expect(t.epochWindow, 'second cuts between the reboot\'s EPOCH record and the counter').toBeGreaterThan(0);
    }, 900_000);
  }

});

for (const arch of ARCHES) {
  describe(`store power-cut campaign in zw-host-dev (${arch})`, () => {
    beforeAll(async () => {
      await built;
    });

    for (const name of BASES) {
      it(`counts the same operations and reports the same steps as the Node flash on the ${name} device`, () => {
        const { trace, image } = base(name);
        const f = join(dir, `${arch}-count.flash`);
        writeRegions(f, image);
        const r = runBytecode(workloadCode, { arch, flash: f, env: { ZW_FAULT: '{}' } });
        expect(r.status, outcome(r)).toBe(0);
        expect(r.stdout).toContain('ZW-DONE');
        expect(r.stderr).toContain(`ZW-FLASH-OPS n=${trace.ops.length}`);
        expect(checkReported(trace, trace.ops.length + 1, stepsOf(r.stdout))).toEqual([]);
      }, 300_000);
    }

    for (const name of BASES) {
      it(`survives a power cut at every operation on the ${name} device, and a reboot in zw-host sees what Node sees`, () => {
        const { trace, image } = base(name);
        const t = new Tally(`zw-host ${arch} ${name}`, trace.ops.length);
        const f = join(dir, `${arch}-run.flash`);
        const list = arch === 'aarch64' ? plans(trace, SEEDS.aarch64, AARCH64_EVERY, FULL ? [false, true] : [true]) : plans(trace, SEEDS.x86_64);
        for (const plan of list) {
          writeRegions(f, image);
          const r = runBytecode(workloadCode, { arch, flash: f, env: { ZW_FAULT: JSON.stringify(plan) } });
          if (r.status !== 137 || !r.stderr.includes(`ZW-POWER-CUT op=${plan.cutAt}`)) {
            t.fail(plan, [outcome(r)]);
            continue;
          }
          // Some reboots run in zw-host too: every third operation on x86_64, every ninth on aarch64.
          const host = plan.seed === SEEDS[arch][0] && plan.cutAt % (arch === 'aarch64' ? 9 : 3) === 0 ? arch : undefined;
          afterCut(t, trace, plan, f, stepsOf(r.stdout), host ? { host } : {});
        }
        finish(t);
        expect(t.torn).toBeGreaterThan(0);
        expect(t.hostReboots).toBeGreaterThan(0);
        if (arch === 'x86_64') expect(t.epochWindow, 'cuts between an EPOCH record and the counter').toBeGreaterThan(0);
      }, 1_800_000);
    }

    it('a reboot in zw-host with flipped reads sees what a Node reboot without them sees', () => {
      const { trace, image } = base('aged');
      const f = join(dir, `${arch}-flip.flash`);
      const copy = join(dir, `${arch}-flip-host.flash`);
      // Cuts inside the two compactions and the last commit: the reboot reads the most there.
      const at = (what: string) => trace.steps.find((s) => s.step.what === what)!.endOp - 1;
      const cuts = arch === 'aarch64' ? [at('compact-2')] : [at('compact-1'), at('compact-2'), at('final')];
      const problems: string[] = [];
      for (const cutAt of cuts) {
        const plan = { cutAt, torn: true, seed: 1 };
        writeRegions(f, image);
        const p = nodePlatform(f, { plan: { ...plan, flipReads: 0 } });
        expect(() => storeWorkload(p, () => {})).toThrow(PowerCut);
        cloneDevice(f, copy);
        const node = nodeReboot(f);
        const host = hostReboot(arch, copy, { cutAt: 0, torn: false, seed: HOST_FLIP_SEED, flipReads: FLIP });
        if (typeof host === 'string') problems.push(host);
        else if (differences(host, node).length) problems.push(`cut at ${cutAt}: zw-host with flipReads ${FLIP} differs from Node without: ${differences(host, node).join('; ')}`);
        const { before, after } = window(trace, cutAt);
        problems.push(...judgeReboot(node, before, after).problems);
      }
      expect(problems).toEqual([]);
    }, 600_000);
  });
}
