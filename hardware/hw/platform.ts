// The ports of hardware/ports.ts over zw-host's native module `hw` (hardware/native/README.md).
// Thin: argument checks, secrets and the byte work stay native.
import * as hw from 'hw';
import { ZwError } from '../errors.ts';
import { ERASE_BLOCK, ERASED, PROGRAM_UNIT, partitionSpec, type PartitionName } from '../layout.ts';
import type {
  Clock, Counter, Crypto, Device, Flash, KeyAlg, KeyHandle, KeyStore, Log, Net, NetConnection, Partition, Ports, Posture, Rng,
} from '../ports.ts';
import type { Reason } from '../reasons.ts';

export const hwRng: Rng = { name: 'getrandom', bytes: (n) => hw.randomBytes(n) };

export const hwClock: Clock = { wallMs: () => hw.wallMs(), monotonicMs: () => hw.monotonicMs() };

function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
function hkdfSha256(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, length: number): KeyHandle;
function hkdfSha256(ikm: Uint8Array | KeyHandle, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array | KeyHandle {
  return hw.hkdfSha256(ikm as hw.HwKey, salt, info, length);
}

export const hwCrypto: Crypto = {
  hash: (alg) => hw.hashNew(alg),
  sha256: (d) => hw.sha256(d),
  sha512: (d) => hw.sha512(d),
  hmacSha256: (k, d) => hw.hmacSha256(k as hw.HwKey, d),
  hkdfSha256,
  keySlice: (k, s, e) => hw.keySlice(k as hw.HwKey, s, e),
  aeadSeal: (a, k, n, p, aad) => hw.aeadSeal(a, k as hw.HwKey, n, p, aad),
  aeadOpen: (a, k, n, s, aad) => hw.aeadOpen(a, k as hw.HwKey, n, s, aad),
  aesCtr: (k, iv, d) => hw.aesCtr(k as hw.HwKey, iv, d),
  x25519: (priv, pub) => hw.x25519(priv, pub),
  x25519PublicKey: (priv) => hw.x25519PublicKey(priv),
  ed25519Verify: (pub, m, s) => hw.ed25519Verify(pub, m, s),
  p256Verify: (pub, m, s, f) => hw.p256Verify(pub, m, s, f),
  p256VerifyDigest: (pub, d, s, f) => hw.p256VerifyDigest(pub, d, s, f),
};

export const hwKeys: KeyStore = {
  has: (name) => hw.keyHas(name),
  algorithm: (name) => hw.keyAlgorithm(name) as KeyAlg | null,
  generate: (name, alg) => hw.keyGenerate(name, alg),
  publicKey: (name) => hw.keyPublic(name),
  sign: (name, m) => hw.keySign(name, m),
  agree: (name, peer) => hw.keyAgree(name, peer),
  deriveKey: (label) => hw.keyDerive(label),
};

export const hwCounters: Counter = {
  read: (name) => hw.counterRead(name),
  advance: (name, value) => hw.counterAdvance(name, value),
};

class HwPartition implements Partition {
  constructor(readonly name: PartitionName, readonly size: number) {}
  read(offset: number, length: number) { return hw.flashRead(this.name, offset, length); }
  program(offset: number, data: Uint8Array) { hw.flashProgram(this.name, offset, data); }
  erase(offset: number, length: number) { hw.flashErase(this.name, offset, length); }
  sync() { hw.flashSync(this.name); }
  sha256(offset: number, length: number) { return hw.flashSha256(this.name, offset, length); }
}

export const hwFlash: Flash = {
  geometry: { eraseBlock: ERASE_BLOCK, programUnit: PROGRAM_UNIT, erasedValue: ERASED },
  open(name) {
    const spec = partitionSpec(name);
    if (!spec || spec.name === 'secure') throw new ZwError('flash.partition', `partition ${String(name)} cannot be opened`);
    return new HwPartition(spec.name, hw.flashSize(spec.name));
  },
};

export const hwLog: Log = {
  log(level, code, fields = {}) {
    for (const [k, v] of Object.entries(fields)) {
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw new ZwError('log.field', `log field ${k} must be a string, number, boolean or null`);
      }
    }
    hw.log(level, code, JSON.stringify(fields));
  },
};

class HwConnection implements NetConnection {
  onData: ((data: Uint8Array) => void) | null = null;
  onClose: ((reason: string | null) => void) | null = null;
  constructor(private readonly conn: hw.HwNet) {}
  write(data: Uint8Array): void { hw.netWrite(this.conn, data); }
  close(): void { hw.netClose(this.conn); }
}

/** The native connection reports open, data and close from the event loop, never during
 *  netConnect itself; "open" comes alone, so handlers set after `await connect()` see all data. */
export const hwNet: Net = {
  connect(opts) {
    return new Promise((resolve, reject) => {
      if (typeof opts !== 'object' || opts === null) throw new ZwError('input.type', '"opts" expected NetConnectOptions');
      let open: HwConnection | null = null;
      const handle = hw.netConnect(opts.host, opts.port, opts.timeoutMs, (type, value, detail) => {
        if (type === 'open') {
          open = new HwConnection(handle);
          resolve(open);
        } else if (type === 'data') {
          open?.onData?.(value as Uint8Array);
        } else if (open) {
          open.onClose?.(value as string | null);
        } else {
          reject(new ZwError((value ?? 'net.closed') as Reason, detail ?? 'the connection ended before it was open'));
        }
      });
    });
  },
};

export const hwDevice: Device = { id: () => hw.deviceId(), setting: (name) => hw.setting(name) };

export const hwPosture: Posture = { read: (s) => hw.postureRead(s), sha256: (s) => hw.postureSha256(s) };

export const hwPorts: Ports = {
  rng: hwRng, clock: hwClock, crypto: hwCrypto, keys: hwKeys, counters: hwCounters, flash: hwFlash, log: hwLog,
  net: hwNet, device: hwDevice, posture: hwPosture,
};
