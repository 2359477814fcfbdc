// Provisioning (DESIGN.md §Contracts "Provisioning"): a gateway's flash device with the partition
// table, device keys generated inside `secure` through the KeyStore, the counters and the initial
// trust store; then the enrolment: a CSR signed by the `tls` key inside the KeyStore, and the
// hospital CA's certificate checked and written back into `secure` with an enrolment record
// for the verifier.
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
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
import { ENTRY, layoutValue, parseKey, counterValue, entryName, entryText, certEntry, certPem, settingEntry, type Entry, type SettingName } from '../../hardware/secure-format.ts';
import { checkSetting } from '../../agent/settings.ts';
import { nodeRng } from '../../hardware/node/platform.ts';
import { NodeKeyStore } from '../../hardware/node/keys.ts';
import { readInput, writeOutput } from './imgtool/files.ts';

export interface TrustKey { alg: 'ed25519' | 'p256'; spki: Uint8Array; keyHash: string; source: string }

export interface ProvisionRequest {
  id: string;
  flash: string;
  trustKeys: string[];
  counters?: Partial<Record<CounterName, number>>;
  tlsAlg?: 'ed25519' | 'p256';
  overwrite?: boolean;
  /** Device settings (secure SETTING entries): broker, listen-allow, oemid, hwmodel. */
  settings?: [SettingName, string][];
}

/** "name=value" → a checked device setting (agent/settings.ts decides what is valid). */
export function parseSetting(s: string): [SettingName, string] {
  const i = s.indexOf('=');
  const name = i > 0 ? s.slice(0, i) : s;
  if (i <= 0) throw new ZwError('setting.value', `${JSON.stringify(s)}: expected NAME=VALUE`);
  const r = checkSetting(name, s.slice(i + 1));
  if (!r.ok) throw new ZwError('setting.value', r.detail);
  return [name as SettingName, r.value];
}

/** Writes settings into an existing device, all in one secure commit. */
export function applySettings(flashPath: string, settings: [SettingName, string][]): DeviceSummary {
  const flash = new NodeFlash(flashPath);
  try {
    const state = new SecureState(flash.openSecure());
    if (!state.snapshot) throw new ZwError('secure.empty', `${flashPath} is not a provisioned device`);
    state.commit(...settings.map(([n, v]) => settingEntry(n, v)));
  } finally {
    flash.close();
  }
  return readDevice(flashPath);
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
  /** The TLS client certificate installed by --install-cert, and the CA it trusts. */
  certificate: InstalledCert | null;
  settings: Partial<Record<SettingName, string>>;
}

export interface InstalledCert { subject: string; issuer: string; serial: string; notBefore: string; notAfter: string; ca: string[] }

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
    if (req.settings?.length) state.commit(...req.settings.map(([n, v]) => settingEntry(n, v)));
    // From here on the KeyStore and Counter commit through the platform's own secure state.
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
      certificate: installedCert(state),
      settings: {},
    };
    if (state.find(ENTRY.TRUST_DOC)) {
      const t = secureTrust(state);
      summary.trustList = t.ok ? { version: t.version, keyHashes: t.store.keys.map((k) => k.id), revoked: [...t.store.revoked] } : { error: `${t.reason}: ${t.detail}` };
    }
    for (const e of state.entries) {
      if (e.type === ENTRY.DEVICE_ID) summary.id = new TextDecoder().decode(e.value);
      if (e.type === ENTRY.COUNTER) summary.counters[entryName(e) as CounterName] = counterValue(e);
      if (e.type === ENTRY.SETTING) summary.settings[entryName(e) as SettingName] = entryText(e);
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

/** The certificate in the CERT entries, read with node:crypto (no certificate library needed). */
function installedCert(state: SecureState): InstalledCert | null {
  const dev = state.find(ENTRY.CERT, 'device');
  if (!dev) return null;
  const ca = state.find(ENTRY.CERT, 'ca');
  const one = (pem: string) => new X509Certificate(pem);
  const c = one(certPem(dev));
  const cas = ca ? certPem(ca).split(/(?<=-----END CERTIFICATE-----)\s*/).filter((b) => b.includes('BEGIN')) : [];
  return {
    subject: c.subject, issuer: c.issuer, serial: c.serialNumber.toLowerCase(),
    notBefore: new Date(c.validFrom).toISOString(), notAfter: new Date(c.validTo).toISOString(),
    ca: cas.map((p) => one(p).subject),
  };
}

/** The device's keys and id from `secure`, with only the public halves leaving the KeyStore. */
function openEnrolment(flashPath: string): { id: string; keys: NodeKeyStore; state: SecureState; close: () => void } {
  const flash = new NodeFlash(flashPath);
  try {
    const state = new SecureState(flash.openSecure());
    const e = state.find(ENTRY.DEVICE_ID);
    if (!e) throw new ZwError('secure.empty', `${flashPath} is not provisioned (no device id in secure)`);
    return { id: new TextDecoder().decode(e.value), keys: new NodeKeyStore(state, nodeRng), state, close: () => flash.close() };
  } catch (e) {
    flash.close();
    throw e;
  }
}

/** A PKCS#10 CSR (PEM) for the device, signed by its `tls` key inside the KeyStore. */
export async function requestCertificate(flashPath: string): Promise<{ id: string; alg: string; csr: string }> {
  const { deviceCsr } = await import('./pki/device.ts');
  const dev = openEnrolment(flashPath);
  try {
    return { id: dev.id, alg: dev.keys.algorithm('tls') ?? '', csr: deviceCsr(dev.keys, dev.id) };
  } finally {
    dev.close();
  }
}

export interface InstallRequest { flash: string; cert: string; ca: string; enrolment?: string; now?: Date }

/** Where the enrolment record goes unless told: beside the flash file (gw.flash → gw.enrolment.json). */
export function defaultEnrolmentPath(flashPath: string): string {
  return flashPath.replace(/(\.[^./]*)?$/, '.enrolment.json');
}

/** Checks a certificate against the device and the CA, writes the CERT entries `device` and `ca`
 *  in one commit, and the enrolment record (device id, attest public key, certificate). */
export async function installCertificate(req: InstallRequest): Promise<{ summary: DeviceSummary; enrolment: string }> {
  const { checkDeviceCert, parseCerts, publicJwk } = await import('./pki/device.ts');
  const { pem } = await import('./pki/x509.ts');
  const text = (path: string, what: string) => new TextDecoder().decode(readInput(path, what));
  const leaf = parseCerts(text(req.cert, 'certificate'), req.cert)[0]!;
  const cas = parseCerts(text(req.ca, 'CA certificate'), req.ca);
  const enrolmentPath = req.enrolment ?? defaultEnrolmentPath(req.flash);
  const dev = openEnrolment(req.flash);
  let record: string;
  try {
    const tlsAlg = dev.keys.algorithm('tls');
    if (tlsAlg !== 'ed25519' && tlsAlg !== 'p256') throw new ZwError('keystore.absent', 'the device has no tls key (Ed25519 or P-256) in secure');
    const verdict = await checkDeviceCert(leaf, cas, { id: dev.id, tlsAlg, tlsPublic: dev.keys.publicKey('tls') }, req.now ?? new Date());
    if (!verdict.ok) throw new ZwError(verdict.reason, verdict.detail);
    const leafPem = pem(verdict.leaf);
    dev.state.commit(certEntry('device', leafPem), certEntry('ca', cas.map(pem).join('')));
    record = JSON.stringify({
      version: 1,
      deviceId: dev.id,
      attestKey: publicJwk('ed25519', dev.keys.publicKey('attest')),
      certificate: leafPem,
      issuedAt: (req.now ?? new Date()).toISOString(),
    }, null, 2) + '\n';
  } finally {
    dev.close();
  }
  writeOutput(enrolmentPath, record, { force: true });
  return { summary: readDevice(req.flash), enrolment: enrolmentPath };
}
