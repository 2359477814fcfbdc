// Provisioning, first part (DESIGN.md §Contracts "Provisioning"): a gateway's flash device with
// the partition table, device keys generated inside `secure` through the KeyStore, the counters
// and the initial trust store. Later work adds the agent image and the certificate.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkDeviceId } from '../../agent/identity.ts';
import { ZwError } from '../../hardware/errors.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { secureTrust } from '../../hardware/node/trust.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import type { CounterName, KeyName, KeyAlg } from '../../hardware/ports.ts';
import { COUNTER_NAMES } from '../../hardware/ports.ts';
import { ENTRY, layoutValue, parseKey, counterValue, entryName, type Entry } from '../../hardware/secure-format.ts';

export interface TrustKey { alg: 'ed25519' | 'p256'; spki: Uint8Array; keyHash: string; source: string }

export interface ProvisionRequest {
  id: string;
  flash: string;
  trustKeys: string[];
  counters?: Partial<Record<CounterName, number>>;
  tlsAlg?: 'ed25519' | 'p256';
  overwrite?: boolean;
}

/** Reads a trust key from a PEM file (public or private; only the public half is kept). */
export function readTrustKey(path: string): TrustKey {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path));
  } catch (e) {
    throw new ZwError('provision.trust-key', `${path}: ${(e as Error).message}`);
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const alg = type === 'ed25519' ? 'ed25519' : type === 'ec' && curve === 'prime256v1' ? 'p256' : null;
  if (!alg) throw new ZwError('provision.trust-key', `${path}: ${type}${curve ? ' ' + curve : ''} is not Ed25519 or P-256`);
  const spki = new Uint8Array(key.export({ format: 'der', type: 'spki' }));
  // MCUboot KEYHASH: SHA-256 of the DER SubjectPublicKeyInfo (imgtool getpubhash).
  return { alg, spki, keyHash: createHash('sha256').update(spki).digest('hex'), source: path };
}

export function trustKeyEntry(k: TrustKey): Entry {
  const v = new Uint8Array(1 + k.spki.length);
  v[0] = k.alg === 'ed25519' ? 1 : 2;
  v.set(k.spki, 1);
  return { type: ENTRY.TRUST_KEY, value: v };
}

/** "name=value" → counter setting; refuses unknown names and values outside 32 bits. */
export function parseCounterSetting(s: string): [CounterName, number] {
  const m = /^([a-z-]+)=(\d{1,10})$/.exec(s);
  const name = m?.[1] as CounterName | undefined;
  const value = m ? Number(m[2]) : NaN;
  if (!name || !COUNTER_NAMES.includes(name) || !(value <= 0xffffffff)) {
    throw new ZwError('provision.counter', `${JSON.stringify(s)}: expected NAME=VALUE with NAME one of ${COUNTER_NAMES.join(', ')} and VALUE 0..4294967295`);
  }
  return [name, value];
}

export interface DeviceSummary {
  id: string | null;
  snapshot: { bank: number; seq: number } | null;
  keys: Partial<Record<KeyName, { alg: KeyAlg; publicKey: string }>>;
  counters: Record<CounterName, number>;
  trustKeys: { alg: string; keyHash: string }[];
  /** The trust list in force after applied updates (zw trust apply), or null if none was. */
  trustList: { version: number; keyHashes: string[]; revoked: string[] } | { error: string } | null;
}

export function provision(req: ProvisionRequest): DeviceSummary {
  const id = checkDeviceId(req.id);
  if (!id.ok) throw new ZwError('device.id', id.detail);
  if (req.trustKeys.length === 0) throw new ZwError('provision.trust-key', 'at least one --trust-key is needed');
  const trust = req.trustKeys.map(readTrustKey);
  const counters = Object.entries(req.counters ?? {}) as [CounterName, number][];
  createBlankDevice(req.flash, { overwrite: req.overwrite ?? false });
  const p = nodePlatform(req.flash);
  try {
    const state = new SecureState(p.flash.openSecure());
    state.commit({ type: ENTRY.LAYOUT, value: layoutValue() });
    state.commit({ type: ENTRY.DEVICE_ID, value: new TextEncoder().encode(id.id) });
    for (const k of trust) state.commit(trustKeyEntry(k));
    // Keys through the same KeyStore code the device runs (hardware/node/keys.ts).
    p.keys.generate('attest', 'ed25519');
    p.keys.generate('tls', req.tlsAlg ?? 'ed25519');
    p.keys.generate('storage', 'secret32');
    p.keys.generate('image-enc', 'x25519');
    for (const [name, value] of counters) p.counters.advance(name, value);
  } finally {
    p.close();
  }
  return readDevice(req.flash);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** What a device file holds in `secure`, public parts only. */
export function readDevice(flashPath: string): DeviceSummary {
  const flash = new NodeFlash(flashPath);
  try {
    const state = new SecureState(flash.openSecure());
    const snap = state.snapshot;
    const summary: DeviceSummary = {
      id: null,
      snapshot: snap ? { bank: snap.bank, seq: snap.seq } : null,
      keys: {},
      counters: Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<CounterName, number>,
      trustKeys: [],
      trustList: null,
    };
    if (state.find(ENTRY.TRUST_DOC)) {
      const t = secureTrust(state);
      summary.trustList = t.ok ? { version: t.version, keyHashes: t.store.keys.map((k) => k.id), revoked: [...t.store.revoked] } : { error: `${t.reason}: ${t.detail}` };
    }
    for (const e of state.entries) {
      if (e.type === ENTRY.DEVICE_ID) summary.id = new TextDecoder().decode(e.value);
      if (e.type === ENTRY.COUNTER) summary.counters[entryName(e) as CounterName] = counterValue(e);
      if (e.type === ENTRY.KEY) {
        const k = parseKey(e);
        if (k) summary.keys[entryName(e) as KeyName] = { alg: k.alg, publicKey: hex(k.pub) };
      }
      if (e.type === ENTRY.TRUST_KEY) {
        summary.trustKeys.push({ alg: e.value[0] === 1 ? 'ed25519' : 'p256', keyHash: createHash('sha256').update(e.value.subarray(1)).digest('hex') });
      }
    }
    return summary;
  } finally {
    flash.close();
  }
}
