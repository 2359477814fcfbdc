// The power-cut campaign (issue "Done when"; STYLE.md 14): count the flash operations of the
// workload, then cut the power at every operation 1…N, clean and torn, with several seeds for
// which unsynced operations land — in the Node flash and in zw-host-dev (x86_64, and aarch64
// under qemu-user) — and check the oracle's invariants after each. `npm run fault` (ZW_CAMPAIGN
// =full) runs more seeds on every target.
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionSpec } from '../../hardware/layout.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { PowerCut } from '../../hardware/node/fault.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode, type Arch } from '../../scripts/lib/host.ts';
import { checkAfterCut, readDeviceImage, rebootCheck, recordTrace, touchedPages, type Trace } from './oracle.ts';
import { workload, type Step } from './workload.ts';

const FULL = process.env.ZW_CAMPAIGN === 'full';
const SEEDS: Record<'node' | Arch, number[]> = FULL
  ? { node: [1, 2, 3, 4, 5, 6], x86_64: [1, 2, 3, 4, 5, 6], aarch64: [1, 2, 3] }
  : { node: [1, 2, 3], x86_64: [1, 2, 3], aarch64: [1] };

const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'zw-fault-'));
const blankFile = join(dir, 'blank.flash');
const bytecode = join(dir, 'workload.qjsbc');
let blank: Uint8Array;
let trace: Trace;
const nonSecureDigest = new Map<string, string>();

beforeAll(async () => {
  createBlankDevice(blankFile);
  blank = new Uint8Array(readFileSync(blankFile));
  const t = join(dir, 'trace.flash');
  copyFileSync(blankFile, t);
  trace = recordTrace(t);
});
let built: Promise<void> | undefined;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Puts the run file back to blank: only the pages the workload can touch (the oracle reads
 *  the whole file, so a write anywhere else already failed the run). */
function restore(file: string): void {
  if (!existsSync(file)) return copyFileSync(blankFile, file);
  const fd = openSync(file, 'r+');
  for (const p of touchedPages(trace)) writeSync(fd, blank, p * 4096, 4096, p * 4096);
  closeSync(fd);
}

/** SHA-256 of the pages outside `secure` the workload touches (the oracle has already held
 *  every other byte to its blank value). */
function digestOutsideSecure(file: string): string {
  const img = readDeviceImage(file)!;
  const h = createHash('sha256');
  for (const p of touchedPages(trace)) if (p * 4096 >= partitionSpec('secure')!.size) h.update(img.subarray(p * 4096, p * 4096 + 4096));
  return h.digest('hex');
}

function plans(seeds: number[]) {
  const out: { cutAt: number; torn: boolean; seed: number }[] = [];
  for (let cutAt = 1; cutAt <= trace.ops.length; cutAt++) {
    for (const torn of [false, true]) for (const seed of seeds) out.push({ cutAt, torn, seed });
  }
  return out;
}

describe('power-cut campaign on the Node flash', () => {
  it('the workload mixes programs, erases, syncs and secure commits', () => {
    const kinds = new Set(trace.ops.map((o) => `${o.kind}:${o.partition}`));
    for (const k of ['program:data', 'erase:data', 'program:slot-a', 'erase:slot-a', 'sync:data', 'program:secure', 'erase:secure', 'sync:secure']) {
      expect(kinds).toContain(k);
    }
    expect(trace.steps.length).toBeGreaterThanOrEqual(8);
  });

  it('after a cut at every operation, synced bytes, counters and keys are intact', () => {
    let runs = 0;
    for (const plan of plans(SEEDS.node)) {
      const f = join(dir, 'node-run.flash');
      restore(f);
      const reported: Step[] = [];
      const p = nodePlatform(f, { plan: { ...plan, flipReads: 0 } });
      let cut: PowerCut | undefined;
      try {
        workload(p, (s) => reported.push(s));
        p.close();
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
        cut = e;
      }
      expect(cut?.op, `plan ${JSON.stringify(plan)}`).toBe(plan.cutAt);
      const problems = [...checkAfterCut(f, blank, trace, plan.cutAt, plan.torn, reported)];
      if (plan.seed === SEEDS.node[0]) problems.push(...rebootCheck(f));
      expect(problems, `plan ${JSON.stringify(plan)}`).toEqual([]);
      nonSecureDigest.set(JSON.stringify(plan), digestOutsideSecure(f));
      runs++;
    }
    console.log(`campaign node: ${trace.ops.length} operations, ${runs} cuts checked`);
  });
});

for (const arch of ARCHES) {
  describe(`power-cut campaign in zw-host-dev (${arch})`, () => {
    beforeAll(() => (built ??= buildBytecode(join(ROOT, 'test/fault/in-host.ts'), bytecode)));
    it('counts the same operations as the Node flash without a cut', () => {
      const f = join(dir, `${arch}-count.flash`);
      copyFileSync(blankFile, f);
      const r = runBytecode(bytecode, { arch, flash: f, env: { ZW_FAULT: '{}' } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('ZW-DONE');
      expect(r.stderr).toContain(`ZW-FLASH-OPS n=${trace.ops.length}`);
    });

    it('after a cut at every operation, synced bytes, counters and keys are intact', () => {
      let runs = 0, sameAsNode = 0;
      for (const plan of plans(SEEDS[arch])) {
        const f = join(dir, `${arch}-run.flash`);
        restore(f);
        const r = runBytecode(bytecode, { arch, flash: f, env: { ZW_FAULT: JSON.stringify(plan) } });
        const what = `plan ${JSON.stringify(plan)}: status ${r.status} ${r.stderr.slice(-500)}`;
        expect(r.status, what).toBe(137);
        expect(r.stderr, what).toContain(`ZW-POWER-CUT op=${plan.cutAt}`);
        const reported = r.stdout.split('\n').filter((l) => l.startsWith('ZW-STEP ')).map((l) => JSON.parse(l.slice(8)) as Step);
        const problems = [...checkAfterCut(f, blank, trace, plan.cutAt, plan.torn, reported)];
        if (plan.seed === SEEDS[arch][0]) problems.push(...rebootCheck(f));
        expect(problems, what).toEqual([]);
        const node = nonSecureDigest.get(JSON.stringify(plan));
        if (node) {
          expect(digestOutsideSecure(f), `${what}: same plan, same bytes as the Node flash`).toBe(node);
          sameAsNode++;
        }
        runs++;
      }
      console.log(`campaign zw-host ${arch}: ${runs} cuts checked, ${sameAsNode} byte-identical to the Node flash outside secure`);
    });
  });
}
