// The QEMU machine of a simulated gateway (DESIGN.md "Simulator recipe"): virt, Cortex-A57,
// 2 CPUs, 256 MiB, TCG; the flash file as virtio-blk (cache=unsafe: QEMU's writes go to the
// host page cache, so killing QEMU loses only what the guest had not written out); user-mode
// networking (the host's loopback is 10.0.2.2 from the guest); virtio RNG; the serial console on
// a unix socket logged to boot-<n>.log; QMP on qmp.sock. -no-reboot: a guest reboot or QMP
// system_reset ends the process, so every boot is one QEMU process and one console log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import type { BootImage } from './initramfs.ts';
import type { After, FaultPlan, Mode, Paths } from './gateway.ts';

export const QEMU_SYSTEM = '/usr/bin/qemu-system-aarch64';

export interface BootOptions {
  readonly mode: Mode;
  readonly fault: FaultPlan | null;
  readonly after: After;
  /** QEMU -rtc base: "utc" or a date ("2031-01-01" or "2031-01-01T08:00:00"), the guest's clock. */
  readonly rtcBase: string | null;
  /** The hospital broker, IP:PORT: written into the flash's secure partition as the `broker`
   *  setting (zw provision --set) before the boot; 10.0.2.2 is this machine's loopback. */
  readonly broker: string | null;
  /** Extra -netdev user options, e.g. "hostfwd=tcp::2222-:22" or "restrict=on". */
  readonly netdev: string | null;
}

const RTC_BASE = /^(utc|localtime|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?)$/;

/** zw.fault's value: cutAt:17,torn:true,seed:5 (the init turns it back into ZW_FAULT JSON). */
export function faultArg(f: FaultPlan): string {
  return Object.entries(f)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}:${String(v)}`)
    .join(',');
}

export function checkOptions(o: BootOptions): string | null {
  if (o.rtcBase !== null && !RTC_BASE.test(o.rtcBase)) return `--rtc-base ${JSON.stringify(o.rtcBase)} is not "utc" or a date like 2031-01-01T08:00:00`;
  if (o.netdev !== null && /[\s]/.test(o.netdev)) return '--netdev options may not contain spaces';
  if (o.fault && o.mode !== 'dev') return 'a fault plan needs the development host (mode dev)';
  return null;
}

export function kernelCommandLine(o: BootOptions): string {
  const args = ['console=ttyAMA0', 'quiet', `zw.mode=${o.mode}`, `zw.after=${o.after}`];
  if (o.fault) args.push(`zw.fault=${faultArg(o.fault)}`);
  return args.join(' ');
}

export function qemuArgs(image: BootImage, p: Paths, flash: string, n: number, o: BootOptions): string[] {
  const drive = `if=none,id=flash,format=raw,cache=unsafe,file=${flash.replace(/,/g, ',,')}`;
  return [
    '-M', 'virt', '-cpu', 'cortex-a57', '-smp', '2', '-m', '256', '-accel', 'tcg',
    '-nographic', '-monitor', 'none', '-no-reboot',
    '-kernel', image.kernel, '-initrd', image.initramfs, '-append', kernelCommandLine(o),
    '-netdev', `user,id=n0${o.netdev ? ',' + o.netdev : ''}`, '-device', 'virtio-net-device,netdev=n0,id=nic0',
    '-object', 'rng-random,id=rng0,filename=/dev/urandom', '-device', 'virtio-rng-device,rng=rng0',
    '-drive', drive, '-device', 'virtio-blk-device,drive=flash',
    '-chardev', `socket,id=con,path=${p.consoleSock},server=on,wait=off,logfile=${p.log(n)}`, '-serial', 'chardev:con',
    '-qmp', `unix:${p.qmp},server=on,wait=off`,
    '-pidfile', p.pidFile,
    ...(o.rtcBase ? ['-rtc', `base=${o.rtcBase}`] : []),
  ];
}

/** Starts QEMU detached (it outlives the zw command); its own messages go to boot-<n>.qemu.log. */
export function startQemu(args: string[], p: Paths, n: number): number {
  for (const f of [p.qmp, p.consoleSock, p.pidFile]) rmSync(f, { force: true });
  const err = openSync(p.qemuLog(n), 'w');
  try {
    const child = spawn(QEMU_SYSTEM, args, { cwd: p.dir, detached: true, stdio: ['ignore', err, err] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${QEMU_SYSTEM}`);
    return child.pid;
  } finally {
    closeSync(err);
  }
}

/** The process is alive and is a QEMU (not a reused pid). */
export function qemuAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    const state = /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return cmd.includes('qemu-system-aarch64') && state !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `signal` and waits (up to 5 s) until the process is gone. */
export async function stopQemu(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!qemuAlive(pid)) return;
  process.kill(pid, signal);
  for (let i = 0; i < 100 && qemuAlive(pid); i++) await sleep(50);
}

export function qemuInstalled(): boolean {
  return existsSync(QEMU_SYSTEM);
}
