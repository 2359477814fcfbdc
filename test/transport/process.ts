// A test gateway in its own process — zw-host-dev running the bytecode (x86_64, or aarch64
// under qemu-user), or Node running the same program on the Node ports — fed commands on stdin
// and read through its `ZW-EV` lines. kill() is a power cut: SIGKILL, nothing more runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { hostCommand, ROOT, type Arch } from '../../scripts/lib/host.ts';
import type { Command, GatewayConfig } from './gateway.ts';

export type Target = 'node' | Arch;
export type Ev = { type: string; ms: number } & Record<string, unknown>;

export class GatewayProcess {
  readonly events: Ev[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exit: Promise<number | null>;
  #out = '';

  constructor(readonly target: Target, flash: string, config: GatewayConfig, bytecode: string) {
    const [cmd, args] = target === 'node'
      ? [process.execPath, ['--import', 'tsx', join(ROOT, 'test/transport/node-gateway.ts'), flash, JSON.stringify(config)]]
      : hostCommand(target, 'zw-host-dev', ['--flash', flash, '--bytecode', bytecode, '--', JSON.stringify(config)]);
    this.#child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.#out += s;
      for (let nl = this.#out.indexOf('\n'); nl >= 0; nl = this.#out.indexOf('\n')) {
        const line = this.#out.slice(0, nl);
        this.#out = this.#out.slice(nl + 1);
        if (line.startsWith('ZW-EV ')) this.events.push(JSON.parse(line.slice(6)) as Ev);
      }
    });
    this.#child.stderr!.setEncoding('utf8').on('data', (s: string) => { this.stderr = (this.stderr + s).slice(-20_000); });
    this.#exit = new Promise((ok) => this.#child.once('exit', (code) => ok(code)));
    const gone = () => this.#child.kill('SIGKILL');
    process.once('exit', gone);
    void this.#exit.then(() => process.off('exit', gone));
  }

  send(c: Command): void {
    this.#child.stdin!.write(JSON.stringify(c) + '\n');
  }

  /** Waits for an event of `type` (matching `test`) from `from` on; returns it. */
  async next(type: string, test: (e: Ev) => boolean = () => true, ms = 30_000, from = 0): Promise<Ev> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = this.events.slice(from).find((x) => x.type === type && test(x));
      if (e) return e;
      const failed = this.events.find((x) => x.type === 'error');
      if (failed || this.#child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${this.target}: no ${type} event${failed ? ` (error ${JSON.stringify(failed)})` : ''}; events ${JSON.stringify(this.events.slice(-30))}\n${this.stderr.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  count(type: string): number {
    return this.events.filter((e) => e.type === type).length;
  }

  /** Ends stdin (after a stop the process has nothing left and exits); its exit status. */
  async end(ms = 20_000): Promise<number | null> {
    this.#child.stdin!.end();
    const t = setTimeout(() => this.#child.kill('SIGKILL'), ms);
    const code = await this.#exit;
    clearTimeout(t);
    return code;
  }

  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.#exit;
  }
}
