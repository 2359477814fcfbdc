// The Node flash device and fault plan beyond the shared contract: plan parsing, the volatile
// overlay, the cut itself, read bit flips, and device file checks.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { mulberry32, parseFaultPlan, PowerCut } from '../../hardware/node/fault.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { partitionSpec } from '../../hardware/layout.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-nodeflash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function device(): string {
  const f = join(dir, `d${n++}.flash`);
  createBlankDevice(f);
  return f;
}
const DATA = partitionSpec('data')!.offset;
const plan = (p: object) => ({ cutAt: 0, torn: false, seed: 0, flipReads: 0, ...p });

describe('fault plan', () => {
  it('parses the documented keys with defaults', () => {
    expect(parseFaultPlan('{"cutAt": 17, "torn": true, "seed": 5, "flipReads": 0}')).toEqual({ cutAt: 17, torn: true, seed: 5, flipReads: 0 });
    expect(parseFaultPlan('{}')).toEqual({ cutAt: 0, torn: false, seed: 0, flipReads: 0 });
  });
  it('refuses unknown keys, wrong types and out-of-range values (host.fault-plan)', () => {
    for (const bad of ['', '[]', 'null', '{"cutat": 1}', '{"cutAt": -1}', '{"cutAt": 1.5}', '{"torn": 1}', '{"seed": 4294967296}', '{"flipReads": 2}', '{"flipReads": "0.1"}']) {
      expect(() => parseFaultPlan(bad), bad).toThrow(/host.fault-plan/);
    }
  });
  it('mulberry32 gives the reference outputs (computed with 32-bit unsigned C arithmetic)', () => {
    expect(mulberry32(1)()).toBe(2693262067);
    const a = mulberry32(5), b = mulberry32(5);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('Node flash with a plan', () => {
  it('keeps unsynced writes in memory: the process reads them, the file does not have them', () => {
    const f = device();
    const fl = new NodeFlash(f, { plan: plan({}) });
    const d = fl.open('data');
    d.program(0, new Uint8Array(16).fill(1));
    expect(d.read(0, 16)).toEqual(new Uint8Array(16).fill(1));
    expect(readFileSync(f).subarray(DATA, DATA + 16)).toEqual(Buffer.alloc(16, 0xff));
    d.sync();
    expect(readFileSync(f).subarray(DATA, DATA + 16)).toEqual(Buffer.alloc(16, 1));
    expect(fl.close()).toBe(2);
  });

  it('a clean cut before the first sync loses every unsynced write when the seed lands none', () => {
    // Find a seed whose first draw lands nothing (draw & 1 === 0), so the outcome is exact.
    let seed = 0;
    while (mulberry32(seed)() & 1) seed++;
    const f = device();
    const fl = new NodeFlash(f, { plan: plan({ cutAt: 2, seed }) });
    fl.open('data').program(0, new Uint8Array(16).fill(1));
    expect(() => fl.open('data').sync()).toThrow(PowerCut);
    expect(readFileSync(f).subarray(DATA, DATA + 16)).toEqual(Buffer.alloc(16, 0xff));
  });

  it('a torn program lands only a prefix, and the flash is dead afterwards', () => {
    const f = device();
    const fl = new NodeFlash(f, { plan: plan({ cutAt: 1, torn: true, seed: 9 }) });
    const d = fl.open('data');
    expect(() => d.program(0, new Uint8Array(4096).fill(0))).toThrow(/ZW-POWER-CUT op=1/);
    const got = readFileSync(f).subarray(DATA, DATA + 4096);
    const prefix = got.indexOf(0xff);
    expect(prefix).toBeGreaterThanOrEqual(0);
    expect(got.subarray(0, prefix).every((b) => b === 0)).toBe(true);
    expect(got.subarray(prefix).every((b) => b === 0xff)).toBe(true);
    expect(() => d.read(0, 16)).toThrow(/flash.dead/);
    expect(() => d.program(16, new Uint8Array(16))).toThrow(/flash.dead/);
  });

  it('flipReads=1 flips exactly one bit per read; the flash itself never sees it', () => {
    const f = device();
    const fl = new NodeFlash(f, { plan: plan({ flipReads: 1, seed: 3 }) });
    const d = fl.open('data');
    const r = d.read(0, 64);
    const bits = r.reduce((s, b) => s + popcount(b ^ 0xff), 0);
    expect(bits).toBe(1);
    d.program(0, new Uint8Array(16)); // the erased check reads unflipped bytes
  });

  it('zero-length program and erase are no-ops that are not counted', () => {
    const fl = new NodeFlash(device(), { plan: plan({}) });
    fl.open('data').program(0, new Uint8Array(0));
    fl.open('data').erase(4096, 0);
    expect(fl.ops).toBe(0);
  });
});

describe('device file', () => {
  it('refuses a file of the wrong size (flash.size) and a missing file (flash.io)', () => {
    const f = device();
    truncateSync(f, 1024);
    expect(() => new NodeFlash(f)).toThrow(/flash.size/);
    expect(() => new NodeFlash(join(dir, 'missing.flash'))).toThrow(/flash.io/);
  });
  it('createBlankDevice refuses to overwrite (provision.exists)', () => {
    const f = join(dir, 'exists.flash');
    writeFileSync(f, 'x');
    expect(() => createBlankDevice(f)).toThrow(/provision.exists/);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
