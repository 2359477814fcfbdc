// Typed errors for misuse and device faults (STYLE.md 7). The native host throws plain Error
// objects with name "ZwError" and a `reason` property; reasonOf() reads both kinds.
import type { Reason } from './reasons.ts';

export class ZwError extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, message: string) {
    super(`${reason}: ${message}`);
    this.name = 'ZwError';
    this.reason = reason;
  }
}

/** The reason code of a thrown value, or undefined when it carries none. */
export function reasonOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'reason' in e) {
    const r = (e as { reason: unknown }).reason;
    if (typeof r === 'string') return r;
  }
  return undefined;
}

export function fail(reason: Reason, message: string): never {
  throw new ZwError(reason, message);
}
