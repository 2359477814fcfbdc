// The Flash port over a device file (DESIGN.md §Contracts "One flash device", "Durability
// model", "Fault plan"). Without a plan, writes go to the file and sync is fdatasync. With a
// plan, unsynced operations stay in a volatile overlay and a cut lands a seeded subset of them
// at 4 KiB page granularity — the same algorithm as hardware/native/flash.c, so one plan gives
// the same bytes in both.
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { ZwError } from '../errors.ts';
import { DEVICE_SIZE, ERASE_BLOCK, ERASED, PROGRAM_UNIT, partitionSpec, type PartitionName } from '../layout.ts';
import type { Flash, Geometry, Partition } from '../ports.ts';
import { integer } from './check.ts';
import { nodeCrypto } from './crypto.ts';
import { mulberry32, PowerCut, type FaultPlan } from './fault.ts';

const PAGE = 4096;
const HASH_CHUNK = 64 * 1024;

export type FlashOpKind = 'program' | 'erase' | 'sync';
export interface FlashOp {
  readonly n: number;
  readonly kind: FlashOpKind;
  readonly partition: PartitionName;
  /** Absolute device offset and length (0 for sync). */
  readonly abs: number;
  readonly length: number;
  /** Bytes programmed (program only). */
  readonly data?: Uint8Array;
}

interface Pending { abs: number; data: Uint8Array }

export interface FlashOptions {
  plan?: FaultPlan;
  /** Called before each counted operation is carried out (campaign oracles record the trace). */
  onOp?: (op: FlashOp) => void;
}

export class NodeFlash implements Flash {
  readonly geometry: Geometry = { eraseBlock: ERASE_BLOCK, programUnit: PROGRAM_UNIT, erasedValue: ERASED };
  #fd: number | null;
  #plan: FaultPlan | undefined;
  #onOp: ((op: FlashOp) => void) | undefined;
  #ops = 0;
  #dirty = new Map<number, Uint8Array>();
  #pending: Pending[] = [];
  #flip: (() => number) | undefined;

  constructor(path: string, options: FlashOptions = {}) {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      throw new ZwError('flash.io', `cannot open ${path}: ${(e as Error).message}`);
    }
    const size = fstatSync(fd).size;
    if (size !== DEVICE_SIZE) {
      closeSync(fd);
      throw new ZwError('flash.size', `${path} is ${size} bytes; the layout needs ${DEVICE_SIZE}`);
    }
    this.#fd = fd;
    this.#plan = options.plan;
    this.#onOp = options.onOp;
    if (options.plan && options.plan.flipReads > 0) this.#flip = mulberry32((options.plan.seed ^ 0x9e3779b9) >>> 0);
  }

  /** Flash operations counted so far (program, erase, sync). */
  get ops(): number {
    return this.#ops;
  }

  /** A partition for the pure code. `secure` is refused: it holds key material and is reached
   *  only through KeyStore and Counter (openSecure), as in zw-host. */
  open(name: PartitionName): Partition {
    const spec = partitionSpec(name);
    if (!spec || spec.name === 'secure') throw new ZwError('flash.partition', `partition ${String(name)} cannot be opened`);
    return new NodePartition(this, spec.name, spec.offset, spec.size);
  }

  /** The `secure` partition, for the KeyStore/Counter implementation and provisioning only. */
  openSecure(): Partition {
    const spec = partitionSpec('secure')!;
    return new NodePartition(this, spec.name, spec.offset, spec.size);
  }

  /** Ends a run without a cut: the overlay is written out (a clean shutdown) and the file closed.
   *  Returns the operation count (what the native host prints as ZW-FLASH-OPS). */
  close(): number {
    if (this.#fd !== null) {
      this.#writeOut();
      closeSync(this.#fd);
      this.#fd = null;
    }
    return this.#ops;
  }

  readAbs(abs: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const page = Math.floor((abs + done) / PAGE);
      const inPage = (abs + done) % PAGE;
      const n = Math.min(length - done, PAGE - inPage);
      const d = this.#dirty.get(page);
      if (d) out.set(d.subarray(inPage, inPage + n), done);
      else this.#preadInto(out, done, n, abs + done);
      done += n;
    }
    this.#maybeFlip(out);
    return out;
  }

  programAbs(part: PartitionName, abs: number, data: Uint8Array): void {
    const current = this.readAbsRaw(abs, data.length);
    for (let i = 0; i < current.length; i++) {
      if (current[i] !== ERASED) throw new ZwError('flash.unerased', `${part}: byte at offset ${abs + i} is not erased`);
    }
    this.#operate({ kind: 'program', partition: part, abs, length: data.length, data: data.slice() });
  }

  eraseAbs(part: PartitionName, abs: number, length: number): void {
    this.#operate({ kind: 'erase', partition: part, abs, length });
  }

  sync(part: PartitionName): void {
    this.#operate({ kind: 'sync', partition: part, abs: 0, length: 0 });
  }

  /** A read that is never bit-flipped (the flash's own erased check). */
  readAbsRaw(abs: number, length: number): Uint8Array {
    const flip = this.#flip;
    this.#flip = undefined;
    try {
      return this.readAbs(abs, length);
    } finally {
      this.#flip = flip;
    }
  }

  #operate(op: Omit<FlashOp, 'n'>): void {
    if (this.#fd === null) throw new ZwError('flash.dead', 'the flash is closed or the power was cut');
    const n = ++this.#ops;
    const full: FlashOp = { n, ...op };
    this.#onOp?.(full);
    const data = op.kind === 'erase' ? new Uint8Array(op.length).fill(ERASED) : op.data;
    if (this.#plan && this.#plan.cutAt === n) this.#cut(n, op.kind === 'sync' ? undefined : { abs: op.abs, data: data! });
    if (op.kind === 'sync') {
      this.#writeOut();
      if (!this.#plan) fdatasyncSync(this.#fd);
      return;
    }
    if (this.#plan) {
      this.#pending.push({ abs: op.abs, data: data! });
      this.#applyToOverlay(op.abs, data!);
    } else {
      this.#pwrite(op.abs, data!);
    }
  }

  #applyToOverlay(abs: number, data: Uint8Array): void {
    for (let done = 0; done < data.length; ) {
      const page = Math.floor((abs + done) / PAGE);
      const inPage = (abs + done) % PAGE;
      const n = Math.min(data.length - done, PAGE - inPage);
      let d = this.#dirty.get(page);
      if (!d) {
        d = new Uint8Array(PAGE);
        this.#preadInto(d, 0, PAGE, page * PAGE);
        this.#dirty.set(page, d);
      }
      d.set(data.subarray(done, done + n), inPage);
      done += n;
    }
  }

  /** Power cut at operation n (DESIGN.md §Contracts "Fault plan"; hardware/native/README.md). */
  #cut(n: number, inProgress: Pending | undefined): never {
    const plan = this.#plan!;
    const next = mulberry32(plan.seed);
    for (const p of this.#pending) {
      for (let done = 0; done < p.data.length; ) {
        const inPage = (p.abs + done) % PAGE;
        const len = Math.min(p.data.length - done, PAGE - inPage);
        if (next() & 1) this.#pwrite(p.abs + done, p.data.subarray(done, done + len));
        done += len;
      }
    }
    if (inProgress && plan.torn && inProgress.data.length > 0) {
      const prefix = next() % inProgress.data.length;
      this.#pwrite(inProgress.abs, inProgress.data.subarray(0, prefix));
    }
    fdatasyncSync(this.#fd!);
    closeSync(this.#fd!);
    this.#fd = null;
    this.#pending = [];
    this.#dirty.clear();
    throw new PowerCut(n);
  }

  #writeOut(): void {
    for (const [page, d] of this.#dirty) this.#pwrite(page * PAGE, d);
    if (this.#dirty.size > 0 && this.#fd !== null) fdatasyncSync(this.#fd);
    this.#dirty.clear();
    this.#pending = [];
  }

  #maybeFlip(out: Uint8Array): void {
    if (!this.#flip || out.length === 0) return;
    if (this.#flip() / 4294967296 < this.#plan!.flipReads) {
      const bit = this.#flip() % (out.length * 8);
      out[bit >> 3]! ^= 1 << (bit & 7);
    }
  }

  #preadInto(buf: Uint8Array, at: number, length: number, abs: number): void {
    if (this.#fd === null) throw new ZwError('flash.dead', 'the flash is closed or the power was cut');
    const got = readSync(this.#fd, buf, at, length, abs);
    if (got !== length) throw new ZwError('flash.io', `short read at ${abs}`);
  }

  #pwrite(abs: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const put = writeSync(this.#fd!, data, 0, data.length, abs);
    if (put !== data.length) throw new ZwError('flash.io', `short write at ${abs}`);
  }
}

class NodePartition implements Partition {
  constructor(
    private readonly dev: NodeFlash,
    readonly name: PartitionName,
    private readonly base: number,
    readonly size: number,
  ) {}

  #range(offset: number, length: number): void {
    integer('offset', offset, 0, this.size, 'flash.range');
    integer('length', length, 0, this.size - offset, 'flash.range');
  }

  read(offset: number, length: number): Uint8Array {
    this.#range(offset, length);
    return this.dev.readAbs(this.base + offset, length);
  }

  program(offset: number, data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new ZwError('input.type', '"data" expected Uint8Array');
    this.#range(offset, data.length);
    if (offset % PROGRAM_UNIT || data.length % PROGRAM_UNIT) throw new ZwError('flash.align', `program at ${offset} length ${data.length} is not a multiple of ${PROGRAM_UNIT}`);
    if (data.length === 0) return;
    this.dev.programAbs(this.name, this.base + offset, data);
  }

  erase(offset: number, length: number): void {
    this.#range(offset, length);
    if (offset % ERASE_BLOCK || length % ERASE_BLOCK) throw new ZwError('flash.align', `erase at ${offset} length ${length} is not a multiple of ${ERASE_BLOCK}`);
    if (length === 0) return;
    this.dev.eraseAbs(this.name, this.base + offset, length);
  }

  sync(): void {
    this.dev.sync(this.name);
  }

  sha256(offset: number, length: number): Uint8Array {
    this.#range(offset, length);
    const h = nodeCrypto.hash('sha256');
    for (let at = 0; at < length; at += HASH_CHUNK) {
      h.update(this.dev.readAbs(this.base + offset + at, Math.min(HASH_CHUNK, length - at)));
    }
    return h.digest();
  }
}
