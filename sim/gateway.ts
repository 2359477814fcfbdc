// One simulated gateway on disk: build/sim/<device-id>/ (or $ZW_SIM_DIR/<device-id>/) holds its
// QMP and console sockets, QEMU's pid file, one console log per boot (boot-<n>.log) and
// summary.json — every boot's stages, measurements, exit status and injected faults, for a test
// engineer to attach to a report. The flash file may live anywhere; the summary names it.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from '../scripts/lib/host.ts';
import type { ConsoleFacts } from './console.ts';

export const DEVICE_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;
const RESERVED = new Set(['verifier', 'admin', 'broker', 'image']);

export interface FaultPlan {
  readonly cutAt?: number;
  readonly torn?: boolean;
  readonly seed?: number;
  readonly flipReads?: number;
}

export type Mode = 'release' | 'dev';
export type After = 'stay' | 'halt' | 'reboot';

export interface Fault {
  readonly kind: 'power-cut' | 'power-cut-at-op' | 'net-down' | 'net-up' | 'reset' | 'clock';
  /** Milliseconds after this boot's QEMU started. */
  readonly atMs: number;
  readonly detail?: string;
}

export interface BootRecord {
  readonly n: number;
  readonly mode: Mode;
  readonly fault: FaultPlan | null;
  readonly rtcBase: string | null;
  readonly broker: string | null;
  readonly after: After;
  readonly startedAt: string;
  readonly startedMs: number;
  pid: number | null;
  readonly console: string;
  readonly initramfs: string;
  /** When the harness saw each stage, in ms after QEMU started ("agent-running" included). */
  readonly stages: Record<string, number>;
  /** Guest uptime (s) printed with each init stage. */
  uptime: Record<string, number>;
  facts: Omit<ConsoleFacts, 'stages'> | null;
  readonly faults: Fault[];
  /** How this boot ended, once it has. */
  end: { how: 'power-cut' | 'down' | 'reset' | 'qemu-exited' | 'killed'; atMs: number | null; detail?: string } | null;
}

export interface Summary {
  readonly device: string;
  flash: string;
  readonly boots: BootRecord[];
}

export interface Paths {
  readonly id: string;
  readonly dir: string;
  readonly qmp: string;
  readonly consoleSock: string;
  readonly pidFile: string;
  readonly summary: string;
  log(n: number): string;
  qemuLog(n: number): string;
}

export class SimUsageError extends Error {}

export function simBase(): string {
  return process.env.ZW_SIM_DIR ? resolve(process.env.ZW_SIM_DIR) : join(ROOT, 'build/sim');
}

export function gatewayPaths(id: string): Paths {
  if (!DEVICE_ID.test(id) || RESERVED.has(id)) throw new SimUsageError(`device id ${JSON.stringify(id)} must match ${DEVICE_ID.source} and not be a reserved name`);
  const dir = join(simBase(), id);
  const qmp = join(dir, 'qmp.sock');
  // sockaddr_un holds 108 bytes.
  if (Buffer.byteLength(qmp) > 100) throw new SimUsageError(`${qmp} is too long for a unix socket: set ZW_SIM_DIR to a shorter directory`);
  return {
    id, dir, qmp,
    consoleSock: join(dir, 'console.sock'),
    pidFile: join(dir, 'qemu.pid'),
    summary: join(dir, 'summary.json'),
    log: (n) => join(dir, `boot-${n}.log`),
    qemuLog: (n) => join(dir, `boot-${n}.qemu.log`),
  };
}

/** Every gateway directory under the base. */
export function listGateways(): string[] {
  const base = simBase();
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(base, e.name, 'summary.json')))
    .map((e) => e.name)
    .sort();
}

export function loadSummary(p: Paths): Summary | null {
  if (!existsSync(p.summary)) return null;
  return JSON.parse(readFileSync(p.summary, 'utf8')) as Summary;
}

export function saveSummary(p: Paths, s: Summary): void {
  mkdirSync(p.dir, { recursive: true });
  const tmp = `${p.summary}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, p.summary);
}

export function lastBoot(s: Summary | null): BootRecord | null {
  return s && s.boots.length > 0 ? s.boots[s.boots.length - 1]! : null;
}

/** ms after `boot`'s QEMU started. */
export function since(boot: BootRecord): number {
  return Date.now() - boot.startedMs;
}
