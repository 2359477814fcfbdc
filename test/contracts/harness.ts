// A tiny portable test harness for the port contract suites: the same cases run under vitest
// (Node ports) and as bytecode inside zw-host (hw ports), in declaration order (STYLE.md 13).
import { reasonOf } from '../../hardware/errors.ts';
import type { Ports } from '../../hardware/ports.ts';
import { toHex } from '../support/bytes.ts';

export interface Case {
  readonly suite: string;
  readonly name: string;
  readonly run: (p: Ports) => void;
}

export class CheckFailed extends Error {}

export function check(cond: boolean, what: string): void {
  if (!cond) throw new CheckFailed(what);
}

export function eqBytes(got: Uint8Array | null, want: Uint8Array, what: string): void {
  if (!(got instanceof Uint8Array)) throw new CheckFailed(`${what}: expected bytes, got ${String(got)}`);
  if (toHex(got) !== toHex(want)) throw new CheckFailed(`${what}: expected ${toHex(want)}, got ${toHex(got)}`);
}

export function eq<T>(got: T, want: T, what: string): void {
  if (got !== want) throw new CheckFailed(`${what}: expected ${String(want)}, got ${String(got)}`);
}

/** `fn` must throw an error carrying `reason`. */
export function throwsReason(fn: () => unknown, reason: string, what: string): void {
  try {
    fn();
  } catch (e) {
    const got = reasonOf(e);
    if (got !== reason) throw new CheckFailed(`${what}: expected reason ${reason}, got ${got ?? String(e)}`);
    return;
  }
  throw new CheckFailed(`${what}: expected a ${reason} error, nothing was thrown`);
}

/** `fn` must throw a typed error (any reason code): misuse never crashes or passes silently. */
export function throwsTyped(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (e) {
    if (reasonOf(e) === undefined) throw new CheckFailed(`${what}: threw an untyped error: ${String(e)}`);
    return;
  }
  throw new CheckFailed(`${what}: expected a typed error, nothing was thrown`);
}

export interface CaseResult { suite: string; name: string; ok: boolean; error?: string }

export function runCase(c: Case, p: Ports): CaseResult {
  try {
    c.run(p);
    return { suite: c.suite, name: c.name, ok: true };
  } catch (e) {
    return { suite: c.suite, name: c.name, ok: false, error: e instanceof Error ? `${e.message}` : String(e) };
  }
}
