// The store's behaviour as portable cases: the same cases run under vitest on the Node ports
// and as bytecode inside zw-host on x86_64 and aarch64 (test/store/store.test.ts). They run in
// order on one blank device; each reopen is a restart as far as the flash is concerned.
import type { Partition, Ports } from '../../hardware/ports.ts';
import { openStore, type OpenReport, type Store } from '../../agent/store/store.ts';
import { MAX_KEY, MAX_KEYS, MAX_QUEUE, MAX_VALUE, SEGMENT_SIZE } from '../../agent/store/limits.ts';
import { check, eq, throwsReason, type Case } from '../contracts/harness.ts';
import { utf8 } from '../support/bytes.ts';

let store: Store | null = null;
let lastReport: OpenReport | null = null;

/** Opens the store afresh (a restart), dropping the previous Store object. */
function reopen(p: Ports): Store {
  const o = openStore(p);
  if (!o.ok) throw new Error(`open: ${o.reason}: ${o.detail}`);
  store = o.store;
  lastReport = o.report;
  return o.store;
}
const current = (p: Ports): Store => store ?? reopen(p);

function value(s: Store, key: string): string | null {
  const r = s.get(key);
  if (!r.ok) throw new Error(`get ${key}: ${r.reason}`);
  return r.value === null ? null : new TextDecoder().decode(r.value);
}

function committed(s: Store): void {
  const c = s.commit();
  if (!c.ok) throw new Error(`commit: ${c.reason}: ${c.detail}`);
}

const ev = (eventType: string, outcome: 'success' | 'failure' | 'refused' = 'success') =>
  ({ eventType, subject: 'gw-store-test', actor: 'agent', source: 'test', objects: ['slot-a'], outcome }) as const;

/** One 4 KiB block of `part` rewritten with `edit` applied (a tamperer with the raw device). */
function rewriteBlock(part: Partition, offset: number, edit: (b: Uint8Array) => void): void {
  const base = offset - (offset % 4096);
  const b = part.read(base, 4096);
  edit(b.subarray(offset - base));
  part.erase(base, 4096);
  part.program(base, b);
  part.sync();
}

export const storeCases: Case[] = [
  { suite: 'Store', name: 'a blank partition opens as an empty store in epoch 1 and makes the storage root', run: (p) => {
    eq(p.keys.has('storage'), false, 'no storage root before');
    const s = reopen(p);
    eq(lastReport!.blank, true, 'blank');
    eq(lastReport!.epochNow, 1, 'epoch');
    eq(p.counters.read('store-epoch'), 1, 'store-epoch counter');
    eq(p.keys.has('storage'), true, 'storage root generated');
    eq(s.keyNames().length + s.queueLength(), 0, 'empty');
  } },
  { suite: 'Store', name: 'put, overwrite and delete are durable across a restart', run: (p) => {
    let s = current(p);
    s.put('lifecycle', utf8('provisioning'));
    s.put('broker', utf8('10.0.2.2:8883'));
    s.put('gone', utf8('x'));
    committed(s);
    s.put('lifecycle', utf8('enrolled'));
    s.delete('gone');
    committed(s);
    s = reopen(p);
    eq(value(s, 'lifecycle'), 'enrolled', 'overwritten value');
    eq(value(s, 'broker'), '10.0.2.2:8883', 'value');
    eq(value(s, 'gone'), null, 'deleted key');
    eq(s.keyNames().join(','), 'broker,lifecycle', 'keys');
  } },
  { suite: 'Store', name: 'staged writes are invisible until commit, and dropped when the commit is refused', run: (p) => {
    const s = current(p);
    s.put('staged', utf8('not yet'));
    eq(value(s, 'staged'), null, 'invisible before commit');
    committed(s);
    eq(value(s, 'staged'), 'not yet', 'visible after');
    // A commit larger than a segment is refused as a whole: none of it is stored.
    s.put('part-1', utf8('a'));
    for (let i = 0; i < 5; i++) s.put(`big-${i}`, new Uint8Array(MAX_VALUE));
    throwsReason(() => s.commit(), 'store.limit', 'oversized commit');
    eq(s.pending, 0, 'nothing left staged');
    eq(value(s, 'part-1'), null, 'no part of the refused commit');
    eq(value(reopen(p), 'part-1'), null, 'nor after a restart');
  } },
  { suite: 'Store', name: 'the queue is FIFO, acks remove, and ids are never reused', run: (p) => {
    let s = current(p);
    const a = s.enqueue(utf8('report-a'));
    const b = s.enqueue(utf8('report-b'));
    committed(s);
    const c = s.enqueue(utf8('report-c'));
    committed(s);
    check(a < b && b < c, 'ids increase');
    s = reopen(p);
    const head = s.peek(10);
    check(head.ok, 'peek');
    eq(head.ok && head.value.map((q) => new TextDecoder().decode(q.payload)).join(','), 'report-a,report-b,report-c', 'order after restart');
    eq(s.ack(a), true, 'ack a');
    eq(s.ack(a), false, 'a second ack of the same id');
    eq(s.ack(999999), false, 'ack of an unknown id');
    committed(s);
    s = reopen(p);
    const rest = s.peek(10);
    eq(rest.ok && rest.value.map((q) => q.id).join(','), `${b},${c}`, 'acked report gone');
    s.ack(b);
    s.ack(c);
    committed(s);
    const d = s.enqueue(utf8('report-d'));
    committed(s);
    check(d > c, 'a new id after everything was acked is still new');
    s.ack(d);
    committed(s);
    eq(reopen(p).queueLength(), 0, 'empty queue');
  } },
  { suite: 'Store', name: 'audit records are hash-chained with the NEN 7513 fields, across restarts', run: (p) => {
    let s = current(p);
    const i1 = s.audit(ev('agent.start'));
    const i2 = s.audit({ ...ev('image.verify', 'refused'), objects: ['slot-b', 'image.key.revoked'], onBehalfOf: 'ward-3' });
    committed(s);
    eq(i2, i1 + 1, 'consecutive indexes');
    s = reopen(p);
    s.audit(ev('store.open'));
    committed(s);
    const v = s.verifyAudit();
    check(v.ok && v.count === 3, `chain verifies: ${JSON.stringify(v)}`);
    const recs = s.auditRecords();
    check(recs.ok, 'records read');
    if (!recs.ok) return;
    const r = recs.value[1]!;
    eq(r.eventType, 'image.verify', 'eventType');
    eq(r.outcome, 'refused', 'outcome');
    eq(r.onBehalfOf, 'ward-3', 'onBehalfOf');
    eq(r.objects.join(','), 'slot-b,image.key.revoked', 'objects');
    eq(r.prevHash, recs.value[0]!.hash, 'prevHash links to the record before');
    check(/^\d{4}-\d\d-\d\dT/.test(r.dateTime), 'dateTime from the clock');
    eq(recs.value[0]!.prevHash, '0'.repeat(64), 'the first links to the genesis value');
  } },
  { suite: 'Store', name: 'pruning exported audit records keeps the rest of the chain verifiable', run: (p) => {
    let s = current(p);
    const recs = s.auditRecords();
    if (!recs.ok) throw new Error('audit records');
    s.pruneAudit(recs.value[1]!.index);
    s.audit(ev('audit.export'));
    committed(s);
    s = reopen(p);
    const v = s.verifyAudit();
    check(v.ok && v.count === 2, `chain from the anchor: ${JSON.stringify(v)}`);
    throwsReason(() => s.pruneAudit(1), 'input.range', 'pruning a record already dropped');
  } },
  { suite: 'Store', name: 'every open advances the epoch and the store-epoch counter', run: (p) => {
    const before = p.counters.read('store-epoch');
    reopen(p);
    eq(p.counters.read('store-epoch'), before + 1, 'counter');
    eq(lastReport!.epochNow, before + 1, 'epoch');
    eq(lastReport!.completedEpoch, false, 'no interrupted epoch');
  } },
  { suite: 'Store', name: 'bad input is refused with a reason and nothing is stored', run: (p) => {
    const s = current(p);
    throwsReason(() => s.put('', utf8('v')), 'store.limit', 'empty key');
    throwsReason(() => s.put('k'.repeat(MAX_KEY + 1), utf8('v')), 'store.limit', 'key too long');
    throwsReason(() => s.put('k', 'text' as unknown as Uint8Array), 'store.limit', 'value not bytes');
    throwsReason(() => s.put('k', new Uint8Array(MAX_VALUE + 1)), 'store.limit', 'value too long');
    throwsReason(() => s.enqueue(new Uint8Array(MAX_VALUE + 1)), 'store.limit', 'payload too long');
    throwsReason(() => s.audit({ ...ev('x'), outcome: 'maybe' as 'success' }), 'input.range', 'audit outcome');
    throwsReason(() => s.audit({ ...ev('x'), actor: '' }), 'input.type', 'audit actor');
    throwsReason(() => s.audit({ ...ev('x'), objects: 'slot-a' as unknown as string[] }), 'input.type', 'audit objects');
    eq(s.pending, 0, 'nothing staged');
    eq(value(s, 'k'), null, 'nothing stored');
  } },
  { suite: 'Store', name: 'queue depth and key count are bounded before anything is written', run: (p) => {
    const s = current(p);
    for (let i = s.queueLength(); i < MAX_QUEUE; i++) s.enqueue(utf8('r'));
    throwsReason(() => s.enqueue(utf8('one too many')), 'store.limit', 'queue depth');
    throwsReason(() => s.commit(), 'store.limit', 'a commit that does not fit a segment');
    eq(s.pending, 0, 'the refused commit left nothing staged');
    eq(reopen(p).queueLength(), 0, 'nothing was queued');
    const t = current(p);
    const existing = t.keyNames();
    // Rewriting a key it already has does not count against the limit.
    for (const k of existing) t.put(k, utf8('rewritten'));
    for (let i = existing.length; i < MAX_KEYS; i++) t.put(`key-${i}`, utf8('v'));
    throwsReason(() => t.put('one-key-too-many', utf8('v')), 'store.limit', 'key count');
    throwsReason(() => t.commit(), 'store.limit', 'a commit that does not fit a segment');
    const after = reopen(p);
    eq(after.keyNames().join(','), existing.join(','), 'no key was added');
    eq(value(after, 'broker'), '10.0.2.2:8883', 'no value was rewritten');
  } },
  { suite: 'Store', name: 'the data partition holds no plaintext of what is stored', run: (p) => {
    const s = current(p);
    const secret = utf8('patient-context: bed 12, infusion pump 4471-A');
    s.put('secret', secret);
    s.enqueue(secret);
    s.audit({ ...ev('secret'), subject: 'patient-context: bed 12, infusion pump 4471-A' });
    committed(s);
    const part = p.flash.open('data');
    const used = s.stats().segments + 1;
    const needle = secret.subarray(0, 16);
    for (let slot = 0; slot < used; slot++) {
      const b = part.read(slot * SEGMENT_SIZE, SEGMENT_SIZE);
      for (let i = 0; i + needle.length <= b.length; i++) {
        let hit = true;
        for (let j = 0; j < needle.length && hit; j++) hit = b[i + j] === needle[j];
        check(!hit, `plaintext found in segment slot ${slot} at ${i}`);
      }
    }
  } },
  { suite: 'Store', name: 'a full partition gives store.full and loses nothing committed; deleting frees it', run: (p) => {
    let s = current(p);
    const keys: string[] = [];
    let full = false;
    for (let i = 0; i < 1000 && !full; i++) {
      const v = new Uint8Array(12000).fill(i & 0xff);
      s.put(`fill-${i}`, v);
      const c = s.commit();
      if (c.ok) keys.push(`fill-${i}`);
      else {
        eq(c.reason, 'store.full', 'reason');
        full = true;
      }
    }
    check(full, 'the partition filled up');
    check(keys.length > 500, `at least 500 records of 12 KB fit (${keys.length})`);
    s = reopen(p);
    for (const [n, k] of keys.entries()) {
      const r = s.get(k);
      check(r.ok && r.value !== null && r.value.length === 12000 && r.value[0] === (n & 0xff), `${k} intact`);
    }
    eq(value(s, 'lifecycle'), 'enrolled', 'older records intact');
    // Deleting is possible on a full store, and compaction then gives the space back.
    for (const k of keys) s.delete(k);
    committed(s);
    for (let i = 0; i < keys.length; i++) {
      s.put(`refill-${i % 40}`, new Uint8Array(12000).fill(i & 0xff));
      committed(s);
    }
    s = reopen(p);
    // Compaction is lazy (only when a commit needs room); compacting every segment once packs
    // the 40 live values and the older records into a few segments.
    for (let n = s.stats().segments; n > 0; n--) {
      const c = s.compact();
      check(c.ok, `compact: ${JSON.stringify(c)}`);
    }
    check(s.stats().segments < 12, `compaction reclaimed the deleted records (${s.stats().segments} segments live)`);
    eq(value(s, 'lifecycle'), 'enrolled', 'live records survived compaction');
    eq(value(s, keys[0]!), null, 'deleted records stay deleted');
    const v = s.verifyAudit();
    check(v.ok, `audit chain intact after compaction: ${JSON.stringify(v)}`);
  } },
  { suite: 'Store', name: 'a record altered on flash is store.record.auth; recovery keeps the rest', run: (p) => {
    let s = current(p);
    s.put('victim', utf8('will be altered'));
    committed(s);
    s.put('after-victim', utf8('kept'));
    committed(s);
    const loc = (s as unknown as { index: { kv: Map<string, { slot: number; offset: number }> } }).index.kv.get('victim')!;
    rewriteBlock(p.flash.open('data'), loc.slot * SEGMENT_SIZE + loc.offset + 60, (b) => { b[0] = b[0]! ^ 0x01; });
    const r = s.get('victim');
    eq(r.ok ? 'read' : r.reason, 'store.record.auth', 'reading the altered record');
    s = reopen(p);
    check(lastReport!.lost.length === 1, `one lost range reported: ${JSON.stringify(lastReport!.lost)}`);
    eq(value(s, 'victim'), null, 'the altered record is not served');
    eq(value(s, 'after-victim'), 'kept', 'later records kept');
    eq(value(s, 'lifecycle'), 'enrolled', 'earlier records kept');
  } },
  { suite: 'Store', name: 'restoring an older copy of the data partition is store.rollback', run: (p) => {
    const st = current(p).stats();
    const part = p.flash.open('data');
    // A copy of the live segments and the next two slots (the ones the next commits use).
    const slots: number[] = [];
    for (let seq = st.tail; seq <= st.head + 2; seq++) slots.push(seq % st.slots);
    const old = slots.map((slot) => part.read(slot * SEGMENT_SIZE, SEGMENT_SIZE));
    reopen(p).put('later', utf8('written after the copy'));
    committed(store!);
    slots.forEach((slot, i) => {
      part.erase(slot * SEGMENT_SIZE, SEGMENT_SIZE);
      part.program(slot * SEGMENT_SIZE, old[i]!);
    });
    part.sync();
    const o = openStore(p);
    eq(o.ok ? 'opened' : o.reason, 'store.rollback', 'restored copy');
    // Erasing the whole partition is a rollback too, not a fresh start.
    part.erase(0, part.size);
    part.sync();
    const blank = openStore(p);
    eq(blank.ok ? 'opened' : blank.reason, 'store.rollback', 'erased partition');
    store = null;
  } },
];
