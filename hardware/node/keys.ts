// KeyStore and Counter over the `secure` partition (hardware/secure-format.md), on @noble/*.
// Used by the Node platform, `zw provision` and the tests; zw-host does the same in C.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { ZwError } from '../errors.ts';
import type { Counter, CounterName, KeyAlg, KeyHandle, KeyName, KeyStore, Partition, Rng } from '../ports.ts';
import { COUNTER_NAMES, KEY_NAMES } from '../ports.ts';
import {
  commitSnapshot, counterEntry, counterValue, currentSnapshot, ENTRY, entryName, keyEntry,
  layoutValue, parseKey, upsert, type Entry, type KeyRecord, type Snapshot,
} from '../secure-format.ts';
import { bytes } from './check.ts';
import { makeHandle, nodeCrypto } from './crypto.ts';

const ALLOWED: Record<KeyName, readonly KeyAlg[]> = {
  attest: ['ed25519'],
  tls: ['ed25519', 'p256'],
  storage: ['secret32'],
  'image-enc': ['x25519'],
};
const STORAGE_SALT = new TextEncoder().encode('zorgwacht/storage/v1');

/** The secure state of one device: the current snapshot, cached after the first read. */
export class SecureState {
  #snap: Snapshot | null | undefined;
  constructor(readonly part: Partition) {}

  get snapshot(): Snapshot | null {
    if (this.#snap === undefined) {
      this.#snap = currentSnapshot(this.part, nodeCrypto);
      const layout = this.#snap?.entries.find((e) => e.type === ENTRY.LAYOUT);
      if (layout && !sameBytes(layout.value, layoutValue())) {
        throw new ZwError('secure.layout', 'the device was provisioned with another partition table');
      }
    }
    return this.#snap;
  }

  get entries(): readonly Entry[] {
    return this.snapshot?.entries ?? [];
  }

  find(type: number, name?: string): Entry | undefined {
    return this.entries.find((e) => e.type === type && (name === undefined || entryName(e) === name));
  }

  /** Commits one or more entries as one snapshot: all of them land, or none. */
  commit(...entries: Entry[]): void {
    this.#snap = commitSnapshot(this.part, nodeCrypto, this.snapshot, entries.reduce(upsert, this.entries as Entry[]));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function generateKey(alg: KeyAlg, rng: Rng): KeyRecord {
  switch (alg) {
    case 'ed25519': {
      const priv = rng.bytes(32);
      return { alg, priv, pub: ed25519.getPublicKey(priv) };
    }
    case 'p256': {
      const priv = p256.utils.randomSecretKey(rng.bytes(48));
      return { alg, priv, pub: p256.getPublicKey(priv, false) };
    }
    case 'x25519': {
      const priv = rng.bytes(32);
      return { alg, priv, pub: x25519.getPublicKey(priv) };
    }
    case 'secret32':
      return { alg, priv: rng.bytes(32), pub: new Uint8Array(0) };
  }
}

export class NodeKeyStore implements KeyStore {
  constructor(private readonly state: SecureState, private readonly rng: Rng) {}

  #record(name: KeyName): KeyRecord | null {
    if (!KEY_NAMES.includes(name)) throw new ZwError('keystore.name', `unknown key name ${String(name)}`);
    const e = this.state.find(ENTRY.KEY, name);
    return e ? parseKey(e) : null;
  }

  #need(name: KeyName): KeyRecord {
    const r = this.#record(name);
    if (!r) throw new ZwError('keystore.absent', `no key ${name} in secure`);
    return r;
  }

  has(name: KeyName): boolean {
    return this.#record(name) !== null;
  }

  algorithm(name: KeyName): KeyAlg | null {
    return this.#record(name)?.alg ?? null;
  }

  generate(name: KeyName, alg: KeyAlg): Uint8Array {
    if (this.#record(name)) throw new ZwError('keystore.exists', `key ${name} already exists`);
    if (!ALLOWED[name].includes(alg)) throw new ZwError('keystore.alg', `key ${name} cannot be ${String(alg)}`);
    const k = generateKey(alg, this.rng);
    this.state.commit(keyEntry(name, k));
    return k.pub.slice();
  }

  publicKey(name: KeyName): Uint8Array {
    const r = this.#need(name);
    if (r.alg === 'secret32') throw new ZwError('keystore.alg', `key ${name} has no public half`);
    return r.pub.slice();
  }

  sign(name: KeyName, message: Uint8Array): Uint8Array {
    const r = this.#need(name);
    const msg = bytes('message', message);
    if (r.alg === 'ed25519') return ed25519.sign(msg, r.priv);
    if (r.alg === 'p256') return p256.sign(msg, r.priv, { prehash: true, lowS: false, format: 'der' });
    throw new ZwError('keystore.alg', `key ${name} (${r.alg}) cannot sign`);
  }

  agree(name: KeyName, peerPublic: Uint8Array): KeyHandle | null {
    const r = this.#need(name);
    if (r.alg !== 'x25519') throw new ZwError('keystore.alg', `key ${name} (${r.alg}) cannot agree`);
    const shared = nodeCrypto.x25519(r.priv, peerPublic);
    return shared ? makeHandle(shared) : null;
  }

  deriveKey(label: string): KeyHandle {
    if (typeof label !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(label)) {
      throw new ZwError('crypto.param', '"label" expected 1..64 printable ASCII characters');
    }
    const root = this.#need('storage');
    return makeHandle(nodeCrypto.hkdfSha256(root.priv, STORAGE_SALT, new TextEncoder().encode(label), 32));
  }
}

export class NodeCounter implements Counter {
  constructor(private readonly state: SecureState) {}

  read(name: CounterName): number {
    if (!COUNTER_NAMES.includes(name)) throw new ZwError('counter.name', `unknown counter ${String(name)}`);
    const e = this.state.find(ENTRY.COUNTER, name);
    return e ? counterValue(e) : 0;
  }

  advance(name: CounterName, value: number): void {
    const cur = this.read(name);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ZwError('counter.range', `counter ${name}: ${String(value)} is not a 32-bit unsigned integer`);
    }
    if (value < cur) throw new ZwError('counter.rollback', `counter ${name} is ${cur}; refusing ${value}`);
    if (value === cur) return;
    this.state.commit(counterEntry(name, value));
  }
}
