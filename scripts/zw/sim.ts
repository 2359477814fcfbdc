// zw sim: whole aarch64 gateways under qemu-system-aarch64 (sim/README.md): boot, drive, cut
// the power, read what happened.
import type { BootResult } from '../../sim/boot.ts';
import type { FaultPlan } from '../../sim/gateway.ts';
import type { BootOptions } from '../../sim/qemu.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

const BOOT_OPTIONS = {
  flash: { type: 'string' }, dev: { type: 'boolean' }, 'cut-at': { type: 'string' }, torn: { type: 'boolean' },
  seed: { type: 'string' }, 'flip-reads': { type: 'string' }, 'rtc-base': { type: 'string' }, broker: { type: 'string' },
  netdev: { type: 'string' }, after: { type: 'string' }, wait: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
} as const;

type BootValues = Partial<Record<'flash' | 'cut-at' | 'seed' | 'flip-reads' | 'rtc-base' | 'broker' | 'netdev' | 'after' | 'wait' | 'timeout', string>> &
  Partial<Record<'dev' | 'torn' | 'json', boolean>>;

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} expects an integer ${min}..${max}`);
  return n;
}

function faultPlan(v: BootValues): FaultPlan | null {
  const cutAt = int('cut-at', v['cut-at'], 1, 0x7fffffff);
  const seed = int('seed', v.seed, 0, 0xffffffff);
  const flip = v['flip-reads'] === undefined ? undefined : Number(v['flip-reads']);
  if (flip !== undefined && !(flip >= 0 && flip <= 1)) throw new UsageError('--flip-reads expects a probability 0..1');
  if (cutAt === undefined && flip === undefined && !v.torn && seed === undefined) return null;
  return { ...(cutAt !== undefined ? { cutAt } : {}), ...(v.torn ? { torn: true } : {}), ...(seed !== undefined ? { seed } : {}), ...(flip !== undefined ? { flipReads: flip } : {}) };
}

function bootOptions(v: BootValues): BootOptions {
  const fault = faultPlan(v);
  const after = v.after ?? 'stay';
  if (after !== 'stay' && after !== 'halt' && after !== 'reboot') throw new UsageError('--after expects stay, halt or reboot');
  return { mode: v.dev || fault ? 'dev' : 'release', fault, after, rtcBase: v['rtc-base'] ?? null, broker: v.broker ?? null, netdev: v.netdev ?? null };
}

function waitOptions(v: BootValues): { waitFor: 'running' | 'exit'; timeoutMs: number } {
  const waitFor = v.wait ?? 'running';
  if (waitFor !== 'running' && waitFor !== 'exit') throw new UsageError('--wait expects running or exit');
  return { waitFor, timeoutMs: (int('timeout', v.timeout, 1, 3600) ?? 60) * 1000 };
}

/** Exit status of a boot: 0 what was asked happened, 1 refused or failed, 3 QEMU or timeout, 4 the cut was not reached. */
function report(r: BootResult, json: boolean, log: (s: string) => void): number {
  const f = r.facts;
  if (json) printJson({ outcome: r.outcome, ...r.boot });
  const fault = r.boot.fault;
  const lines: Record<BootResult['outcome'], [string, number]> = {
    running: [`agent running: image verified${f.agent?.version ? ` (${f.agent.version})` : ''}, store opened`, EXIT.OK],
    'host-exited': fault?.cutAt
      ? [`host exited (status ${f.hostExit}) before the cut: it made ${f.flashOps ?? '?'} flash operation(s), the plan cut at ${fault.cutAt}`, EXIT.WARNING]
      : [`host exited with status ${f.hostExit}${agentRunning(r) ? '' : ' before the agent ran'}${f.hostErrors.length ? ': ' + f.hostErrors.join('; ') : ''}`, f.hostExit === 0 ? EXIT.OK : EXIT.REJECT],
    refused: [`agent image refused: ${f.refused}`, EXIT.REJECT],
    'power-cut': [`power cut at flash operation ${f.powerCut} (fault plan); QEMU killed`, EXIT.OK],
    'qemu-exited': [`QEMU exited before the agent ran (see ${r.boot.console} and its .qemu.log)`, EXIT.IO],
    timeout: [`no outcome within the timeout; the gateway is still up (zw sim status ${r.boot.console})`, EXIT.IO],
  };
  const [text, code] = lines[r.outcome];
  if (!json) log(`${text}\nsummary ${r.boot.console.replace(/boot-\d+\.log$/, 'summary.json')}`);
  return code;
}

const agentRunning = (r: BootResult): boolean => r.facts.agent?.verified === true && r.facts.store !== null;

function oneId(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new UsageError(`zw sim ${sub} takes one device id`);
  return positionals[0]!;
}

async function bootCommand(sub: 'up' | 'reset', argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, BOOT_OPTIONS);
  const v = values as BootValues;
  const id = oneId(positionals, sub);
  const { waitFor, timeoutMs } = waitOptions(v);
  const progress = v.json ? (s: string) => process.stderr.write(s + '\n') : (s: string) => process.stdout.write(s + '\n');
  const boot = await import('../../sim/boot.ts');
  const control = await import('../../sim/control.ts');
  const o = bootOptions(v);
  const r = sub === 'up' ? await boot.up(id, v.flash, o, waitFor, timeoutMs, progress) : await control.reset(id, changed(v, o), waitFor, timeoutMs, progress);
  return report(r, v.json ?? false, progress);
}

/** reset keeps the last boot's options unless given again. */
function changed(v: BootValues, o: BootOptions): Partial<BootOptions> {
  return {
    ...(v.dev || o.fault ? { mode: o.mode, fault: o.fault } : {}),
    ...(v.after ? { after: o.after } : {}), ...(v['rtc-base'] ? { rtcBase: o.rtcBase } : {}),
    ...(v.broker ? { broker: o.broker } : {}), ...(v.netdev ? { netdev: o.netdev } : {}),
  };
}

async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  const { status, statusAll } = await import('../../sim/control.ts');
  const rows = positionals.length ? positionals.map(status) : statusAll();
  if (values.json) printJson(positionals.length === 1 ? rows[0] : rows);
  else if (rows.length === 0) process.stdout.write('no simulated gateways (zw sim up ID --flash FILE)\n');
  else {
    for (const r of rows) {
      const what = r.refused ? `agent refused: ${r.refused}` : r.powerCut !== null ? `power cut at op ${r.powerCut}` : r.agentRunning ? 'agent running, image verified' : `last stage ${r.lastStage ?? '-'}`;
      process.stdout.write(`${r.device.padEnd(20)} ${r.state.padEnd(4)} boot ${String(r.boot).padEnd(3)} ${what}${r.hostExit !== null ? `, host exit ${r.hostExit}` : ''}${r.faults ? `, ${r.faults} fault(s)` : ''}  ${r.console}\n`);
    }
  }
  return EXIT.OK;
}

async function simpleCommand(sub: string, argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {});
  const id = oneId(positionals, sub);
  const control = await import('../../sim/control.ts');
  const run: Record<string, () => Promise<string>> = {
    down: () => control.down(id),
    'cut-power': () => control.cutPower(id),
    'net-down': () => control.setLink(id, false),
    'net-up': () => control.setLink(id, true),
  };
  process.stdout.write((await run[sub]!()) + '\n');
  return EXIT.OK;
}

async function consoleCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { log: { type: 'boolean' } });
  const { attach, printLog } = await import('../../sim/control.ts');
  const id = oneId(positionals, 'console');
  return values.log || !process.stdin.isTTY ? printLog(id) : attach(id);
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'run whole aarch64 gateways under QEMU: up, down, console, cut-power, reset, net-down/up, status',
  usage: `zw sim up ID [--flash FILE] [--dev] [--cut-at N [--torn] [--seed N]] [--flip-reads P]
              [--rtc-base DATE] [--broker IP:PORT] [--netdev OPTS] [--after stay|halt|reboot]
              [--wait running|exit] [--timeout S] [--json]
zw sim reset ID [same options: changes for the next boot]
zw sim down ID | cut-power ID | net-down ID | net-up ID
zw sim console ID [--log]
zw sim status [ID...] [--json]

up boots gateway ID (Debian's arm64 kernel, busybox, the static aarch64 zw-host, the flash
FILE made by zw provision as virtio-blk) under qemu-system-aarch64, prints each boot stage as
the console shows it, and returns when the agent runs from an image it verified, leaving the
gateway up. Each gateway lives in build/sim/ID/ ($ZW_SIM_DIR/ID/): boot-N.log (console),
summary.json (stages, measurements, exit status, faults), qmp.sock, console.sock.
--dev boots zw-host-dev; --cut-at N cuts the power at its Nth flash operation (ZW_FAULT: the
host prints ZW-POWER-CUT, the harness kills QEMU); --torn tears that operation; --seed picks
which unsynced writes land. --rtc-base sets the guest clock (a clock jump); --broker IP:PORT writes
the broker setting into FILE's secure partition first (as zw provision --set broker= does;
10.0.2.2 is this machine's loopback); --netdev adds options to QEMU's user-mode network. --wait exit also waits for
the host to exit. down: orderly power-off (host stopped, page cache written out). cut-power:
QEMU killed now; what the guest had not written out is lost. reset: QMP system_reset, then a
new boot. net-down/net-up: QMP set_link. console: attach to the serial console (Ctrl-] leaves;
Enter gives a shell) or --log prints the current boot's log.
Exit: 0 done; 1 agent refused or host failed; 2 usage; 3 QEMU failed or timed out; 4 a fault
plan's cut was not reached.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { SimUsageError } = await import('../../sim/gateway.ts');
    const { SimSetupError } = await import('../../sim/initramfs.ts');
    try {
      if (sub === 'up' || sub === 'reset') return await bootCommand(sub, rest);
      if (sub === 'status') return await statusCommand(rest);
      if (sub === 'console') return await consoleCommand(rest);
      if (sub === 'down' || sub === 'cut-power' || sub === 'net-down' || sub === 'net-up') return await simpleCommand(sub, rest);
      throw new UsageError(sub ? `unknown subcommand ${JSON.stringify(sub)}` : 'a subcommand is needed: up, down, console, cut-power, reset, net-down, net-up, status');
    } catch (e) {
      if (e instanceof SimUsageError) throw new UsageError(e.message);
      if (e instanceof SimSetupError) {
        process.stderr.write(`zw sim: ${e.message}\n`);
        return EXIT.IO;
      }
      throw e;
    }
  },
};
