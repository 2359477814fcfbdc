// The simulator's pieces that need no QEMU: the cpio newc writer (read back by GNU cpio), the
// boot image (modules in dependency order, rebuilt only when an input changes) and the console
// reader on a log as the gateway prints it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { agentRunning, readConsole } from '../../sim/console.ts';
import { cpioNewc } from '../../sim/cpio.ts';
import { bootImage } from '../../sim/initramfs.ts';
import { faultArg, kernelCommandLine } from '../../sim/qemu.ts';
import { RELEASE } from './support.ts';

function cpioList(archive: Uint8Array): string[] {
  const r = spawnSync('cpio', ['-itv', '--quiet'], { input: archive, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

describe('cpio newc', () => {
  it('writes an archive GNU cpio reads back, with a device node and a symlink', () => {
    const archive = cpioNewc([
      { kind: 'dir', path: 'dev' },
      { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
      { kind: 'file', path: 'init', data: new TextEncoder().encode('#!/bin/sh\n'), mode: 0o755 },
      { kind: 'symlink', path: 'sh', target: 'busybox' },
    ]);
    expect(archive.length % 4).toBe(0);
    const list = cpioList(archive);
    expect(list[0]).toMatch(/^drwxr-xr-x .* dev$/);
    expect(list[1]).toMatch(/^crw------- .* 5,\s+1 .* dev\/console$/);
    expect(list[2]).toMatch(/^-rwxr-xr-x .* 10 .* init$/);
    expect(list[3]).toMatch(/^lrwxrwxrwx .* sh -> busybox$/);
    expect(cpioNewc([{ kind: 'dir', path: 'a' }])).toEqual(cpioNewc([{ kind: 'dir', path: 'a' }]));
  });

  it('refuses paths that climb out', () => {
    expect(() => cpioNewc([{ kind: 'dir', path: '../etc' }])).toThrow(/bad path/);
  });
});

describe('boot image', () => {
  it('holds busybox, both hosts, our init and the virtio modules after what they depend on; cached by input hash', () => {
    const a = bootImage();
    expect(a.modules).toEqual(['virtio_mmio', 'failover', 'net_failover', 'virtio_net', 'virtio_blk', 'virtio-rng']);
    const list = cpioList(gunzipSync(readFileSync(a.initramfs)));
    for (const f of ['init', 'bin/busybox', 'bin/zw-host', 'bin/zw-host-dev', 'bin/zw-down', 'etc/udhcpc.script', 'lib/modules/virtio_blk.ko', 'dev/console'])
      expect(list.some((l) => l.endsWith(` ${f}`))).toBe(true);
    const b = bootImage();
    expect(b).toMatchObject({ hash: a.hash, initramfs: a.initramfs, built: false });
  });

  it('passes the mode and the fault plan on the kernel command line', () => {
    expect(faultArg({ cutAt: 17, torn: true, seed: 5 })).toBe('cutAt:17,torn:true,seed:5');
    expect(kernelCommandLine({ ...RELEASE, mode: 'dev', fault: { cutAt: 3 }, after: 'halt' })).toBe('console=ttyAMA0 quiet zw.mode=dev zw.after=halt zw.fault=cutAt:3');
  });
});

describe('console reader', () => {
  const log = [
    'ZW-SIM init t=1.93 kernel=6.1.0-56-arm64',
    'ZW-SIM host-start t=2.32 host=zw-host-dev fault={"cutAt":6}',
    '~ # ZW-MEASURED {"type":"agent","component":"agent","status":"accepted","version":"0.1.0+0","digest":"80"}',
    '{"t":"2026-01-01T00:00:00.000Z","level":"info","code":"agent.start","agent":"zorgwacht-agent","version":"0.1.0+0","verified":true,"digest":"80"}',
    '{"t":"2026-01-01T00:00:00.100Z","level":"info","code":"store.opened","blank":false,"records":3,"lost":0}',
    'ZW-POWER-CUT op=6',
    'ZW-SIM host-exit t=2.60 status=137',
  ].join('\n');

  it('reads stages, measurements, agent and store lines, the cut and the exit', () => {
    const f = readConsole(log);
    expect(f.stages.map((s) => s.name)).toEqual(['init', 'host-start', 'host-exit']);
    expect(f.stages[0]).toEqual({ name: 'init', uptime: 1.93, fields: { kernel: '6.1.0-56-arm64' } });
    expect(f.measurements).toEqual([{ type: 'agent', component: 'agent', status: 'accepted', version: '0.1.0+0', digest: '80' }]);
    expect(f.agent).toEqual({ verified: true, version: '0.1.0+0', digest: '80' });
    expect(f.store).toEqual({ blank: false, records: 3, lost: 0 });
    expect(f.powerCut).toBe(6);
    expect(agentRunning(f)).toBe(true);
  });

  it('reads a refusal', () => {
    const f = readConsole('zw-host: image.hash: agent image refused; nothing was loaded\nZW-SIM host-exit t=2 status=1\n');
    expect(f.refused).toBe('image.hash');
    expect(f.hostExit).toBe(1);
    expect(agentRunning(f)).toBe(false);
  });
});
