// zw store dump: a provisioned device's store shown as the gateway would find it, without a
// byte of the device file changing; lost records, a restored older data partition and a broken
// audit chain are rejects with their reason codes; usage and I/O errors exit 2 and 3.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../agent/store/store.ts';
import { partitionSpec } from '../../hardware/layout.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { provision } from '../../scripts/lib/provision.ts';
import { utf8 } from '../support/bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-store-dump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEYS = join(ROOT, '../shared/vectors/imgtool/keys');
const DATA = partitionSpec('data')!;
const base = join(dir, 'gw-store-01.flash');

function zw(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'store', ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const digest = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

const EV1 = { eventType: 'image.verify', dateTime: '2026-11-24T10:00:00.000Z', subject: 'gw-store-01', actor: 'agent', onBehalfOf: 'nurse-0042', source: 'console', objects: ['slot-a', 'firmware:1.2.3'], outcome: 'success' } as const;
const EV2 = { eventType: 'config.change', dateTime: '2026-11-24T10:05:00.000Z', subject: 'infusion-pump-7', actor: 'verifier', source: 'broker', objects: [], outcome: 'refused' } as const;

/** NEN 7513 chain value as FORMAT.md/audit.ts define it, computed here independently:
 *  SHA-256("zorgwacht/audit/v1" || u64 LE index || previous chain value || record JSON). */
function chain(index: number, prev: string, ev: typeof EV1 | typeof EV2): string {
  const idx = Buffer.alloc(8);
  idx.writeBigUInt64LE(BigInt(index));
  const { eventType, dateTime, subject, actor, source, objects, outcome } = ev;
  const record = JSON.stringify({ eventType, dateTime, subject, actor, onBehalfOf: 'onBehalfOf' in ev ? ev.onBehalfOf : null, source, objects, outcome });
  return createHash('sha256').update('zorgwacht/audit/v1').update(idx).update(Buffer.from(prev, 'hex')).update(record).digest('hex');
}

function withStore(flash: string, f: (s: Store) => void): void {
  const p = nodePlatform(flash);
  try {
    const o = openStore(p);
    if (!o.ok) throw new Error(`${o.reason}: ${o.detail}`);
    f(o.store);
  } finally {
    p.close();
  }
}

function committed(s: Store): void {
  const c = s.commit();
  if (!c.ok) throw new Error(`${c.reason}: ${c.detail}`);
}

/** Records of the segment in data slot 0, walked by their headers (FORMAT.md "Records"): the
 *  magic `ZR` at offset 0, the sealed length at 4, the sequence number at 8. */
function recordsInSlot0(flash: string): { seq: number; abs: number; sealed: number }[] {
  const fd = openSync(flash, 'r');
  const seg = Buffer.alloc(64 * 1024);
  readSync(fd, seg, 0, seg.length, DATA.offset);
  closeSync(fd);
  const out: { seq: number; abs: number; sealed: number }[] = [];
  for (let at = 64; at + 48 <= seg.length && seg.toString('latin1', at, at + 2) === 'ZR'; ) {
    const sealed = seg.readUInt32LE(at + 4);
    out.push({ seq: Number(seg.readBigUInt64LE(at + 8)), abs: DATA.offset + at, sealed });
    at += Math.ceil((48 + sealed) / 16) * 16;
  }
  return out;
}

function flipByte(flash: string, abs: number): void {
  const fd = openSync(flash, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, abs);
  b[0]! ^= 0x20;
  writeSync(fd, b, 0, 1, abs);
  closeSync(fd);
}

beforeAll(() => {
  provision({ id: 'gw-store-01', flash: base, trustKeys: [join(KEYS, 'ed25519_a.pub.pem')] });
  // First boot (epoch 1, record 1): four commits, records 2..13.
  withStore(base, (s) => {
    s.put('broker', utf8('10.0.2.2:8883'));
    committed(s); // record 2, alone in its commit
    s.put('lifecycle', utf8('provisioning'));
    s.put('gone', utf8('x'));
    s.put('blob', new Uint8Array([0x00, 0x01, 0x02, 0xff]));
    committed(s); // 3..5
    s.put('lifecycle', utf8('enrolled'));
    s.delete('gone');
    expect([s.enqueue(utf8('report one')), s.enqueue(utf8('report two')), s.enqueue(new Uint8Array([0xca, 0xfe]))]).toEqual([8, 9, 10]);
    committed(s); // 6..10
    expect(s.ack(8)).toBe(true);
    expect([s.audit(EV1), s.audit(EV2)]).toEqual([1, 2]);
    committed(s); // 11..13
  });
  // Second boot: epoch 2 (record 14), nothing else.
  withStore(base, () => {});
});

describe('zw store dump', () => {
  it('shows a populated store as data, field by field, and exits 0', () => {
    const r = zw('dump', '--flash', base, '--json');
    expect(r.status, r.err).toBe(0);
    const d = JSON.parse(r.out);
    expect(Object.keys(d)).toEqual(['verdict', 'findings', 'recovery', 'keys', 'queue', 'audit', 'auditChain']);
    expect(d.verdict).toBe('ok');
    expect(d.findings).toEqual([]);
    expect(d.recovery).toEqual({
      blank: false, segments: 1, records: 14, discarded: 0, lost: [], lostRecords: 0, missingSegments: 0,
      epoch: 2, counter: 2, epochPending: false, rollback: null,
    });
    // Sizes only: values need --values.
    expect(d.keys).toEqual([{ key: 'blob', size: 4 }, { key: 'broker', size: 13 }, { key: 'lifecycle', size: 8 }]);
    expect(d.queue).toEqual([{ id: 9, size: 10 }, { id: 10, size: 2 }]);
    const h1 = chain(1, '0'.repeat(64), EV1);
    const h2 = chain(2, h1, EV2);
    expect(d.audit).toEqual([
      { ...EV1, index: 1, prevHash: '0'.repeat(64), hash: h1 },
      { ...EV2, onBehalfOf: null, index: 2, prevHash: h1, hash: h2 },
    ]);
    expect(d.auditChain).toEqual({ ok: true, count: 2, head: h2 });
  });

  it('--values prints values and payloads as UTF-8 when printable, else hex', () => {
    const r = zw('dump', '--flash', base, '--json', '--values');
    expect(r.status, r.err).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.keys).toEqual([
      { key: 'blob', size: 4, encoding: 'hex', value: '000102ff' },
      { key: 'broker', size: 13, encoding: 'utf8', value: '10.0.2.2:8883' },
      { key: 'lifecycle', size: 8, encoding: 'utf8', value: 'enrolled' },
    ]);
    expect(d.queue).toEqual([{ id: 9, size: 10, encoding: 'utf8', value: 'report two' }, { id: 10, size: 2, encoding: 'hex', value: 'cafe' }]);
  });

  it('prints the same as text by default', () => {
    const r = zw('dump', '--flash', base, '--values');
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^recovery +1 segment\(s\), 14 record\(s\), 0 discarded/m);
    expect(r.out).toMatch(/^lost +none$/m);
    expect(r.out).toMatch(/^epoch +data 2, store-epoch counter 2$/m);
    expect(r.out).toMatch(/^rollback +none$/m);
    expect(r.out).toMatch(/^ {2}broker +13 B {2}"10\.0\.2\.2:8883"$/m);
    expect(r.out).toMatch(/^ {2}blob +4 B {2}hex 000102ff$/m);
    expect(r.out).toMatch(/^ {2}id 9 +10 B {2}"report two"$/m);
    expect(r.out).toContain('on behalf of nurse-0042');
    expect(r.out).toContain('objects slot-a, firmware:1.2.3');
    expect(r.out).toMatch(/^chain +intact: 2 record\(s\)/m);
    expect(r.out).toMatch(/^verdict +ok$/m);
  });

  it('leaves the device file byte-identical (no epoch advanced, nothing recovered in place)', () => {
    const before = digest(base);
    const mtime = statSync(base).mtimeMs;
    for (const args of [['--json'], ['--values'], []]) expect(zw('dump', '--flash', base, ...args).status).toBe(0);
    expect(digest(base)).toBe(before);
    expect(statSync(base).mtimeMs).toBe(mtime);
    // A damaged or rolled-back store is looked at without being "repaired" either.
    const f = join(dir, 'untouched-damaged.flash');
    copyFileSync(base, f);
    flipByte(f, recordsInSlot0(f).find((x) => x.seq === 3)!.abs + 48 + 2);
    const damaged = digest(f);
    expect(zw('dump', '--flash', f).status).toBe(1);
    expect(digest(f)).toBe(damaged);
  });

  it('a record altered on the data partition is reported lost: store.record.auth, exit 1', () => {
    const f = join(dir, 'altered.flash');
    copyFileSync(base, f);
    const records = recordsInSlot0(f);
    expect(records.map((x) => x.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    // One byte of record 2's sealed body (the PUT of `broker`); its header still verifies.
    flipByte(f, records[1]!.abs + 48 + 5);
    const r = zw('dump', '--flash', f, '--json');
    expect(r.status, r.err).toBe(1);
    const d = JSON.parse(r.out);
    expect(d.verdict).toBe('reject');
    expect(d.findings.map((x: { reason: string }) => x.reason)).toEqual(['store.record.auth']);
    expect(d.recovery).toMatchObject({ records: 13, lost: [{ from: 2, to: 2 }], lostRecords: 1, discarded: 0, rollback: null });
    expect(d.keys.map((k: { key: string }) => k.key)).toEqual(['blob', 'lifecycle']);
    expect(d.auditChain.ok).toBe(true);
    const t = zw('dump', '--flash', f);
    expect(t.status).toBe(1);
    expect(t.out).toMatch(/^lost +1 record\(s\): sequence 2$/m);
    expect(t.out).toMatch(/^reject +store\.record\.auth — /m);
  });

  it('an altered audit record breaks the chain: store.record.auth and store.audit.chain, exit 1', () => {
    const f = join(dir, 'audit-altered.flash');
    copyFileSync(base, f);
    flipByte(f, recordsInSlot0(f).find((x) => x.seq === 12)!.abs + 48 + 9);
    const r = zw('dump', '--flash', f, '--json');
    expect(r.status, r.err).toBe(1);
    const d = JSON.parse(r.out);
    expect(d.findings.map((x: { reason: string }) => x.reason)).toEqual(['store.record.auth', 'store.audit.chain']);
    expect(d.recovery.lost).toEqual([{ from: 12, to: 12 }]);
    expect(d.audit.map((a: { index: number }) => a.index)).toEqual([2]);
    expect(d.auditChain).toMatchObject({ ok: false, reason: 'store.audit.chain', index: 1 });
    expect(zw('dump', '--flash', f).out).toMatch(/^reject +store\.audit\.chain — /m);
  });

  it('damage in the last commit is reported as discarded, not lost (a cut cannot be told from it), exit 0', () => {
    const f = join(dir, 'last-commit.flash');
    copyFileSync(base, f);
    // Third boot: EPOCH record 15, then one commit of records 16..18, the last.
    // All three records of that commit count as discarded: the damaged one too (its header was seen).
    withStore(f, (s) => {
      for (const k of ['x', 'y', 'z']) s.put(k, utf8(k));
      committed(s);
    });
    flipByte(f, recordsInSlot0(f).find((x) => x.seq === 17)!.abs + 48 + 1);
    const r = zw('dump', '--flash', f, '--json');
    expect(r.status, r.err).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.recovery).toMatchObject({ records: 15, discarded: 3, lost: [], epoch: 3, counter: 3, rollback: null });
    expect(d.keys.map((k: { key: string }) => k.key)).toEqual(['blob', 'broker', 'lifecycle']);
    expect(zw('dump', '--flash', f).out).toMatch(/^note +the last commit did not complete .*3 record\(s\)/m);
  });

  it('an older copy of the data partition restored after later commits is store.rollback, exit 1', () => {
    const f = join(dir, 'restored.flash');
    copyFileSync(base, f);
    const fd = openSync(f, 'r+');
    const old = Buffer.alloc(DATA.size);
    readSync(fd, old, 0, old.length, DATA.offset);
    closeSync(fd);
    withStore(f, (s) => {
      s.put('later', utf8('written after the copy'));
      committed(s);
    });
    const back = openSync(f, 'r+');
    writeSync(back, old, 0, old.length, DATA.offset);
    closeSync(back);
    const r = zw('dump', '--flash', f, '--json');
    expect(r.status, r.err).toBe(1);
    const d = JSON.parse(r.out);
    expect(d.findings.map((x: { reason: string }) => x.reason)).toEqual(['store.rollback']);
    expect(d.recovery).toMatchObject({ epoch: 2, counter: 3, lost: [] });
    expect(d.recovery.rollback).toEqual({ reason: 'store.rollback', detail: expect.stringContaining('epoch 2, the counter says 3') });
    // What is there is still shown: the copy's keys, without the later one.
    expect(d.keys.map((k: { key: string }) => k.key)).toEqual(['blob', 'broker', 'lifecycle']);
    const t = zw('dump', '--flash', f);
    expect(t.status).toBe(1);
    expect(t.out).toMatch(/^rollback +store\.rollback — /m);
    expect(t.out).toMatch(/^reject +store\.rollback — /m);
    // The gateway itself refuses the same partition.
    const p = nodePlatform(f);
    try {
      const o = openStore(p);
      expect(o.ok ? 'opened' : o.reason).toBe('store.rollback');
    } finally {
      p.close();
    }
  });

  it('a provisioned device whose store was never opened is an empty store, exit 0', () => {
    const f = join(dir, 'fresh.flash');
    provision({ id: 'gw-store-02', flash: f, trustKeys: [join(KEYS, 'ed25519_a.pub.pem')] });
    const r = zw('dump', '--flash', f, '--json');
    expect(r.status, r.err).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.recovery).toMatchObject({ blank: true, segments: 0, records: 0, epoch: 0, counter: 0, rollback: null });
    expect([d.keys, d.queue, d.audit]).toEqual([[], [], []]);
  });

  it('usage errors exit 2; a missing file, a file of the wrong size or an unprovisioned device exit 3', () => {
    expect(zw('dump', '--help').status).toBe(0);
    expect(zw('dump', '--help').out).toContain('zw store dump --flash FILE');
    for (const args of [[], ['frobnicate'], ['dump'], ['dump', '--flash'], ['dump', '--flash', base, '--colour'], ['dump', '--flash', base, 'extra']]) {
      const r = zw(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain('zw store --help');
    }
    const missing = zw('dump', '--flash', join(dir, 'nope.flash'));
    expect(missing.status).toBe(3);
    expect(missing.err).toContain('flash.io');
    writeFileSync(join(dir, 'short.flash'), Buffer.alloc(4096, 0xff));
    const short = zw('dump', '--flash', join(dir, 'short.flash'));
    expect(short.status).toBe(3);
    expect(short.err).toContain('flash.size');
    createBlankDevice(join(dir, 'blank.flash'));
    const blank = zw('dump', '--flash', join(dir, 'blank.flash'), '--json');
    expect(blank.status).toBe(3);
    expect(blank.err).toContain('secure.empty');
    expect(blank.out).toBe('');
  });
});
