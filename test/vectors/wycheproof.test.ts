// Wycheproof through BOTH crypto implementations (issue: "Standard vectors as data"): every
// in-contract case gives Wycheproof's result, out-of-contract cases are refused with
// crypto.param (unsupported), and `acceptable` cases get the same answer from both.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode } from '../../scripts/lib/host.ts';
import { runWycheproofFile, WYCHEPROOF_FILES, type FileResult, type WFile } from './wycheproof-loop.ts';

const VECTORS = join(ROOT, '../shared/vectors/wycheproof');
const load = (f: string) => JSON.parse(readFileSync(join(VECTORS, f), 'utf8')) as WFile;
const nodeResults = new Map<string, FileResult>();

function report(impl: string, file: string, r: FileResult): void {
  const acceptable = Object.keys(r.acceptable).length;
  console.log(`wycheproof ${impl.padEnd(16)} ${file.padEnd(40)} passed ${r.passed} / unsupported ${r.unsupported} / acceptable ${acceptable}`);
}

describe('Wycheproof on Node (@noble)', () => {
  for (const file of WYCHEPROOF_FILES) {
    it(file, () => {
      const r = runWycheproofFile(nodeCrypto, load(file));
      nodeResults.set(file, r);
      report('node', file, r);
      expect(r.failures).toEqual([]);
      expect(r.passed).toBeGreaterThan(0);
    });
  }
});

const dir = mkdtempSync(join(tmpdir(), 'zw-wycheproof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let built: Promise<void> | undefined;

for (const arch of ARCHES) {
  describe(`Wycheproof in zw-host (${arch}, OpenSSL)`, () => {
    const results = new Map<string, FileResult & { error?: string }>();
    beforeAll(async () => {
      const bc = join(dir, 'wycheproof.qjsbc');
      await (built ??= buildBytecode(join(ROOT, 'test/vectors/wycheproof-in-host.ts'), bc));
      const r = runBytecode(bc, { arch });
      for (const line of r.stdout.split('\n')) {
        if (line.startsWith('ZW-WYCHEPROOF ')) {
          const x = JSON.parse(line.slice(14)) as FileResult & { file: string; error?: string };
          results.set(x.file, x);
        }
      }
      expect(r.stdout, r.stderr.slice(-2000)).toContain('ZW-DONE');
    });
    for (const file of WYCHEPROOF_FILES) {
      it(file, () => {
        const r = results.get(file);
        expect(r?.error).toBeUndefined();
        report(`zw-host ${arch}`, file, r!);
        expect(r!.failures).toEqual([]);
        const node = nodeResults.get(file) ?? runWycheproofFile(nodeCrypto, load(file));
        expect(r!.passed).toBe(node.passed);
        expect(r!.unsupported).toBe(node.unsupported);
        expect(r!.acceptable, 'acceptable cases: same answer as @noble').toEqual(node.acceptable);
      });
    }
  });
}
