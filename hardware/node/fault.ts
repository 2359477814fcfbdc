// The fault plan of DESIGN.md §Contracts ("Fault plan"), shared by the Node flash and the
// campaign harness. The native host parses the same JSON (hardware/native/README.md).
import { ZwError } from '../errors.ts';

export interface FaultPlan {
  /** Flash operation (program, erase, sync; counted from 1) at which the power is cut; 0 = never. */
  readonly cutAt: number;
  /** Whether a random prefix of the cut operation lands first. */
  readonly torn: boolean;
  /** Seed for which unsynced operations land and for the torn prefix. */
  readonly seed: number;
  /** Probability that a read returns one flipped bit. */
  readonly flipReads: number;
}

const KEYS = new Set(['cutAt', 'torn', 'seed', 'flipReads']);

export function parseFaultPlan(text: string): FaultPlan {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ZwError('host.fault-plan', 'ZW_FAULT is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZwError('host.fault-plan', 'ZW_FAULT must be a JSON object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new ZwError('host.fault-plan', `unknown key ${k}`);
  const int = (k: string, max: number): number => {
    const x = o[k] ?? 0;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max) throw new ZwError('host.fault-plan', `${k} must be an integer 0..${max}`);
    return x;
  };
  const torn = o.torn ?? false;
  if (typeof torn !== 'boolean') throw new ZwError('host.fault-plan', 'torn must be a boolean');
  const flipReads = o.flipReads ?? 0;
  if (typeof flipReads !== 'number' || !(flipReads >= 0 && flipReads <= 1)) throw new ZwError('host.fault-plan', 'flipReads must be a number 0..1');
  return { cutAt: int('cutAt', 0x7fffffff), torn, seed: int('seed', 0xffffffff), flipReads };
}

/** mulberry32: a tiny 32-bit PRNG, identical in hardware/native/flash.c. Not for secrets. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Thrown by the Node flash when the plan cuts the power; the in-process stand-in for the
 *  native host's `ZW-POWER-CUT op=<n>` and exit status 137. */
export class PowerCut extends Error {
  readonly op: number;
  constructor(op: number) {
    super(`ZW-POWER-CUT op=${op}`);
    this.name = 'PowerCut';
    this.op = op;
  }
}
