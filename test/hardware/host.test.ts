// zw-host itself, on x86_64 and aarch64 (qemu-user): the globals it adds, bad input to hw,
// memory and watchdog limits, the release binary's missing bytecode path, and a device
// provisioned under Node read and written byte for byte.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { toHex } from '../support/bytes.ts';
import { partitionSpec } from '../../hardware/layout.ts';
import { ARCHES, buildBytecode, hostBinary, hostCommand, nativeDir, ROOT, runBytecode } from '../../scripts/lib/host.ts';
import { provision, readDevice } from '../../scripts/lib/provision.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bc = (name: string) => join(dir, `${name}.qjsbc`);
const line = (stdout: string, tag: string) => {
  const l = stdout.split('\n').find((x) => x.startsWith(tag + ' '));
  return l ? JSON.parse(l.slice(tag.length + 1)) : undefined;
};

beforeAll(async () => {
  for (const p of ['bad-input', 'runtime', 'limits', 'device-io', 'flip-reads']) {
    await buildBytecode(join(ROOT, `test/hardware/host-programs/${p}.ts`), bc(p));
  }
});

describe('zwc, the bytecode compiler', () => {
  it('refuses a module importing anything but hw and hwdev', () => {
    writeFileSync(join(dir, 'std.js'), "import * as std from 'std';\nstd.exit(0);\n");
    const r = spawnSync(join(nativeDir('x86_64'), 'zwc'), [join(dir, 'std.js'), join(dir, 'std.qjsbc')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });
});

describe('the release zw-host has no path that loads a plain bytecode file', () => {
  it('has no file loader symbol and no --bytecode option (x86_64, unstripped)', () => {
    const nm = spawnSync('nm', [hostBinary('x86_64', 'zw-host')], { encoding: 'utf8' });
    expect(nm.status).toBe(0);
    expect(nm.stdout).not.toContain('zw_dev_load_bytecode_file');
    expect(spawnSync('nm', [hostBinary('x86_64', 'zw-host-dev')], { encoding: 'utf8' }).stdout).toContain('zw_dev_load_bytecode_file');
  });
  for (const arch of ARCHES) {
    it(`refuses --bytecode and loads nothing without a flash device (${arch})`, () => {
      const bin = readFileSync(hostBinary(arch, 'zw-host')).toString('latin1');
      expect(bin).not.toContain('--bytecode');
      expect(readFileSync(hostBinary(arch, 'zw-host-dev')).toString('latin1')).toContain('--bytecode');
      const [cmd, args] = hostCommand(arch, 'zw-host', ['--bytecode', bc('runtime')]);
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stdout).not.toContain('ZW-RUNTIME');
      const [cmd2, args2] = hostCommand(arch, 'zw-host', []);
      const r2 = spawnSync(cmd2, args2, { encoding: 'utf8' });
      expect(r2.status).toBe(3);
      expect(r2.stderr).toContain('flash.absent');
    });
  }
});

for (const arch of ARCHES) {
  describe(`zw-host-dev on ${arch}`, () => {
    it('adds timers, microtasks, TextEncoder/TextDecoder, stdin and arguments', () => {
      const r = runBytecode(bc('runtime'), { arch, input: 'hello from stdin', args: ['a', 'b c'] });
      expect(r.status, r.stderr).toBe(0);
      const o = line(r.stdout, 'ZW-RUNTIME');
      expect(o).toEqual({
        encode: '7ac3a9e282acf09f9880',
        loneSurrogate: '61efbfbd62',
        decode: 'zé€😀',
        decodeInvalid: 'a\ufffdb\ufffd',
        decodeOverlong: '\ufffd\ufffd',
        decodeEmpty: '',
        fatal: 'TypeError',
        args: ['a', 'b c'],
        stdin: 'hello from stdin',
        order: ['sync', 'microtask', 'promise', 'timeout 0', 'interval 1', 'interval 2', 'interval 3', 'timeout 20'],
      });
    });

    it('bad input to every hw function gives a typed error or a value, never a crash', () => {
      const flash = join(dir, `bad-${arch}.flash`);
      createBlankDevice(flash);
      const r = runBytecode(bc('bad-input'), { arch, flash });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const o = line(r.stdout, 'ZW-BAD-INPUT');
      expect(o.untyped).toEqual([]);
      expect(o.typed).toBeGreaterThan(o.calls / 2);
      console.log(`bad input ${arch}: ${o.calls} calls, ${o.typed} typed errors, ${o.returned} values`);
    });

    it('an out-of-memory inside the limit is catchable; an uncaught one stops cleanly (host.oom)', () => {
      const r = runBytecode(bc('limits'), { arch, args: ['oom'], hostArgs: ['--mem-mb', '16'] });
      expect(r.stdout).toMatch(/ZW-LIMITS caught InternalError/);
      expect(r.stdout).toContain('ZW-LIMITS alive 2,4,6');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('host.oom');
    });

    it('a script that never yields is stopped by the watchdog (host.watchdog)', () => {
      for (const mode of ['loop', 'loop-in-timer']) {
        const r = runBytecode(bc('limits'), { arch, args: [mode], hostArgs: ['--mem-mb', '16', '--watchdog-ms', '300'], timeoutMs: 60_000 });
        expect(r.status, mode).toBe(1);
        expect(r.stderr, mode).toContain('host.watchdog');
      }
    });

    it('an uncaught exception or unhandled rejection ends with status 1 (host.uncaught); hw.exit sets the status', () => {
      const t = runBytecode(bc('limits'), { arch, args: ['throw'], hostArgs: ['--mem-mb', '16'] });
      expect(t.status).toBe(1);
      expect(t.stderr).toMatch(/host.uncaught.*boom/);
      const j = runBytecode(bc('limits'), { arch, args: ['reject'], hostArgs: ['--mem-mb', '16'] });
      expect(j.status).toBe(1);
      expect(j.stderr).toMatch(/host.uncaught.*nobody catches this/);
      expect(runBytecode(bc('limits'), { arch, args: ['exit'], hostArgs: ['--mem-mb', '16'] }).status).toBe(7);
    });

    it('flipReads flips the same bits as the Node flash for the same plan', () => {
      const flash = join(dir, `flip-${arch}.flash`);
      createBlankDevice(flash);
      const plan = { cutAt: 0, torn: false, seed: 7, flipReads: 0.5 };
      const r = runBytecode(bc('flip-reads'), { arch, flash, env: { ZW_FAULT: JSON.stringify(plan) } });
      expect(r.status, r.stderr).toBe(0);
      const native = line(r.stdout, 'ZW-READS') as string[];
      const node = new NodeFlash(flash, { plan });
      const d = node.open('data');
      const expected = Array.from({ length: 20 }, (_, i) => toHex(d.read(i * 16, 64)));
      node.close();
      expect(native).toEqual(expected);
      const flipped = native.filter((h) => h !== 'ff'.repeat(64)).length;
      expect(flipped).toBeGreaterThan(3);
      expect(flipped).toBeLessThan(17);
    });

    it('refuses a bad fault plan, a missing flash file and one of the wrong size', () => {
      const plan = runBytecode(bc('runtime'), { arch, env: { ZW_FAULT: '{"cutAt": -3}' } });
      expect(plan.status).toBe(2);
      expect(plan.stderr).toContain('host.fault-plan');
      const missing = runBytecode(bc('runtime'), { arch, flash: join(dir, 'nope.flash') });
      expect(missing.status).toBe(3);
      expect(missing.stderr).toContain('flash.io');
      writeFileSync(join(dir, 'small.flash'), new Uint8Array(4096));
      const small = runBytecode(bc('runtime'), { arch, flash: join(dir, 'small.flash') });
      expect(small.status).toBe(3);
      expect(small.stderr).toContain('flash.size');
    });

    it('reads a device provisioned under Node byte for byte, and writes what Node writes', () => {
      const flash = join(dir, `prov-${arch}.flash`);
      const dev = provision({ id: 'gw-host-test', flash, trustKeys: [join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem')], counters: { agent: 4, firmware: 9 } });
      const twin = join(dir, `prov-${arch}-twin.flash`);
      copyFileSync(flash, twin);
      const r = runBytecode(bc('device-io'), { arch, flash, args: ['advance', 'trust', '17'] });
      expect(r.status, r.stderr).toBe(0);
      const o = line(r.stdout, 'ZW-DEVICE');
      for (const [k, v] of Object.entries(dev.keys)) expect(o.keys[k], k).toEqual(v);
      expect(o.counters).toEqual({ agent: 4, firmware: 9, trust: 0, 'store-epoch': 0 });
      expect(o.secureRead, 'raw reads of secure are refused natively').toBe('flash.partition');
      const p = nodePlatform(twin);
      expect(p.crypto.ed25519Verify(Buffer.from(dev.keys.attest!.publicKey, 'hex'), new TextEncoder().encode('signed in zw-host'), Buffer.from(o.signature, 'hex'))).toBe(true);
      p.counters.advance('trust', 17);
      p.close();
      expect(readDevice(flash).counters.trust).toBe(17);
      const secure = partitionSpec('secure')!.size;
      expect(Buffer.compare(readFileSync(flash).subarray(0, secure), readFileSync(twin).subarray(0, secure))).toBe(0);
    });
  });
}
