// Damage to the data partition (random bit flips, byte writes and erased runs over the written
// segments): recovery never throws, never invents a value, and every record whose bytes were
// not touched is still served — or its loss is reported. A record that was damaged is reported
// as lost (store.record.auth) or, in the last commit, discarded; it is never served altered.
import { copyFileSync, mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectStore, openStore } from '../../agent/store/store.ts';
import { partitionSpec } from '../../hardware/layout.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { mulberry32 } from '../../hardware/node/fault.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';

const RUNS = Number(process.env.ZW_STORE_MUTATIONS ?? 400);
const dir = mkdtempSync(join(tmpdir(), 'zw-store-mut-'));
const base = join(dir, 'base.flash');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every value ever written per key, and the value each key holds at the end. */
const written = new Map<string, Set<string>>();
const final = new Map<string, string>();
let usedBytes = 0;

beforeAll(() => {
  createBlankDevice(base);
  const p = nodePlatform(base);
  const o = openStore(p);
  if (!o.ok) throw new Error(o.detail);
  const s = o.store;
  for (let i = 0; i < 300; i++) {
    const key = `k${i % 60}`;
    const v = `value ${i} of ${key} `.repeat(1 + (i % 7));
    s.put(key, new TextEncoder().encode(v));
    if (i % 3 === 0) s.enqueue(new TextEncoder().encode(`report ${i}`));
    s.audit({ eventType: 'test.write', subject: key, actor: 'test', source: 'mutation', objects: [], outcome: 'success' });
    expect(s.commit().ok).toBe(true);
    (written.get(key) ?? written.set(key, new Set()).get(key)!).add(v);
    final.set(key, v);
  }
  usedBytes = (s.stats().head + 1) * 65536;
  p.close();
});

describe('store recovery under damage', () => {
  it(`${RUNS} damaged partitions: no throw, no invented value, losses reported`, () => {
    const data = partitionSpec('data')!;
    const rnd = mulberry32(20261124);
    const f = join(dir, 'run.flash');
    copyFileSync(base, f);
    const outcomes = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      const fd = openSync(f, 'r+');
      const undo: [number, Buffer][] = [];
      const edits = 1 + (rnd() % 4);
      for (let e = 0; e < edits; e++) {
        const at = data.offset + (rnd() % usedBytes);
        const b = Buffer.alloc(1 + (rnd() % 48));
        readSync(fd, b, 0, b.length, at);
        undo.unshift([at, Buffer.from(b)]);
        const kind = rnd() % 3;
        if (kind === 0) b[0]! ^= 1 << (rnd() % 8);
        else if (kind === 1) b[rnd() % b.length] = rnd() & 0xff;
        else b.fill(0xff);
        writeSync(fd, b, 0, b.length, at);
      }
      closeSync(fd);
      const p = nodePlatform(f);
      try {
        const i = inspectStore(p);
        const damaged = i.report.lost.length > 0 || i.report.discarded > 0 || i.report.missingSegments > 0;
        const tag = i.rollback ? 'rollback' : damaged ? 'losses reported' : 'intact';
        outcomes.set(tag, (outcomes.get(tag) ?? 0) + 1);
        for (const key of i.reader.keyNames()) {
          const r = i.reader.get(key);
          if (!r.ok) continue; // store.record.auth: refused, not served
          const v = new TextDecoder().decode(r.value!);
          expect(written.get(key)?.has(v), `run ${run}: ${key} served a value never written`).toBe(true);
          if (!damaged) expect(v, `run ${run}: ${key} without reported damage`).toBe(final.get(key));
        }
        if (!damaged && !i.rollback) expect(i.reader.keyNames().length).toBe(final.size);
        const a = i.reader.verifyAudit();
        if (!damaged && !i.rollback) expect(a.ok, `run ${run}: audit chain without reported damage`).toBe(true);
      } finally {
        p.close();
        const back = openSync(f, 'r+');
        for (const [at, b] of undo) writeSync(back, b, 0, b.length, at);
        closeSync(back);
      }
    }
    console.log(`store damage: ${RUNS} runs, ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });
});
