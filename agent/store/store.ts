// The agent's store: a key/value state area, the report queue with ack, and the hash-chained
// audit trail, in one encrypted, authenticated, power-fail-safe log on the data partition
// (agent/store/FORMAT.md). Writes are staged and made durable together by commit().
import { ZwError } from '../../hardware/errors.ts';
import type { Partition, Ports } from '../../hardware/ports.ts';
import { encodeAuditEvent, chainHash, type AuditEvent } from './audit.ts';
import { encodeKey, hasSegmentMagic, type Entry } from './codec.ts';
import { StoreKeys } from './keys.ts';
import { CHECKPOINT_EVERY, MAX_AUDIT, MAX_COMMIT, MAX_KEY, MAX_KEYS, MAX_QUEUE, MAX_VALUE, RESERVE_SEGMENTS, SEGMENT_HEADER, SEGMENT_SIZE } from './limits.ts';
import { SegmentLog } from './log.ts';
import { recover, type RecoveryReport } from './recover.ts';
import { StoreIndex } from './state.ts';
import { StoreReader } from './reader.ts';

export type StorePorts = Pick<Ports, 'flash' | 'keys' | 'counters' | 'crypto' | 'rng' | 'clock'>;

export interface StoreOptions {
  /** Commits between epoch advances besides the one at open; 0: only at open. */
  readonly checkpointEvery?: number;
}

export interface OpenReport extends RecoveryReport {
  /** The store-epoch counter before open. */
  readonly counter: number;
  /** A cut fell between writing an epoch and advancing the counter; the counter was advanced. */
  readonly completedEpoch: boolean;
  /** The epoch this run writes in. */
  readonly epochNow: number;
}

export type Opened =
  | { ok: true; store: Store; report: OpenReport }
  | { ok: false; reason: 'store.rollback'; detail: string; report: RecoveryReport };

export type Commit = { ok: true; records: number } | { ok: false; reason: 'store.full' | 'store.record.auth'; detail: string };

/** Recovery and the rollback check (FORMAT.md "Epoch and rollback"); writes nothing. */
/** Whether any slot starts with a segment magic: a store was written here, whatever its keys. */
function holdsSegments(part: Partition, slots: number): boolean {
  for (let slot = 0; slot < slots; slot++) if (hasSegmentMagic(part.read(slot * SEGMENT_SIZE, 4))) return true;
  return false;
}

function load(ports: Pick<StorePorts, 'flash' | 'keys' | 'counters' | 'crypto'>, create: boolean) {
  const part = ports.flash.open('data');
  const slots = Math.floor(part.size / SEGMENT_SIZE);
  // A new storage root over an existing store would make every record unreadable for good.
  if (!ports.keys.has('storage') && holdsSegments(part, slots)) {
    throw new ZwError('store.key', 'the data partition holds a store but secure has no storage root; refusing to make a new one over it');
  }
  const keys = new StoreKeys(ports.keys, ports.crypto, create);
  const index = new StoreIndex(ports.crypto);
  const { report, position } = recover(part, keys, slots, (r) => index.apply(r.entry, r));
  const counter = ports.counters.read('store-epoch');
  const d = report.epoch;
  let rollback: string | null = null;
  if (report.blank && counter > 0) rollback = `the data partition is blank but the store-epoch counter is ${counter}`;
  else if (!report.blank && d < counter) {
    rollback = `the data is from epoch ${d}, the counter says ${counter}: an older copy of the partition${report.discarded ? ', or its last commit was damaged' : ''}`;
  }
  else if (!report.blank && d > counter + 1) rollback = `the data claims epoch ${d}, the counter is ${counter}`;
  return { keys, part, slots, index, report, position, counter, rollback, completedEpoch: !report.blank && d === counter + 1 };
}

/** Opens the store read-only, for tools (zw store dump): recovery and the rollback check
 *  exactly as the gateway does them, and nothing written — not even the epoch. */
export function inspectStore(ports: Pick<StorePorts, 'flash' | 'keys' | 'counters' | 'crypto'>): { reader: StoreReader; report: RecoveryReport; counter: number; rollback: string | null } {
  const l = load(ports, false);
  return { reader: new StoreReader(l.part, l.keys, l.index, ports.crypto), report: l.report, counter: l.counter, rollback: l.rollback };
}

/** Opens the store on the data partition: recovery, the rollback check against the
 *  store-epoch counter, and a new epoch for this run. */
export function openStore(ports: StorePorts, options: StoreOptions = {}): Opened {
  const { keys, part, slots, index, report, position, counter, rollback, completedEpoch } = load(ports, true);
  if (rollback !== null) return { ok: false, reason: 'store.rollback', detail: rollback, report };
  if (completedEpoch) ports.counters.advance('store-epoch', report.epoch);
  const log = new SegmentLog(part, keys, ports.rng, slots, position);
  const store = new Store(ports, part, keys, log, index, options.checkpointEvery ?? CHECKPOINT_EVERY);
  store.checkpoint();
  return { ok: true, store, report: { ...report, counter, completedEpoch, epochNow: log.epoch } };
}

export class Store extends StoreReader {
  #staged: Entry[] = [];
  /** Keys staged that the index does not hold yet (they count against MAX_KEYS). */
  #stagedKeys = new Set<string>();
  #stagedEnqueues = 0;
  #auditHead: { index: number; hash: Uint8Array };
  #commits = 0;

  /** @internal use openStore */
  constructor(private readonly ports: StorePorts, part: ConstructorParameters<typeof StoreReader>[0], keys: StoreKeys,
    private readonly log: SegmentLog, index: StoreIndex, private readonly checkpointEvery: number) {
    super(part, keys, index, ports.crypto);
    this.#auditHead = index.auditHead();
  }

  put(key: string, value: Uint8Array): void {
    this.#key(key);
    if (!(value instanceof Uint8Array) || value.length > MAX_VALUE) throw new ZwError('store.limit', `"value" expected Uint8Array of at most ${MAX_VALUE} bytes`);
    if (!this.index.kv.has(key) && !this.#stagedKeys.has(key) && this.index.kv.size + this.#stagedKeys.size >= MAX_KEYS) {
      throw new ZwError('store.limit', `the key/value area holds at most ${MAX_KEYS} keys`);
    }
    if (!this.index.kv.has(key)) this.#stagedKeys.add(key);
    this.#staged.push({ kind: 'put', key, value: value.slice() });
  }

  delete(key: string): void {
    this.#key(key);
    this.#staged.push({ kind: 'delete', key });
  }

  /** Stages a report; its id (unique for the store's life) is returned at once. */
  enqueue(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array) || payload.length > MAX_VALUE) throw new ZwError('store.limit', `"payload" expected Uint8Array of at most ${MAX_VALUE} bytes`);
    if (this.index.queue.size + this.#stagedEnqueues >= MAX_QUEUE) throw new ZwError('store.limit', `the queue holds at most ${MAX_QUEUE} reports`);
    // Ids come from the record sequence, which never goes back, so no id is ever reused.
    const id = this.log.nextSeq + this.#staged.length;
    this.#staged.push({ kind: 'enqueue', id, payload: payload.slice() });
    this.#stagedEnqueues++;
    return id;
  }

  /** Stages the removal of a delivered report; false when no such report is queued. */
  ack(id: number): boolean {
    const known = this.index.queue.has(id) || this.#staged.some((e) => e.kind === 'enqueue' && e.id === id);
    if (!known || this.#staged.some((e) => e.kind === 'ack' && e.id === id)) return false;
    this.#staged.push({ kind: 'ack', id });
    return true;
  }

  /** Stages an audit record chained to the previous one; returns its index. */
  audit(event: AuditEvent): number {
    // Staged records are the ones between the committed chain head and the staged one.
    if (this.index.audit.length + this.#auditHead.index - this.index.auditHead().index >= MAX_AUDIT) {
      throw new ZwError('store.limit', `at most ${MAX_AUDIT} audit records are kept; export and prune them`);
    }
    const record = encodeAuditEvent(event, () => new Date(this.ports.clock.wallMs()).toISOString());
    const index = this.#auditHead.index + 1;
    this.#staged.push({ kind: 'audit', index, prev: this.#auditHead.hash, record });
    this.#auditHead = { index, hash: chainHash(this.ports.crypto, index, this.#auditHead.hash, record) };
    return index;
  }

  /** Stages dropping audit records up to `index` (after they were exported); the chain stays
   *  verifiable from the anchor on. */
  pruneAudit(index: number): void {
    const a = this.index.audit.find((x) => x.index === index);
    if (!a) throw new ZwError('input.range', `no committed audit record ${index}`);
    this.#staged.push({ kind: 'audit-anchor', index, hash: a.hash });
  }

  get pending(): number {
    return this.#staged.length;
  }

  /** Makes every staged write durable, all or none (durable when it returns ok). On failure
   *  nothing staged is kept and nothing committed before is lost. */
  commit(): Commit {
    const entries = this.#staged;
    this.#staged = [];
    this.#stagedKeys.clear();
    this.#stagedEnqueues = 0;
    if (entries.length === 0) return { ok: true, records: 0 };
    const span = SegmentLog.span(entries);
    if (span > MAX_COMMIT) {
      this.#auditHead = this.index.auditHead();
      throw new ZwError('store.limit', `commit of ${span} bytes exceeds ${MAX_COMMIT}`);
    }
    // A commit that only frees space may dig into the reserve: it is how a full store is freed.
    const frees = entries.every((e) => e.kind === 'delete' || e.kind === 'ack' || e.kind === 'audit-anchor');
    const reserve = frees ? 1 : RESERVE_SEGMENTS;
    const room = this.#makeRoom(span, reserve, frees);
    const r = room.ok ? this.log.append(entries, reserve) : room;
    if (!r.ok) {
      this.#auditHead = this.index.auditHead();
      return r;
    }
    entries.forEach((e, i) => this.index.apply(e, r.locs[i]!));
    if (this.checkpointEvery > 0 && ++this.#commits % this.checkpointEvery === 0) this.checkpoint();
    return { ok: true, records: entries.length };
  }

  /** Advances the epoch: an EPOCH record in the new epoch, then the store-epoch counter. */
  checkpoint(): void {
    this.log.epoch += 1;
    const r = this.log.append([{ kind: 'epoch' }], 0);
    if (!r.ok) {
      this.log.epoch -= 1;
      return;
    }
    this.ports.counters.advance('store-epoch', this.log.epoch);
  }

  /** Compacts the tail segment: live records go to the head, then a TAIL record. */
  compact(): Commit {
    const tail = this.log.tail;
    if (this.log.head === null || this.log.head === tail) return { ok: true, records: 0 };
    const copies: Entry[] = [];
    for (const live of this.index.liveIn(tail % this.log.slots)) {
      const e = this.entryAt(live.loc);
      if (!e) return { ok: false, reason: 'store.record.auth', detail: `record ${live.loc.seq} could not be read; segment ${tail} is kept` };
      if (e.kind !== 'epoch' && e.kind !== 'tail' && e.kind !== 'ack' && e.kind !== 'delete') copies.push(e);
    }
    for (let i = 0; i < copies.length; ) {
      const batch: Entry[] = [];
      while (i < copies.length && SegmentLog.span([...batch, copies[i]!]) <= MAX_COMMIT) batch.push(copies[i++]!);
      const r = this.log.append(batch, 0);
      if (!r.ok) return r;
      batch.forEach((e, j) => this.index.apply(e, r.locs[j]!));
    }
    const t = this.log.append([{ kind: 'tail', segment: tail + 1 }], 0);
    if (!t.ok) return t;
    this.log.setTail(tail + 1);
    return { ok: true, records: copies.length };
  }

  stats(): { segments: number; tail: number; head: number; free: number; slots: number; epoch: number; nextSeq: number; keys: number; queued: number; audit: number } {
    return {
      segments: this.log.slots - this.log.free, tail: this.log.tail, head: this.log.head ?? this.log.tail, free: this.log.free, slots: this.log.slots, epoch: this.log.epoch,
      nextSeq: this.log.nextSeq, keys: this.index.kv.size, queued: this.index.queue.size, audit: this.index.audit.length,
    };
  }

  /** Compacts until a new segment can be opened with `reserve` slots left, or says store.full
   *  at once when the live records could not fit even after compacting everything. */
  #makeRoom(span: number, reserve: number, frees: boolean): Commit {
    const full = (): Commit => ({ ok: false, reason: 'store.full', detail: `the data partition is full of live records (${this.log.slots - this.log.free} segments)` });
    if (this.log.fits(span) || this.log.free - 1 >= reserve) return { ok: true, records: 0 };
    const capacity = (this.log.slots - RESERVE_SEGMENTS - 1) * (SEGMENT_SIZE - SEGMENT_HEADER);
    if (!frees && this.index.liveBytes() + span > capacity) return full();
    for (let attempts = 0; !this.log.fits(span) && this.log.free - 1 < reserve && attempts < this.log.slots; attempts++) {
      const c = this.compact();
      if (!c.ok) return c;
    }
    return !this.log.fits(span) && this.log.free - 1 < reserve ? full() : { ok: true, records: 0 };
  }

  #key(key: string): void {
    if (typeof key !== 'string' || key.length === 0 || encodeKey(key).length > MAX_KEY) throw new ZwError('store.limit', `"key" expected a string of 1..${MAX_KEY} UTF-8 bytes`);
  }
}
