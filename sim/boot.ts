// Booting a simulated gateway and watching its console: `up` starts QEMU, reports each stage
// as the console shows it, and returns when the agent runs from an image it verified — or when
// the host exits, is refused, or is cut by its fault plan (then QEMU is killed: the power cut).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEVICE_SIZE } from '../hardware/layout.ts';
import { applySettings, parseSetting } from '../scripts/lib/provision.ts';
import { agentRunning, hostGone, readConsole, type ConsoleFacts } from './console.ts';
import { gatewayPaths, lastBoot, loadSummary, saveSummary, since, SimUsageError, type BootRecord, type Paths, type Summary } from './gateway.ts';
import { bootImage } from './initramfs.ts';
import { checkOptions, qemuAlive, qemuArgs, sleep, startQemu, stopQemu, type BootOptions } from './qemu.ts';

export type Progress = (line: string) => void;

/** What `up` waits for: the agent running (default), or the host's exit as well. */
export type WaitFor = 'running' | 'exit';

export interface BootResult {
  readonly outcome: 'running' | 'host-exited' | 'refused' | 'power-cut' | 'qemu-exited' | 'timeout';
  readonly boot: BootRecord;
  readonly facts: ConsoleFacts;
}

/** Folds what the console says into the boot record and the summary file. */
export function record(p: Paths, s: Summary, boot: BootRecord, facts: ConsoleFacts): void {
  const { stages, ...rest } = facts;
  boot.facts = rest;
  boot.uptime = Object.fromEntries(stages.filter((st) => st.uptime !== null).map((st) => [st.name, st.uptime!]));
  saveSummary(p, s);
}

/** The console text up to its last complete line. */
export function consoleText(p: Paths, boot: BootRecord): string {
  const file = p.log(boot.n);
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'latin1');
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

function prepare(id: string, flashArg: string | undefined, o: BootOptions): { p: Paths; s: Summary; flash: string } {
  const p = gatewayPaths(id);
  const bad = checkOptions(o);
  if (bad) throw new SimUsageError(bad);
  const s: Summary = loadSummary(p) ?? { device: id, flash: '', boots: [] };
  const running = lastBoot(s);
  if (running && qemuAlive(running.pid)) throw new SimUsageError(`${id} is already up (QEMU pid ${running.pid}); zw sim down ${id} first`);
  const flash = resolve(flashArg ?? (s.flash || `${p.dir}/flash.img`));
  if (!existsSync(flash)) {
    throw new SimUsageError(`no flash device ${flash}: make one with  npx zw provision ${id} --flash ${flash} --trust-key mfr.pem --agent build/agent.img  and pass --flash`);
  }
  if (statSync(flash).size !== DEVICE_SIZE) throw new SimUsageError(`${flash} is ${statSync(flash).size} bytes; a gateway's flash is ${DEVICE_SIZE} (zw provision makes it)`);
  s.flash = flash;
  mkdirSync(p.dir, { recursive: true });
  if (o.broker !== null) setBroker(flash, o.broker);
  return { p, s, flash };
}

function reached(f: ConsoleFacts, waitFor: WaitFor, o: BootOptions): BootResult['outcome'] | null {
  if (f.powerCut !== null) return 'power-cut';
  if (f.refused !== null && hostGone(f)) return 'refused';
  // A fault run watches to the host's end: its cut may fall after the agent started.
  if (agentRunning(f) && waitFor === 'running' && !o.fault) return 'running';
  if (hostGone(f)) return agentRunning(f) && waitFor === 'running' ? 'running' : 'host-exited';
  return null;
}

/** The broker address the agent reads at boot, as `zw provision --set broker=` writes it. */
function setBroker(flash: string, broker: string): void {
  let setting: ReturnType<typeof parseSetting>;
  try {
    setting = parseSetting(`broker=${broker}`);
  } catch (e) {
    throw new SimUsageError(`--broker: ${(e as Error).message}`);
  }
  applySettings(flash, [setting]);
}

/** Watches the console of a started boot until an outcome (see `reached`) or the timeout. */
export async function watch(p: Paths, s: Summary, boot: BootRecord, o: BootOptions, waitFor: WaitFor, timeoutMs: number, progress: Progress): Promise<BootResult> {
  const deadline = Date.now() + timeoutMs;
  let shown = 0;
  for (;;) {
    const facts = readConsole(consoleText(p, boot));
    for (const st of facts.stages.slice(shown)) {
      boot.stages[st.name] ??= since(boot);
      progress(`  ${(boot.stages[st.name]! / 1000).toFixed(2).padStart(6)} s  ${st.name}${Object.keys(st.fields).length ? '  ' + Object.entries(st.fields).map(([k, v]) => `${k}=${v}`).join(' ') : ''}`);
    }
    shown = facts.stages.length;
    if (agentRunning(facts) && boot.stages['agent-running'] === undefined) {
      boot.stages['agent-running'] = since(boot);
      progress(`  ${(boot.stages['agent-running'] / 1000).toFixed(2).padStart(6)} s  agent running: image verified (${facts.agent?.version}), store opened`);
    }
    let outcome = reached(facts, waitFor, o);
    if (!outcome && !qemuAlive(boot.pid)) outcome = 'qemu-exited';
    if (!outcome && Date.now() > deadline) outcome = 'timeout';
    if (outcome === 'power-cut') await cut(boot, `the fault plan cut at flash operation ${facts.powerCut}`);
    if (outcome === 'qemu-exited') boot.end ??= { how: 'qemu-exited', atMs: since(boot) };
    record(p, s, boot, facts);
    if (outcome) return { outcome, boot, facts };
    await sleep(40);
  }
}

/** Kills QEMU now: whatever the guest had not written out is lost. */
export async function cut(boot: BootRecord, detail: string): Promise<void> {
  const atMs = since(boot);
  if (boot.pid) await stopQemu(boot.pid, 'SIGKILL');
  boot.faults.push({ kind: boot.fault?.cutAt ? 'power-cut-at-op' : 'power-cut', atMs, detail });
  boot.end = { how: 'power-cut', atMs, detail };
}

/** Boots gateway `id` (one new QEMU process, boot number n+1) and watches it. */
export async function up(id: string, flashArg: string | undefined, o: BootOptions, waitFor: WaitFor, timeoutMs: number, progress: Progress): Promise<BootResult> {
  const { p, s, flash } = prepare(id, flashArg, o);
  const image = bootImage();
  progress(`${id}: ${image.built ? 'built' : 'cached'} boot image ${image.hash.slice(0, 16)} (initramfs ${(image.bytes / 1e6).toFixed(1)} MB; modules ${image.modules.join(' ')})`);
  const n = s.boots.length + 1;
  const args = qemuArgs(image, p, flash, n, o);
  const startedMs = Date.now();
  const pid = startQemu(args, p, n);
  const boot: BootRecord = {
    n, mode: o.mode, fault: o.fault, rtcBase: o.rtcBase, broker: o.broker, after: o.after,
    startedAt: new Date(startedMs).toISOString(), startedMs, pid, console: p.log(n), initramfs: image.hash,
    stages: {}, uptime: {}, facts: null, faults: o.rtcBase && o.rtcBase !== 'utc' ? [{ kind: 'clock', atMs: 0, detail: `-rtc base=${o.rtcBase}` }] : [], end: null,
  };
  s.boots.push(boot);
  saveSummary(p, s);
  progress(`${id}: boot ${n}: QEMU pid ${pid}, ${o.mode === 'dev' ? 'zw-host-dev' : 'zw-host'}${o.fault ? ` with fault plan ${JSON.stringify(o.fault)}` : ''}; console ${p.log(n)}`);
  return watch(p, s, boot, o, waitFor, timeoutMs, progress);
}
