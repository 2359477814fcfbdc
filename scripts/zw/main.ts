// zw <command> [options]: the project's command line (DESIGN.md §Contracts "CLI").
import { attestCommand } from './attest.ts';
import { benchCommand } from './bench.ts';
import { buildCommand } from './build.ts';
import { EXIT, exitFor, type Command } from './cli.ts';
import { demoCommand } from './demo.ts';
import { dumpCommand } from './dump.ts';
import { keygenCommand } from './keygen.ts';
import { pkiCommand } from './pki.ts';
import { provisionCommand } from './provision.ts';
import { reasonsCommand } from './reasons.ts';
import { refvaluesCommand } from './refvalues.ts';
import { runCommand } from './run.ts';
import { signCommand } from './sign.ts';
import { simCommand } from './sim.ts';
import { storeCommand } from './store.ts';
import { trustCommand } from './trust.ts';
import { verifyCommand } from './verify.ts';
import { verifierCommand } from './verifier.ts';

const COMMANDS: readonly Command[] = [
  runCommand, provisionCommand, pkiCommand, keygenCommand, signCommand, verifyCommand, dumpCommand, buildCommand, trustCommand, storeCommand, attestCommand, refvaluesCommand, reasonsCommand, demoCommand, benchCommand, verifierCommand, simCommand,
];

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return `zw — Zorgwacht command line

usage: zw <command> [options]     (zw <command> --help for details)

${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Exit status: 0 ok/accept, 1 reject/check failed, 2 usage, 3 I/O or environment, 4 warning.
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`zw: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return EXIT.USAGE;
  }
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return EXIT.OK;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    return exitFor(e, cmd.name);
  }
}
