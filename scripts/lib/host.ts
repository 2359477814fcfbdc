// Bundling TypeScript into one ES module, compiling it to QuickJS bytecode with zwc, and
// running it in the development host (x86_64 directly, aarch64 under qemu-aarch64-static), and
// hosts started in the background.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export type Arch = 'x86_64' | 'aarch64';
export const ARCHES: readonly Arch[] = ['x86_64', 'aarch64'];
export const QEMU = '/usr/bin/qemu-aarch64-static';

export function nativeDir(arch: Arch): string {
  return join(ROOT, 'build', 'native', arch);
}

export function hostBinary(arch: Arch, kind: 'zw-host' | 'zw-host-dev' = 'zw-host-dev'): string {
  return join(nativeDir(arch), kind);
}

/** Bundles `entry` (and the QuickJS prelude) into one ES2020 module importing only `hw`/`hwdev`. */
export async function bundle(entry: string, define: Record<string, string> = {}, plugins: Plugin[] = []): Promise<string> {
  const abs = resolve(entry);
  const prelude = join(ROOT, 'hardware/hw/prelude.ts');
  const result = await build({
    stdin: {
      contents: `import ${JSON.stringify('./' + relative(ROOT, prelude))};\nimport ${JSON.stringify('./' + relative(ROOT, abs))};\n`,
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'zw-entry.ts',
    },
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    external: ['hw', 'hwdev', 'boot'],
    write: false,
    logLevel: 'silent',
    define,
    plugins,
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}

/** Compiles module source to raw QuickJS bytecode with the native zwc. */
export function compile(js: string, outFile: string): void {
  mkdirSync(dirname(outFile), { recursive: true });
  const jsFile = outFile.replace(/\.qjsbc$/, '') + '.js';
  writeFileSync(jsFile, js);
  const zwc = join(nativeDir('x86_64'), 'zwc');
  if (!existsSync(zwc)) throw new Error(`${zwc} is missing: run npm run build`);
  const r = spawnSync(zwc, [jsFile, outFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`zwc failed (${r.status}): ${r.stderr}`);
}

/** Bundles and compiles `entry` to `outFile` (.qjsbc). */
export async function buildBytecode(entry: string, outFile: string, define: Record<string, string> = {}): Promise<void> {
  compile(await bundle(entry, define), outFile);
}

export interface RunOptions {
  arch?: Arch;
  kind?: 'zw-host' | 'zw-host-dev';
  flash?: string;
  env?: Record<string, string>;
  hostArgs?: string[];
  args?: string[];
  input?: string | Uint8Array;
  timeoutMs?: number;
}

/** The command line that runs a host binary on this machine (qemu-user for aarch64). */
export function hostCommand(arch: Arch, kind: 'zw-host' | 'zw-host-dev', argv: string[]): [string, string[]] {
  const bin = hostBinary(arch, kind);
  return arch === 'aarch64' ? [QEMU, [bin, ...argv]] : [bin, argv];
}

/** Runs bytecode in the development host and returns what it printed and its exit status. */
export function runBytecode(bytecode: string, o: RunOptions = {}): SpawnSyncReturns<string> {
  const argv = [...(o.flash ? ['--flash', o.flash] : []), ...(o.hostArgs ?? []), '--bytecode', bytecode];
  if (o.args?.length) argv.push('--', ...o.args);
  const [cmd, args] = hostCommand(o.arch ?? 'x86_64', o.kind ?? 'zw-host-dev', argv);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(o.env ?? {}) };
  return spawnSync(cmd, args, {
    encoding: 'utf8',
    env,
    input: o.input ?? '',
    timeout: o.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A host running in the background (a gateway that stays connected), its output collected. */
export interface HostProcess { readonly proc: ChildProcess; output(): string }

export function startHost(arch: Arch, kind: 'zw-host' | 'zw-host-dev', argv: string[]): HostProcess {
  const [cmd, args] = hostCommand(arch, kind, argv);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, output: () => out };
}

/** Kills a process (power off) and resolves once it is gone. */
export function stopProcess(p: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (p.exitCode !== null || p.signalCode !== null) return ok();
    p.once('exit', () => ok());
    p.kill('SIGKILL');
  });
}
