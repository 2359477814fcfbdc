import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ARCHES, buildBytecode, hostCommand, ROOT, type Arch } from '../lib/host.ts';
import { EXIT, parse, UsageError, type Command } from './cli.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'bundle, compile and run one TypeScript module in the development zw-host',
  usage: `zw run [--arch x86_64|aarch64] [--flash FILE] [--watchdog-ms N] [--mem-mb N] FILE.ts [-- ARGS...]

Bundles FILE.ts (esbuild, with the QuickJS prelude), compiles it to bytecode with zwc and runs
it in build/native/<arch>/zw-host-dev (aarch64 under qemu-aarch64-static). The module reaches
the platform through the native module "hw" (hardware/hw/platform.ts gives the ports).
ARGS reach the module through hwdev.args(). Exit status: the host's.

Example: zw run --arch aarch64 --flash gw.flash examples/hello-hw.ts`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      arch: { type: 'string', default: 'x86_64' },
      flash: { type: 'string' },
      'watchdog-ms': { type: 'string' },
      'mem-mb': { type: 'string' },
    });
    const arch = values.arch as Arch;
    if (!ARCHES.includes(arch)) throw new UsageError(`--arch must be one of ${ARCHES.join(', ')}`);
    const [file, ...rest] = positionals;
    if (!file) throw new UsageError('missing FILE.ts');
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
    const out = join(ROOT, 'build', 'run', basename(file).replace(/\.[cm]?[jt]s$/, '') + '.qjsbc');
    await buildBytecode(file, out);
    const hostArgs = [
      ...(values.flash ? ['--flash', values.flash] : []),
      ...(values['watchdog-ms'] ? ['--watchdog-ms', values['watchdog-ms']] : []),
      ...(values['mem-mb'] ? ['--mem-mb', values['mem-mb']] : []),
      '--bytecode', out,
      ...(rest.length ? ['--', ...rest] : []),
    ];
    const [cmd, args] = hostCommand(arch, 'zw-host-dev', hostArgs);
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.error) {
      process.stderr.write(`zw run: cannot start ${cmd}: ${r.error.message}\n`);
      return EXIT.IO;
    }
    return r.status ?? 128 + 9;
  },
};
