// Driving a running gateway: orderly power-off, power cut, reset, link down/up (QMP), the
// status read back from each gateway's summary and console log, and the serial console.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { readConsole, agentRunning } from './console.ts';
import { consoleText, cut, record, up, type BootResult, type Progress, type WaitFor } from './boot.ts';
import { gatewayPaths, lastBoot, listGateways, loadSummary, since, SimUsageError, type BootRecord, type Paths, type Summary } from './gateway.ts';
import { qmp } from './qmp.ts';
import { qemuAlive, sleep, stopQemu, type BootOptions } from './qemu.ts';

function running(id: string): { p: Paths; s: Summary; boot: BootRecord } {
  const p = gatewayPaths(id);
  const s = loadSummary(p);
  const boot = lastBoot(s);
  if (!s || !boot) throw new SimUsageError(`${id} has never been up (zw sim up ${id} --flash FILE)`);
  if (!qemuAlive(boot.pid)) throw new SimUsageError(`${id} is down`);
  return { p, s, boot };
}

async function waitExit(pid: number | null, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (!qemuAlive(pid)) return true;
  return !qemuAlive(pid);
}

/** Types one line on the gateway's serial console. */
function typeLine(p: Paths, line: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(p.consoleSock);
    const timer = setTimeout(() => (sock.destroy(), resolve(false)), 2000);
    sock.on('connect', () => sock.end(line + '\n', () => (clearTimeout(timer), setTimeout(() => resolve(true), 100))));
    sock.on('error', () => (clearTimeout(timer), resolve(false)));
  });
}

/** Orderly power-off: the guest stops the host, writes every dirty page out and powers off.
 *  If it does not within `ms`, QMP quit ends QEMU (recorded as forced). */
export async function down(id: string, ms = 15000): Promise<string> {
  const { p, s, boot } = running(id);
  const typed = await typeLine(p, 'zw-down');
  let forced = !typed || !(await waitExit(boot.pid, ms));
  if (forced) {
    await qmp(p.qmp, 'quit').catch(() => undefined);
    if (!(await waitExit(boot.pid, 3000)) && boot.pid) await stopQemu(boot.pid);
  }
  boot.end = { how: 'down', atMs: since(boot), ...(forced ? { detail: 'the guest did not power off in time: QEMU was quit' } : {}) };
  record(p, s, boot, readConsole(consoleText(p, boot)));
  return forced ? `${id}: down (forced: QEMU quit)` : `${id}: down (orderly: host stopped, page cache written out, powered off)`;
}

/** Power cut now: QEMU is killed; what the guest had not written out is lost. */
export async function cutPower(id: string): Promise<string> {
  const { p, s, boot } = running(id);
  await cut(boot, 'zw sim cut-power');
  record(p, s, boot, readConsole(consoleText(p, boot)));
  return `${id}: power cut ${(boot.end!.atMs! / 1000).toFixed(2)} s into boot ${boot.n}`;
}

/** Reset (QMP system_reset; with -no-reboot QEMU exits), then boot again with the same options
 *  as the last boot, overridden by `change`. */
export async function reset(id: string, change: Partial<BootOptions>, waitFor: WaitFor, timeoutMs: number, progress: Progress): Promise<BootResult> {
  const { p, s, boot } = running(id);
  const atMs = since(boot);
  await qmp(p.qmp, 'system_reset').catch(() => undefined);
  if (!(await waitExit(boot.pid, 5000)) && boot.pid) await stopQemu(boot.pid);
  boot.faults.push({ kind: 'reset', atMs, detail: 'QMP system_reset' });
  boot.end = { how: 'reset', atMs };
  record(p, s, boot, readConsole(consoleText(p, boot)));
  const o: BootOptions = { mode: boot.mode, fault: boot.fault, after: boot.after, rtcBase: boot.rtcBase, broker: null, netdev: null, ...change };
  return up(id, s.flash, o, waitFor, timeoutMs, progress);
}

/** The virtio-net link down or up (QMP set_link): the guest sees its carrier go. */
export async function setLink(id: string, linkUp: boolean): Promise<string> {
  const { p, s, boot } = running(id);
  await qmp(p.qmp, 'set_link', { name: 'nic0', up: linkUp });
  boot.faults.push({ kind: linkUp ? 'net-up' : 'net-down', atMs: since(boot), detail: 'QMP set_link nic0' });
  record(p, s, boot, readConsole(consoleText(p, boot)));
  return `${id}: network ${linkUp ? 'up' : 'down'}`;
}

export interface GatewayStatus {
  readonly device: string;
  readonly state: 'up' | 'down';
  readonly pid: number | null;
  readonly boot: number;
  readonly flash: string;
  readonly console: string | null;
  readonly lastStage: string | null;
  readonly agentRunning: boolean;
  readonly verified: boolean | null;
  readonly hostExit: number | null;
  readonly refused: string | null;
  readonly powerCut: number | null;
  readonly faults: number;
  readonly end: string | null;
}

export function status(id: string): GatewayStatus {
  const p = gatewayPaths(id);
  const s = loadSummary(p);
  const boot = lastBoot(s);
  if (!s || !boot) throw new SimUsageError(`${id} has never been up`);
  const alive = qemuAlive(boot.pid);
  const f = readConsole(consoleText(p, boot));
  if (!alive && !boot.end) boot.end = { how: 'qemu-exited', atMs: null };
  record(p, s, boot, f);
  return {
    device: id, state: alive ? 'up' : 'down', pid: alive ? boot.pid : null, boot: boot.n, flash: s.flash, console: boot.console,
    lastStage: f.stages.at(-1)?.name ?? null, agentRunning: agentRunning(f), verified: f.agent?.verified ?? null,
    hostExit: f.hostExit, refused: f.refused, powerCut: f.powerCut, faults: boot.faults.length, end: boot.end?.how ?? null,
  };
}

export function statusAll(): GatewayStatus[] {
  return listGateways().map(status);
}

const DETACH = 0x1d; // Ctrl-]

function current(id: string): { p: Paths; boot: BootRecord } {
  const p = gatewayPaths(id);
  const boot = lastBoot(loadSummary(p));
  if (!boot) throw new SimUsageError(`${id} has never been up`);
  return { p, boot };
}

/** zw sim console --log: the current boot's console log. */
export function printLog(id: string): number {
  const { boot } = current(id);
  process.stdout.write(readFileSync(boot.console));
  return 0;
}

/** zw sim console: the serial console interactively (the terminal in raw mode, Ctrl-] leaves). */
export function attach(id: string): Promise<number> {
  const { p, boot } = current(id);
  if (!qemuAlive(boot.pid)) throw new SimUsageError(`${id} is down; zw sim console ${id} --log prints its last console log`);
  return new Promise((resolve) => {
    const sock = connect(p.consoleSock);
    const stdin = process.stdin;
    const leave = (code: number): void => {
      stdin.setRawMode(false);
      stdin.pause();
      sock.destroy();
      process.stdout.write('\n');
      resolve(code);
    };
    sock.on('connect', () => {
      process.stderr.write(`connected to ${id}'s console (Enter for a shell; Ctrl-] leaves)\n`);
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', (d: Buffer) => (d.includes(DETACH) ? leave(0) : sock.write(d)));
    });
    sock.on('data', (d) => process.stdout.write(d));
    sock.on('error', (e) => {
      process.stderr.write(`zw sim console: ${e.message}\n`);
      resolve(3);
    });
    sock.on('close', () => leave(0));
  });
}
