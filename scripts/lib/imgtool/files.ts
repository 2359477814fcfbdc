// Files and exit codes for the image tooling commands (zw keygen | sign | dump). Inputs that
// cannot be read and outputs that exist or cannot be written are I/O errors (tool.*, exit 3);
// outputs appear whole or not at all, and are never overwritten unless asked.
import { linkSync, lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { ZwError, reasonOf } from '../../../hardware/errors.ts';
import { EXIT, exitFor } from '../../zw/cli.ts';

export function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ZwError('tool.input', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Writes `data` to `path` through a temporary file in the same folder, then links it into
 *  place (fails if `path` exists) or, with `force`, renames it over the old file. */
export function writeOutput(path: string, data: Uint8Array | string, opts: { force?: boolean; mode?: number } = {}): void {
  const tmp = `${path}.zw-tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: opts.mode ?? 0o644 });
    if (opts.force) renameSync(tmp, path);
    else linkSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ZwError('tool.output', code === 'EEXIST' ? `${path} exists; refusing to overwrite it` : `cannot write ${path}: ${code ?? (e as Error).message}`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed into place, or never created
    }
  }
}

/** Refuses early when an output exists, so that nothing is written at all. */
export function refuseExisting(paths: readonly string[], force = false, hint?: string): void {
  if (force) return;
  for (const p of paths) {
    if (lstatSync(p, { throwIfNoEntry: false })) throw new ZwError('tool.output', `${p} exists; refusing to overwrite it${hint ? ` (${hint})` : ''}`);
  }
}

/** Exit codes for the tooling reasons: tool.* is I/O (3), sign.* and keygen.* usage (2). */
export function toolExit(e: unknown, command: string): number {
  const reason = reasonOf(e) ?? '';
  const family = reason.split('.')[0];
  if (family !== 'tool' && family !== 'sign' && family !== 'keygen') return exitFor(e, command);
  process.stderr.write(`zw ${command}: ${(e as Error).message}\n`);
  if (family === 'tool') return EXIT.IO;
  process.stderr.write(`(see zw ${command} --help)\n`);
  return EXIT.USAGE;
}
