// The power-cut oracle: from the trace of an uncut run, what a device may hold after a cut at
// operation n (DESIGN.md §Contracts "Durability model"): outside `secure`, every byte equals
// its value after the last completed sync, unless an unsynced (or the torn) operation covers
// it with that value; in `secure`, every reported counter and key is intact and only the
// commit whose sync was cut may or may not have landed.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DEVICE_SIZE, ERASED, partitionSpec } from '../../hardware/layout.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import type { FlashOp } from '../../hardware/node/flash.ts';
import { readDevice } from '../../scripts/lib/provision.ts';
import { COUNTER_NAMES, KEY_NAMES } from '../../hardware/ports.ts';
import { workload, type Step } from './workload.ts';

export interface Trace {
  ops: FlashOp[];
  /** Each committed step with the operation count when it was reported. */
  steps: { step: Step; endOp: number }[];
}

const SECURE_END = partitionSpec('secure')!.size;

/** Runs the workload on Node with a counting plan (overlay on, no cut) and records the trace. */
export function recordTrace(flashFile: string): Trace {
  const ops: FlashOp[] = [];
  const steps: Trace['steps'] = [];
  const p = nodePlatform(flashFile, { plan: { cutAt: 0, torn: false, seed: 0, flipReads: 0 }, onOp: (op) => ops.push(op) });
  workload(p, (step) => steps.push({ step, endOp: p.flash.ops }));
  p.close();
  return { ops, steps };
}

function apply(img: Uint8Array, op: FlashOp, prefix = op.length): void {
  if (op.kind === 'program') img.set(op.data!.subarray(0, prefix), op.abs);
  else if (op.kind === 'erase') img.fill(ERASED, op.abs, op.abs + prefix);
}

const durableCache = new WeakMap<Trace, Map<number, Uint8Array>>();

/** The device image after every operation up to and including `lastSync` (cached). */
function durableAt(blank: Uint8Array, t: Trace, lastSync: number): Uint8Array {
  let m = durableCache.get(t);
  if (!m) durableCache.set(t, (m = new Map()));
  let img = m.get(lastSync);
  if (!img) {
    img = blank.slice();
    for (const o of t.ops) if (o.n <= lastSync) apply(img, o);
    m.set(lastSync, img);
  }
  return img;
}

/** Pages (4 KiB, absolute) any operation of the trace touches. */
export function touchedPages(t: Trace): number[] {
  const pages = new Set<number>();
  for (const o of t.ops) for (let p = Math.floor(o.abs / 4096); p * 4096 < o.abs + o.length; p++) pages.add(p);
  return [...pages].sort((a, b) => a - b);
}

const image = new Uint8Array(DEVICE_SIZE);

/** The whole device file, read into one reused buffer (valid until the next call). */
export function readDeviceImage(file: string): Uint8Array | null {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).size !== DEVICE_SIZE) return null;
    readSync(fd, image, 0, DEVICE_SIZE, 0);
    return image;
  } finally {
    closeSync(fd);
  }
}

export function checkAfterCut(file: string, blank: Uint8Array, t: Trace, cutAt: number, torn: boolean, reported: Step[]): string[] {
  const problems: string[] = [];
  const lastSync = t.ops.filter((o) => o.kind === 'sync' && o.n < cutAt).reduce((m, o) => Math.max(m, o.n), 0);
  const durable = durableAt(blank, t, lastSync);
  const pending = t.ops.filter((o) => o.kind !== 'sync' && ((o.n > lastSync && o.n < cutAt) || (torn && o.n === cutAt)));
  const actual = readDeviceImage(file);
  if (!actual) return [`device file is not ${DEVICE_SIZE} bytes`];

  for (let page = SECURE_END; page < DEVICE_SIZE; page += 4096) {
    if (Buffer.compare(actual.subarray(page, page + 4096), durable.subarray(page, page + 4096)) === 0) continue;
    for (let i = page; i < page + 4096; i++) {
      if (actual[i] === durable[i]) continue;
      const explained = pending.some((o) => i >= o.abs && i < o.abs + o.length && (o.kind === 'erase' ? ERASED : o.data![i - o.abs]) === actual[i]);
      if (!explained) {
        problems.push(`byte ${i} is ${actual[i]}: neither its synced value ${durable[i]} nor a value an unsynced operation wrote`);
        break;
      }
    }
    if (problems.length > 5) break;
  }

  const want = t.steps.filter((s) => s.endOp < cutAt).map((s) => s.step);
  if (JSON.stringify(reported.map(stripKey)) !== JSON.stringify(want.map(stripKey))) {
    problems.push(`reported steps ${JSON.stringify(reported.map(stripKey))} are not the ${want.length} committed before op ${cutAt}`);
  }
  const inflight = t.steps.find((s) => s.endOp === cutAt)?.step;
  const dev = readDevice(file);
  for (const name of COUNTER_NAMES) {
    const last = [...reported].reverse().find((s) => s.kind === 'counter' && s.name === name);
    const expect = last?.kind === 'counter' ? last.value : 0;
    const got = dev.counters[name];
    const maybe = inflight?.kind === 'counter' && inflight.name === name && got === inflight.value;
    if (got !== expect && !maybe) problems.push(`counter ${name} is ${got}, committed ${expect}`);
  }
  for (const name of KEY_NAMES) {
    const rep = reported.find((s) => s.kind === 'key' && s.name === name);
    const got = dev.keys[name];
    if (rep?.kind === 'key') {
      if (!got || got.publicKey !== rep.publicKey) problems.push(`key ${name} lost or changed`);
    } else if (got && !(inflight?.kind === 'key' && inflight.name === name)) {
      problems.push(`key ${name} exists but was never committed`);
    }
  }
  return problems;
}

function stripKey(s: Step): string {
  return s.kind === 'key' ? `key:${s.name}` : s.kind === 'counter' ? `counter:${s.name}=${s.value}` : 'sync';
}

/** After a cut the device still works: the keys sign and counters advance. */
export function rebootCheck(file: string): string[] {
  const p = nodePlatform(file);
  try {
    const c = p.counters.read('store-epoch');
    p.counters.advance('store-epoch', c + 1);
    if (p.counters.read('store-epoch') !== c + 1) return ['store-epoch did not advance after reboot'];
    if (p.keys.has('attest')) {
      const m = new TextEncoder().encode('after reboot');
      if (!p.crypto.ed25519Verify(p.keys.publicKey('attest'), m, p.keys.sign('attest', m))) return ['attest key does not sign after reboot'];
    }
    return [];
  } finally {
    p.close();
  }
}
