// The store benchmarks of npm run bench: one workload over any ports, so the same code runs
// inside zw-host over hw (scripts/bench/store.ts) and in Node over the device file
// (scripts/bench.ts), each time on a freshly provisioned device. The store runs as the gateway
// runs it: default options, so an EPOCH record and a store-epoch counter advance (a secure
// commit) every CHECKPOINT_EVERY commits belong to the commit figure.
import { openStore, type Store, type StorePorts } from '../../agent/store/store.ts';
import { MAX_KEYS } from '../../agent/store/limits.ts';

export const VALUE_BYTES = 256;
/** Puts per commit when filling the log (well under MAX_COMMIT). */
const FILL_BATCH = 64;

const value = (seed: number): Uint8Array => new Uint8Array(VALUE_BYTES).map((_, i) => (seed + i) & 0xff);

function open(ports: StorePorts): Store {
  const o = openStore(ports);
  if (!o.ok) throw new Error(`open: ${o.reason}: ${o.detail}`);
  return o.store;
}

function commit(s: Store): void {
  const c = s.commit();
  if (!c.ok) throw new Error(`commit: ${c.reason}: ${c.detail}`);
}

/** `n` commits of one 256-byte put each (64 keys in turn). */
export function benchCommits(ports: StorePorts, n: number): { n: number; ms: number; commitsPerS: number } {
  const s = open(ports);
  const v = value(1);
  const t0 = ports.clock.monotonicMs();
  for (let i = 0; i < n; i++) {
    s.put(`k${i % 64}`, v);
    commit(s);
  }
  const ms = ports.clock.monotonicMs() - t0;
  return { n, ms, commitsPerS: n / (ms / 1000) };
}

/** Setup for benchOpen: `n` 256-byte puts, FILL_BATCH per commit, over MAX_KEYS - 24 keys (so
 *  most are superseded: recovery still reads and authenticates every one). */
export function fillRecords(ports: StorePorts, n: number): { puts: number; segments: number } {
  const s = open(ports);
  for (let i = 0; i < n; ) {
    for (let j = 0; j < FILL_BATCH && i < n; j++, i++) s.put(`k${i % (MAX_KEYS - 24)}`, value(i));
    commit(s);
  }
  return { puts: n, segments: s.stats().segments };
}

/** openStore (recovery of every record, the rollback check, the new epoch), best of `reps`. */
export function benchOpen(ports: StorePorts, reps: number): { ms: number; records: number; segments: number } {
  let best = Infinity;
  let records = 0;
  let segments = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = ports.clock.monotonicMs();
    const o = openStore(ports);
    const ms = ports.clock.monotonicMs() - t0;
    if (!o.ok) throw new Error(`open: ${o.reason}: ${o.detail}`);
    if (r === 0) ({ records, segments } = o.report);
    best = Math.min(best, ms);
  }
  return { ms: best, records, segments };
}

/** Fills the first segment with live 256-byte puts (distinct keys) until the head moves on,
 *  then times compact() of that full tail segment: every live record read, authenticated,
 *  sealed again at the head, then the TAIL record. */
export function benchCompact(ports: StorePorts): { ms: number; copied: number; tailBefore: number; tailAfter: number } {
  const s = open(ports);
  for (let i = 0; s.stats().head === s.stats().tail; ) {
    for (let j = 0; j < 8; j++, i++) s.put(`c${i}`, value(i));
    commit(s);
  }
  const tailBefore = s.stats().tail;
  const t0 = ports.clock.monotonicMs();
  const c = s.compact();
  const ms = ports.clock.monotonicMs() - t0;
  if (!c.ok) throw new Error(`compact: ${c.reason}: ${c.detail}`);
  return { ms, copied: c.records, tailBefore, tailAfter: s.stats().tail };
}
