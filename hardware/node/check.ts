// Argument checks shared by the Node port implementations; the messages follow one shape
// (STYLE.md 7): "<what>" expected <kind>, got <actual>.
import { ZwError } from '../errors.ts';
import type { Reason } from '../reasons.ts';

export function bytes(what: string, v: unknown, reason: Reason = 'input.type'): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ZwError(reason, `"${what}" expected Uint8Array, got ${typeName(v)}`);
  return v;
}

export function bytesOfLength(what: string, v: unknown, lengths: readonly number[]): Uint8Array {
  const b = bytes(what, v, 'crypto.type');
  if (!lengths.includes(b.length)) {
    throw new ZwError('crypto.param', `"${what}" expected Uint8Array of length ${lengths.join(' or ')}, got length=${b.length}`);
  }
  return b;
}

export function integer(what: string, v: unknown, min: number, max: number, reason: Reason = 'input.range'): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ZwError('input.type', `"${what}" expected integer, got ${typeName(v)}`);
  if (v < min || v > max) throw new ZwError(reason, `"${what}" expected ${min}..${max}, got ${v}`);
  return v;
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
