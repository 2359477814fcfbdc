// The Node platform: every port of hardware/ports.ts for tests, tools and the local demo.
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ZwError } from '../errors.ts';
import type { Clock, Log, LogLevel, LogValue, Ports, Rng } from '../ports.ts';
import { integer } from './check.ts';
import { nodeCrypto } from './crypto.ts';
import type { FaultPlan } from './fault.ts';
import { NodeFlash, type FlashOp } from './flash.ts';
import { NodeCounter, NodeKeyStore, SecureState } from './keys.ts';
import { NodeDevice, NodePosture } from './device.ts';
import { NodeNet } from './net.ts';

export const nodeRng: Rng = {
  name: 'node:crypto',
  bytes(n) {
    integer('n', n, 0, 65536, 'crypto.param');
    return randomFillSync(new Uint8Array(n));
  },
};

export const nodeClock: Clock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** One JSON line per record, the same shape zw-host's hw.log writes. */
export function formatLogLine(level: LogLevel, code: string, fields: Record<string, LogValue> = {}, now = new Date()): string {
  if (!LEVELS.includes(level)) throw new ZwError('input.range', `"level" expected ${LEVELS.join('|')}, got ${String(level)}`);
  for (const [k, v] of Object.entries(fields)) {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new ZwError('log.field', `log field ${k} must be a string, number, boolean or null`);
    }
  }
  return JSON.stringify({ t: now.toISOString(), level, code, ...fields });
}

export function makeNodeLog(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Log {
  return { log: (level, code, fields) => write(formatLogLine(level, code, fields)) };
}

export interface NodePlatform extends Ports {
  readonly flash: NodeFlash;
  /** Ends the run: writes out the overlay; returns the flash operation count. */
  close(): number;
}

export interface NodePlatformOptions {
  plan?: FaultPlan;
  onOp?: (op: FlashOp) => void;
  rng?: Rng;
  log?: Log;
  /** Where posture sources are read (the gateway's `/`; fixtures in tests). */
  postureRoot?: string;
}

/** All ports over the flash device file at `flashPath`. */
export function nodePlatform(flashPath: string, opts: NodePlatformOptions = {}): NodePlatform {
  const flash = new NodeFlash(flashPath, { ...(opts.plan ? { plan: opts.plan } : {}), ...(opts.onOp ? { onOp: opts.onOp } : {}) });
  const state = new SecureState(flash.openSecure());
  const rng = opts.rng ?? nodeRng;
  return {
    rng,
    clock: nodeClock,
    crypto: nodeCrypto,
    keys: new NodeKeyStore(state, rng),
    counters: new NodeCounter(state),
    flash,
    log: opts.log ?? makeNodeLog(),
    net: new NodeNet(state),
    device: new NodeDevice(state),
    posture: new NodePosture(opts.postureRoot),
    close: () => flash.close(),
  };
}
