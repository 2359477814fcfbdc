// One contract suite per port, run against every implementation (STYLE.md 13): the Node ports
// in-process, and the hw ports as real bytecode in the real zw-host on x86_64 and on aarch64
// under qemu-user, with each case reported back here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { ARCHES, buildBytecode, runBytecode, ROOT } from '../../scripts/lib/host.ts';
import { ALL_CASES } from './all.ts';
import { runCase, type CaseResult } from './harness.ts';
import { caseResults } from '../support/host-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ports on Node', () => {
  let p: NodePlatform;
  beforeAll(() => {
    createBlankDevice(join(dir, 'node.flash'));
    p = nodePlatform(join(dir, 'node.flash'), { log: makeNodeLog(() => {}) });
  });
  afterAll(() => p.close());
  for (const c of ALL_CASES) {
    it(`${c.suite}: ${c.name}`, () => {
      const r = runCase(c, p);
      expect(r.error ?? 'ok').toBe('ok');
    });
  }
});

const bytecode = join(dir, 'contracts.qjsbc');
let built: Promise<void> | undefined;
const buildOnce = () => (built ??= buildBytecode(join(ROOT, 'test/contracts/in-host.ts'), bytecode));

for (const arch of ARCHES) {
  describe(`ports in zw-host (${arch})`, () => {
    const results = new Map<string, CaseResult>();
    let transcript = '';
    beforeAll(async () => {
      await buildOnce();
      const flash = join(dir, `${arch}.flash`);
      createBlankDevice(flash);
      const r = runBytecode(bytecode, { arch, flash });
      transcript = `status ${r.status} signal ${r.signal}\n${r.stderr.slice(-2000)}`;
      for (const c of caseResults(r.stdout)) results.set(`${c.suite}: ${c.name}`, c);
      expect(r.stdout, transcript).toContain('ZW-DONE');
      expect(r.status, transcript).toBe(0);
    });
    for (const c of ALL_CASES) {
      it(`${c.suite}: ${c.name}`, () => {
        const r = results.get(`${c.suite}: ${c.name}`);
        expect(r, `no result reported; ${transcript}`).toBeDefined();
        expect(r!.error ?? 'ok').toBe('ok');
      });
    }
  });
}
