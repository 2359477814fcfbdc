// The simulator figures of npm run bench (`--only sim`): wall time from QEMU's start to the init
// running (kernel and initramfs: what a bare busybox guest costs) and to the agent running from
// an image it verified (target ≤ 4 s), and one boot's zw-host workload (verify the agent image
// and the slots, start the agent, open the store, commit the boot's audit record) side by side:
// natively on x86_64, the static aarch64 host under qemu-aarch64-static, and inside the
// full-system guest (guest uptime from host-start to host-exit). Each run starts from a copy of
// the same freshly provisioned flash, so every run does the same work.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { up } from '../../sim/boot.ts';
import { cutPower } from '../../sim/control.ts';
import { bootImage } from '../../sim/initramfs.ts';
import { buildAgentImage } from '../lib/agent-image.ts';
import { AttestationLab } from '../lib/attest-lab.ts';
import { hostBinary, QEMU, ROOT } from '../lib/host.ts';

type Row = (what: string, figure: string, note?: string) => void;
const RUNS = 5;
const KEY = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pem');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], unit: (x: number) => string): string => `min ${unit(Math.min(...xs))}, max ${unit(Math.max(...xs))}, ${xs.length} runs`;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const ms = (x: number): string => `${x.toFixed(0)} ms`;

/** One boot's workload in a process on this machine: ms from spawn to exit. */
function hostRun(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const took = performance.now() - t0;
  if (!/"code":"store\.opened"/.test(r.stderr)) throw new Error(`sim bench: the boot workload did not open the store: ${r.stderr.slice(-1500)}`);
  return took;
}

/** QEMU's peak resident set (VmHWM) in MiB. */
function peakMiB(pid: number | null): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Guest { init: number; running: number; inGuest: number; rss: number }

async function guestBoots(dir: string, base: string): Promise<Guest[]> {
  const out: Guest[] = [];
  for (let i = 0; i < RUNS; i++) {
    const flash = join(dir, `guest-${i}.flash`);
    copyFileSync(base, flash);
    const id = `gw-bench-${i}`;
    const r = await up(id, flash, { mode: 'release', fault: null, after: 'stay', rtcBase: null, broker: null, netdev: null }, 'exit', 60000, () => undefined);
    if (r.boot.stages['agent-running'] === undefined) throw new Error(`sim bench: boot ${i} ended ${r.outcome} before the agent ran (${r.boot.console})`);
    const rss = peakMiB(r.boot.pid);
    await cutPower(id);
    const u = r.boot.uptime;
    out.push({ init: r.boot.stages.init!, running: r.boot.stages['agent-running'], inGuest: (u['host-exit']! - u['host-start']!) * 1000, rss });
  }
  return out;
}

/** QEMU start → the verifier's first affirming result for the gateway's answer to its challenge
 *  (the guest reaches the broker on this machine's loopback as 10.0.2.2). */
async function firstAffirming(dir: string): Promise<number[]> {
  const work = mkdtempSync(join(dir, 'lab-'));
  const lab = await AttestationLab.start(work);
  try {
    const out: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = `gw-bench-attest-${i}`;
      const flash = await lab.gateway(id, '10.0.2.2', '');
      const from = lab.events.length;
      const t0 = Date.now();
      const r = await up(id, flash, { mode: 'release', fault: null, after: 'stay', rtcBase: null, broker: null, netdev: null }, 'running', 60000, () => undefined);
      const a = await lab.answer(id, 60000, from);
      if (a?.appraisal.status !== 'affirming') throw new Error(`sim bench: ${id} was not attested affirming (${a?.appraisal.status ?? 'no answer'}; ${r.boot.console})`);
      out.push(Date.now() - t0);
      await cutPower(id);
    }
    return out;
  } finally {
    await lab.close();
  }
}

export async function benchSim(dir: string, row: Row): Promise<void> {
  const simDir = mkdtempSync('/tmp/zw-bench-sim-');
  const saved = process.env.ZW_SIM_DIR;
  process.env.ZW_SIM_DIR = simDir;
  try {
    const image = bootImage();
    const agent = join(dir, 'sim-agent.img');
    writeFileSync(agent, (await buildAgentImage({ key: readFileSync(KEY), version: '0.9.0+1', securityCounter: 1, workDir: dir })).image);
    const base = join(dir, 'sim-base.flash');
    execFileSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'provision', 'gw-bench-base', '--flash', base, '--trust-key', KEY, '--agent', agent], { stdio: 'ignore' });
    const run = (f: (flash: string) => number): number[] =>
      Array.from({ length: RUNS }, (_, i) => {
        const flash = join(dir, `host-${i}.flash`);
        copyFileSync(base, flash);
        return f(flash);
      });
    const native = run((f) => hostRun(hostBinary('x86_64', 'zw-host'), ['--flash', f]));
    const user = run((f) => hostRun(QEMU, [hostBinary('aarch64', 'zw-host'), '--flash', f]));
    const guest = await guestBoots(dir, base);
    const running = guest.map((g) => g.running);
    row('simulator: QEMU start → init running (kernel + initramfs)', s(median(guest.map((g) => g.init))), `median; ${spread(guest.map((g) => g.init), s)}; initramfs ${(image.bytes / 1e6).toFixed(1)} MB gzip`);
    row('simulator: QEMU start → agent running, image verified', s(median(running)), `median; ${spread(running, s)}; target ≤ 4 s`);
    const affirming = await firstAffirming(dir);
    row('simulator: QEMU start → first affirming result at the verifier', s(median(affirming)), `median; ${spread(affirming, s)}; target ≤ 6 s; challenge on connect, token, appraisal`);
    row('simulator boot workload (verify images, start agent, open store, audit commit): zw-host x86_64 native', ms(median(native)), `median; ${spread(native, ms)}; whole process`);
    row('simulator boot workload: zw-host aarch64 under qemu-aarch64-static', ms(median(user)), `median; ${(median(user) / median(native)).toFixed(1)}× native; whole process`);
    row('simulator boot workload: zw-host aarch64 in qemu-system-aarch64 (guest uptime host-start → host-exit)', ms(median(guest.map((g) => g.inGuest))), `median; ${(median(guest.map((g) => g.inGuest)) / median(native)).toFixed(1)}× native; 10 ms resolution`);
    row('simulator: peak RSS of one gateway\'s QEMU (-m 256)', `${median(guest.map((g) => g.rss)).toFixed(0)} MiB`, 'VmHWM at host exit, median');
  } finally {
    if (saved === undefined) delete process.env.ZW_SIM_DIR;
    else process.env.ZW_SIM_DIR = saved;
    rmSync(simDir, { recursive: true, force: true });
  }
}
