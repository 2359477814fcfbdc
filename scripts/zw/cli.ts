// Shared pieces of the zw command: exit codes and usage errors (DESIGN.md §Contracts "CLI"),
// option parsing with --help on every command, JSON or text output.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { reasonOf } from '../../hardware/errors.ts';

export const EXIT = { OK: 0, REJECT: 1, USAGE: 2, IO: 3, WARNING: 4 } as const;

export class UsageError extends Error {}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with strict checking; unknown options and missing values are usage errors. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** Maps an error to the CLI's exit codes: typed input errors are usage or rejects, I/O is 3. */
export function exitFor(e: unknown, command: string): number {
  const reason = reasonOf(e);
  if (e instanceof UsageError) {
    process.stderr.write(`zw ${command}: ${e.message}\n(see zw ${command} --help)\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`zw ${command}: ${e instanceof Error ? e.message : String(e)}\n`);
  if (reason?.startsWith('flash.io') || reason === 'flash.size' || reason === 'provision.exists') return EXIT.IO;
  if (reason === 'provision.agent') return EXIT.REJECT;
  if (reason === 'device.id' || reason?.startsWith('provision.')) return EXIT.USAGE;
  return reason ? EXIT.REJECT : EXIT.IO;
}
