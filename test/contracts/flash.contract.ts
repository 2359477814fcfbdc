// Flash contract (DESIGN.md §Contracts "One flash device"): geometry, partition bounds, and the
// strictness simulated flash adds (unerased program, misalignment, out-of-partition access).
import { PARTITIONS } from '../../hardware/layout.ts';
import type { Case } from './harness.ts';
import { check, eq, eqBytes, throwsReason, throwsTyped } from './harness.ts';

const pattern = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 7 + seed) & 0xff);

export const flashCases: Case[] = [
  { suite: 'Flash', name: 'geometry and partition sizes follow hardware/layout.ts', run: ({ flash }) => {
    eq(flash.geometry.eraseBlock, 4096, 'erase block');
    eq(flash.geometry.programUnit, 16, 'program unit');
    eq(flash.geometry.erasedValue, 0xff, 'erased value');
    for (const p of PARTITIONS.filter((x) => x.name !== 'secure')) eq(flash.open(p.name).size, p.size, `${p.name} size`);
  } },
  { suite: 'Flash', name: 'secure is reachable only through KeyStore and Counter', run: ({ flash }) => {
    throwsReason(() => flash.open('secure'), 'flash.partition', 'open(secure)');
    throwsReason(() => flash.open('boot' as 'data'), 'flash.partition', 'unknown partition');
  } },
  { suite: 'Flash', name: 'a blank partition reads erased; program, read back, sync', run: ({ flash }) => {
    const d = flash.open('data');
    eqBytes(d.read(0, 64), new Uint8Array(64).fill(0xff), 'blank');
    const data = pattern(4096 + 32, 1);
    d.program(4096 - 16, data);
    eqBytes(d.read(4096 - 16, data.length), data, 'read back across a block boundary');
    d.sync();
    eqBytes(d.read(4096 - 16, data.length), data, 'after sync');
    eqBytes(d.read(4096 - 32, 16), new Uint8Array(16).fill(0xff), 'neighbour untouched');
  } },
  { suite: 'Flash', name: 'programming a byte that is not erased is refused and changes nothing', run: ({ flash }) => {
    const d = flash.open('data');
    throwsReason(() => d.program(4096 - 16, new Uint8Array(16).fill(0xff)), 'flash.unerased', 'same bytes again');
    throwsReason(() => d.program(4096 - 32, new Uint8Array(32)), 'flash.unerased', 'half erased range');
    eqBytes(d.read(4096 - 32, 16), new Uint8Array(16).fill(0xff), 'the erased half stayed erased');
  } },
  { suite: 'Flash', name: 'erase restores erased bytes a block at a time', run: ({ flash }) => {
    const d = flash.open('data');
    d.erase(0, 8192);
    eqBytes(d.read(0, 8192), new Uint8Array(8192).fill(0xff), 'erased');
    d.program(0, pattern(32, 2));
    d.sync();
    eqBytes(d.read(0, 32), pattern(32, 2), 'programmed after erase');
  } },
  { suite: 'Flash', name: 'misaligned program and erase are refused', run: ({ flash }) => {
    const d = flash.open('slot-a');
    throwsReason(() => d.program(8, new Uint8Array(16)), 'flash.align', 'offset 8');
    throwsReason(() => d.program(16, new Uint8Array(10)), 'flash.align', 'length 10');
    throwsReason(() => d.erase(100, 4096), 'flash.align', 'erase offset 100');
    throwsReason(() => d.erase(0, 1000), 'flash.align', 'erase length 1000');
  } },
  { suite: 'Flash', name: 'access outside the partition is refused', run: ({ flash }) => {
    const d = flash.open('agent');
    throwsReason(() => d.read(d.size - 8, 16), 'flash.range', 'read past end');
    throwsReason(() => d.read(-16, 16), 'flash.range', 'negative offset');
    throwsReason(() => d.program(d.size, new Uint8Array(16)), 'flash.range', 'program at end');
    throwsReason(() => d.erase(d.size - 4096, 8192), 'flash.range', 'erase past end');
    throwsReason(() => d.read(0, 2 ** 53), 'flash.range', 'huge length');
    throwsTyped(() => d.read(0.5, 16), 'fractional offset');
    throwsTyped(() => d.program(0, [1, 2] as unknown as Uint8Array), 'array instead of bytes');
    eqBytes(d.read(d.size - 16, 16), new Uint8Array(16).fill(0xff), 'last bytes readable');
  } },
  { suite: 'Flash', name: 'sha256 of a range equals the hash of its bytes', run: ({ flash, crypto }) => {
    const d = flash.open('slot-b');
    const data = pattern(200_000 - (200_000 % 16), 3);
    d.program(4096, data);
    d.sync();
    eqBytes(d.sha256(4096, data.length), crypto.sha256(data), 'programmed range');
    eqBytes(d.sha256(0, 0), crypto.sha256(new Uint8Array(0)), 'empty range');
    check(d.sha256(0, d.size).length === 32, 'whole partition');
    throwsReason(() => d.sha256(1, d.size), 'flash.range', 'past end');
  } },
];
