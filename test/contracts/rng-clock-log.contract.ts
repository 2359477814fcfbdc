import type { Case } from './harness.ts';
import { check, throwsReason, throwsTyped } from './harness.ts';

export const rngClockLogCases: Case[] = [
  { suite: 'Rng', name: 'returns the requested number of bytes', run: ({ rng }) => {
    check(rng.bytes(0).length === 0, 'bytes(0)');
    check(rng.bytes(32).length === 32, 'bytes(32)');
    check(rng.bytes(65536).length === 65536, 'bytes(65536)');
  } },
  { suite: 'Rng', name: 'two draws differ and are not all zero', run: ({ rng }) => {
    const a = rng.bytes(32), b = rng.bytes(32);
    check(a.some((x, i) => x !== b[i]), 'two 32-byte draws are equal');
    check(a.some((x) => x !== 0), 'all-zero draw');
  } },
  { suite: 'Rng', name: 'names a real source', run: ({ rng }) => {
    check(rng.name.length > 0 && !rng.name.startsWith('NONENTROPIC'), `name ${rng.name}`);
  } },
  { suite: 'Rng', name: 'refuses sizes outside 0..65536', run: ({ rng }) => {
    throwsReason(() => rng.bytes(65537), 'crypto.param', 'bytes(65537)');
    throwsTyped(() => rng.bytes(-1), 'bytes(-1)');
    throwsTyped(() => rng.bytes(1.5), 'bytes(1.5)');
    throwsTyped(() => rng.bytes('8' as unknown as number), 'bytes("8")');
  } },
  { suite: 'Clock', name: 'monotonic time never goes back', run: ({ clock }) => {
    let last = clock.monotonicMs();
    for (let i = 0; i < 1000; i++) {
      const t = clock.monotonicMs();
      check(t >= last, `monotonic went back: ${last} -> ${t}`);
      last = t;
    }
  } },
  { suite: 'Clock', name: 'wall time is milliseconds since the epoch', run: ({ clock }) => {
    const t = clock.wallMs();
    check(Number.isFinite(t) && t > Date.UTC(2020, 0, 1) && t < Date.UTC(2200, 0, 1), `wallMs ${t}`);
  } },
  { suite: 'Log', name: 'writes structured records', run: ({ log }) => {
    log.log('info', 'test.contract.log', { n: 1, s: 'x', b: true, z: null });
    log.log('debug', 'test.contract.log');
  } },
  { suite: 'Log', name: 'refuses bytes in fields and unknown levels', run: ({ log }) => {
    throwsReason(() => log.log('info', 'test.secret', { key: new Uint8Array(32) as unknown as string }), 'log.field', 'bytes field');
    throwsReason(() => log.log('loud' as 'info', 'test.level'), 'input.range', 'level');
  } },
];
