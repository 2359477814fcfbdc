// Shared set-up of the simulator suites: a short scratch directory as ZW_SIM_DIR (unix socket
// paths are short), the real agent built and signed once, gateways provisioned with `zw
// provision` as a test engineer would, and every QEMU started here stopped at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAgentImage } from '../../scripts/lib/agent-image.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { readConsole, type ConsoleFacts } from '../../sim/console.ts';
import { gatewayPaths, lastBoot, listGateways, loadSummary } from '../../sim/gateway.ts';
import { qemuAlive, sleep, stopQemu, type BootOptions } from '../../sim/qemu.ts';

export const KEY = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pem');

export const RELEASE: BootOptions = { mode: 'release', fault: null, after: 'stay', rtcBase: null, broker: null, netdev: null };

export interface SimFixture {
  readonly dir: string;
  readonly agentImage: string;
  provision(id: string): string;
  cleanup(): Promise<void>;
}

export function zw(...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...args], { encoding: 'utf8', cwd: ROOT, env: process.env });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

export async function simFixture(): Promise<SimFixture> {
  const dir = mkdtempSync('/tmp/zw-sim-');
  process.env.ZW_SIM_DIR = dir;
  const agentImage = join(dir, 'agent.img');
  const { image } = await buildAgentImage({ key: readFileSync(KEY), version: '0.9.0+1', securityCounter: 1, workDir: dir });
  writeFileSync(agentImage, image);
  return {
    dir,
    agentImage,
    provision(id) {
      const flash = join(dir, `${id}.flash`);
      const r = zw('provision', id, '--flash', flash, '--trust-key', KEY, '--agent', agentImage);
      if (r.status !== 0) throw new Error(`zw provision ${id} failed (${r.status}): ${r.err}`);
      return flash;
    },
    async cleanup() {
      for (const id of listGateways()) {
        const pid = lastBoot(loadSummary(gatewayPaths(id)))?.pid ?? null;
        if (qemuAlive(pid)) await stopQemu(pid!);
      }
      if (!process.env.ZW_SIM_KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What gateway `id`'s current boot has printed so far. */
export function consoleOf(id: string): { text: string; facts: ConsoleFacts } {
  const boot = lastBoot(loadSummary(gatewayPaths(id)));
  const text = boot ? readFileSync(boot.console, 'latin1') : '';
  return { text, facts: readConsole(text) };
}

/** Waits until the console satisfies `ok` (e.g. the boot-time audit commit logged). */
export async function waitConsole(id: string, ok: (f: ConsoleFacts) => boolean, ms = 30000): Promise<ConsoleFacts> {
  for (const end = Date.now() + ms; ; await sleep(100)) {
    const { facts } = consoleOf(id);
    if (ok(facts)) return facts;
    if (Date.now() > end) throw new Error(`${id}: the console did not show what was awaited within ${ms} ms`);
  }
}

/** The boot-time store commit is done: the agent checked its audit chain, or the host ended. */
export const committed = (f: ConsoleFacts): boolean => f.codes.includes('store.audit') || f.hostExit !== null;

export interface Dump {
  verdict: string;
  recovery: { discarded: number; lostRecords: number };
  audit: { index: number; hash: string; dateTime: string }[] | null;
  auditChain: { ok: boolean; count?: number };
}

export function storeDump(flash: string): { status: number | null; dump: Dump } {
  const r = zw('store', 'dump', '--flash', flash, '--json');
  return { status: r.status, dump: JSON.parse(r.out) as Dump };
}
