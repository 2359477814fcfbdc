// A gateway's flash device file opened for looking only (zw store dump): the file descriptor
// is O_RDONLY, so no port built here can change a byte of it. The KeyStore and Counter are the
// device's own, over its `secure` partition; a call that would write (a key generated, a
// counter advanced, a program, erase or sync) is refused with flash.io.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ZwError } from '../../hardware/errors.ts';
import { DEVICE_SIZE, ERASE_BLOCK, ERASED, PROGRAM_UNIT, partitionSpec, type PartitionName } from '../../hardware/layout.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { NodeCounter, NodeKeyStore, SecureState } from '../../hardware/node/keys.ts';
import { nodeRng } from '../../hardware/node/platform.ts';
import type { Counter, Crypto, Flash, KeyStore, Partition } from '../../hardware/ports.ts';

const CHUNK = 64 * 1024;

export interface ReadOnlyDevice {
  readonly flash: Flash;
  readonly keys: KeyStore;
  readonly counters: Counter;
  readonly crypto: Crypto;
  readonly secure: SecureState;
  close(): void;
}

class ReadOnlyPartition implements Partition {
  constructor(private readonly fd: () => number, readonly name: PartitionName, private readonly base: number, readonly size: number, private readonly path: string) {}

  read(offset: number, length: number): Uint8Array {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new ZwError('flash.range', `${this.name}: read of ${length} bytes at ${offset} is outside the partition`);
    }
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const got = readSync(this.fd(), out, done, length - done, this.base + offset + done);
      if (got <= 0) throw new ZwError('flash.io', `short read of ${this.path} at ${this.base + offset + done}`);
      done += got;
    }
    return out;
  }

  program(): void { this.#refuse('program'); }
  erase(): void { this.#refuse('erase'); }
  sync(): void { this.#refuse('sync'); }

  sha256(offset: number, length: number): Uint8Array {
    const h = nodeCrypto.hash('sha256');
    for (let at = 0; at < length; at += CHUNK) h.update(this.read(offset + at, Math.min(CHUNK, length - at)));
    return h.digest();
  }

  #refuse(op: string): never {
    throw new ZwError('flash.io', `${this.path} is open read-only: ${op} on ${this.name} refused`);
  }
}

/** Opens `path` read-only. Throws flash.io (cannot open), flash.size (not a device file of
 *  this layout), secure.empty (never provisioned) or secure.layout (another partition table). */
export function openDeviceReadOnly(path: string): ReadOnlyDevice {
  let fd: number | null;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ZwError('flash.io', `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const live = (): number => {
    if (fd === null) throw new ZwError('flash.dead', `${path} is closed`);
    return fd;
  };
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  const part = (name: PartitionName) => {
    const spec = partitionSpec(name)!;
    return new ReadOnlyPartition(live, spec.name, spec.offset, spec.size, path);
  };
  try {
    const size = fstatSync(fd).size;
    if (size !== DEVICE_SIZE) throw new ZwError('flash.size', `${path} is ${size} bytes; the layout needs ${DEVICE_SIZE}`);
    const secure = new SecureState(part('secure'));
    if (!secure.snapshot) throw new ZwError('secure.empty', `${path} holds no secure state: the device was never provisioned (zw provision)`);
    const flash: Flash = {
      geometry: { eraseBlock: ERASE_BLOCK, programUnit: PROGRAM_UNIT, erasedValue: ERASED },
      open(name) {
        const spec = partitionSpec(name);
        if (!spec || spec.name === 'secure') throw new ZwError('flash.partition', `partition ${String(name)} cannot be opened`);
        return part(spec.name);
      },
    };
    return { flash, keys: new NodeKeyStore(secure, nodeRng), counters: new NodeCounter(secure), crypto: nodeCrypto, secure, close };
  } catch (e) {
    close();
    throw e;
  }
}
