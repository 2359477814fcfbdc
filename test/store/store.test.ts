// The store's portable cases (test/store/cases.ts) on the Node ports and as real bytecode in
// zw-host on x86_64 and aarch64 (qemu-user), each on a blank device.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode } from '../../scripts/lib/host.ts';
import { runCase, type CaseResult } from '../contracts/harness.ts';
import { storeCases } from './cases.ts';
import { caseResults } from '../support/host-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('store on Node', () => {
  let p: NodePlatform;
  beforeAll(() => {
    createBlankDevice(join(dir, 'node.flash'));
    p = nodePlatform(join(dir, 'node.flash'), { log: makeNodeLog(() => {}) });
  });
  afterAll(() => p.close());
  for (const c of storeCases) {
    it(c.name, () => {
      expect(runCase(c, p).error ?? 'ok').toBe('ok');
    });
  }
});

const bytecode = join(dir, 'store.qjsbc');
let built: Promise<void> | undefined;

for (const arch of ARCHES) {
  describe(`store in zw-host (${arch})`, () => {
    const results = new Map<string, CaseResult>();
    let transcript = '';
    beforeAll(async () => {
      await (built ??= buildBytecode(join(ROOT, 'test/store/in-host.ts'), bytecode));
      const flash = join(dir, `${arch}.flash`);
      createBlankDevice(flash);
      const r = runBytecode(bytecode, { arch, flash });
      transcript = `status ${r.status} signal ${r.signal}\n${r.stderr.slice(-2000)}`;
      for (const c of caseResults(r.stdout)) results.set(c.name, c);
      expect(r.stdout, transcript).toContain('ZW-DONE');
      expect(r.status, transcript).toBe(0);
    }, 600_000);
    for (const c of storeCases) {
      it(c.name, () => {
        const r = results.get(c.name);
        expect(r, `no result reported; ${transcript}`).toBeDefined();
        expect(r!.error ?? 'ok').toBe('ok');
      });
    }
  });
}

describe('store keys', () => {
  it('never makes a new storage root over a data partition that holds a store (store.key)', async () => {
    const { openStore } = await import('../../agent/store/store.ts');
    const { openSync, readSync, writeSync, closeSync } = await import('node:fs');
    const { partitionSpec } = await import('../../hardware/layout.ts');
    const a = join(dir, 'keys-a.flash'), b = join(dir, 'keys-b.flash');
    createBlankDevice(a);
    const pa = nodePlatform(a);
    const o = openStore(pa);
    expect(o.ok).toBe(true);
    pa.close();
    // Device b has never had a storage root; give it a's data partition.
    createBlankDevice(b);
    const data = partitionSpec('data')!;
    const buf = Buffer.alloc(65536);
    const fa = openSync(a, 'r'), fb = openSync(b, 'r+');
    readSync(fa, buf, 0, buf.length, data.offset);
    writeSync(fb, buf, 0, buf.length, data.offset);
    closeSync(fa);
    closeSync(fb);
    const pb = nodePlatform(b);
    expect(() => openStore(pb)).toThrow(/store\.key/);
    expect(pb.keys.has('storage')).toBe(false);
    pb.close();
  });
});
