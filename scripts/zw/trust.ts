import { readFileSync, writeFileSync } from 'node:fs';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { hex, trustedKey, type TrustedKey, type TrustStore } from '../../bootloader-verify/trust.ts';
import { applyTrustUpdate, encodeTrustDocument, trustDocumentOf } from '../../bootloader-verify/trust-update.ts';
import { ZwError } from '../../hardware/errors.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { applyTrustToDevice, secureTrust } from '../../hardware/node/trust.ts';
import { REASONS } from '../../hardware/reasons.ts';
import { signImage } from '../lib/imgtool/sign.ts';
import { readTrustKey } from '../lib/provision.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

const USAGE = `zw trust build --key PEM --version N --trust-key PEM [--trust-key PEM ...] [--revoke KEYHASH ...] -o FILE
zw trust show [--json] [--key PEM ... --counter N] FILE
zw trust show [--json] --flash DEVICE
zw trust apply [--json] --flash DEVICE FILE

build: writes a trust-store update — the CBOR trust document (version N, the keys that may sign,
the revoked key ids) as the payload of an MCUboot image with SEC_CNT N, signed with --key, a key
the gateways trust today. Revocations never lapse: a revoked key id stays revoked whatever later
lists say. KEYHASH is the hex SHA-256 of a key's DER public key (imgtool getpubhash).
show: prints the document; with --key (the keys trusted now) and --counter (the device's trust
counter) it also says whether a gateway would accept the update (exit 0) or not (exit 1); with
--flash it prints the trust store a provisioned gateway's flash device binds it to.
apply: verifies FILE against the trust store and trust counter in DEVICE's secure partition, as
the gateway does, and writes the new list (with every revocation so far) and the counter in
one power-fail-safe commit. Exit 0 applied, 1 refused (trust.stale, image.key.revoked, ...).`;

function openDevice(path: string): { state: SecureState; close: () => void } {
  const flash = new NodeFlash(path);
  return { state: new SecureState(flash.openSecure()), close: () => flash.close() };
}

function readImage(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new ZwError('flash.io', `cannot read ${file}: ${(e as Error).message}`);
  }
}

function printStore(json: boolean | undefined, t: { version: number; store: TrustStore }): void {
  const out = { version: t.version, keys: t.store.keys.map((k) => ({ id: k.id, alg: k.alg })), revoked: [...t.store.revoked] };
  if (json) return printJson(out);
  process.stdout.write(`version  ${out.version}\n`);
  for (const k of out.keys) process.stdout.write(`key      ${k.alg.padEnd(8)} ${k.id}\n`);
  for (const r of out.revoked) process.stdout.write(`revoked  ${r}\n`);
}

async function deviceShow(path: string, json: boolean | undefined): Promise<number> {
  const dev = openDevice(path);
  try {
    const t = secureTrust(dev.state);
    if (!t.ok) throw new ZwError(t.reason, t.detail);
    printStore(json, t);
    return EXIT.OK;
  } finally {
    dev.close();
  }
}

async function apply(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, flash: { type: 'string' } });
  const [file] = positionals;
  if (!file || positionals.length > 1 || !values.flash) throw new UsageError('--flash DEVICE and exactly one FILE are needed');
  const image = readImage(file);
  const dev = openDevice(values.flash);
  try {
    const r = applyTrustToDevice(dev.state, bytesReader(image, nodeCrypto));
    if (!r.ok) {
      if (values.json) printJson({ verdict: 'reject', reason: r.reason, meaning: REASONS[r.reason], detail: r.detail });
      else process.stdout.write(`reject  ${file}: ${r.reason} — ${r.detail}\n`);
      return EXIT.REJECT;
    }
    if (values.json) printJson({ verdict: 'applied', version: r.version, keys: r.store.keys.map((k) => k.id), revoked: r.store.revoked });
    else process.stdout.write(`applied ${file}: trust list version ${r.version}, ${r.store.keys.length} key(s), ${r.store.revoked.length} revoked\n`);
    return EXIT.OK;
  } finally {
    dev.close();
  }
}

function keyIds(values: string[] | undefined): Uint8Array[] {
  return (values ?? []).map((h) => {
    if (!/^[0-9a-f]{64}$/.test(h)) throw new UsageError(`--revoke ${h}: expected 64 hex digits (a key id)`);
    return Uint8Array.from(Buffer.from(h, 'hex'));
  });
}

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    key: { type: 'string' }, version: { type: 'string' }, 'trust-key': { type: 'string', multiple: true },
    revoke: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' },
  }, false);
  if (positionals.length || !values.key || !values.version || !values.output) throw new UsageError('--key, --version and -o are required');
  if (!/^\d{1,10}$/.test(values.version) || Number(values.version) < 1 || Number(values.version) > 0xffffffff) throw new UsageError('--version must be 1..4294967295');
  const version = Number(values.version);
  const keys = (values['trust-key'] ?? []).map((k) => readTrustKey(k).spki);
  if (keys.length === 0) throw new UsageError('at least one --trust-key is needed');
  const doc = encodeTrustDocument({ version, keys, revoked: keyIds(values.revoke) });
  const image = signImage(doc, { key: readFileSync(values.key), headerSize: 32, padHeader: true, version: `0.0.0+${version}`, securityCounter: version });
  writeFileSync(values.output, image);
  process.stdout.write(`trust update ${values.output}: version ${version}, ${keys.length} key(s), ${(values.revoke ?? []).length} revoked\n`);
  return EXIT.OK;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, key: { type: 'string', multiple: true }, counter: { type: 'string', default: '0' }, flash: { type: 'string' } });
  const [file] = positionals;
  if (values.flash !== undefined) {
    if (positionals.length || values.key) throw new UsageError('--flash takes no FILE or --key');
    return deviceShow(values.flash, values.json);
  }
  if (!file || positionals.length > 1) throw new UsageError('exactly one FILE is needed');
  const bytes = readImage(file);
  const doc = trustDocumentOf(bytes, nodeCrypto);
  if (!doc) throw new ZwError('trust.document', `${file} does not carry a trust document`);
  const out: Record<string, unknown> = {
    version: doc.version,
    keys: doc.keys.map((k) => ({ id: hex(nodeCrypto.sha256(k)), alg: trustedKey(k, nodeCrypto)?.alg ?? 'unsupported' })),
    revoked: doc.revoked.map(hex),
  };
  let status: number = EXIT.OK;
  if (values.key?.length) {
    const keys: TrustedKey[] = values.key.map((k) => trustedKey(readTrustKey(k).spki, nodeCrypto)!);
    const r = applyTrustUpdate(bytesReader(bytes, nodeCrypto), nodeCrypto, { keys, revoked: [] }, Number(values.counter));
    out.verdict = r.ok ? 'accept' : 'reject';
    if (!r.ok) out.reason = r.reason;
    status = r.ok ? EXIT.OK : EXIT.REJECT;
  }
  if (values.json) printJson(out);
  else {
    process.stdout.write(`version  ${doc.version}\n`);
    for (const k of out.keys as { id: string; alg: string }[]) process.stdout.write(`key      ${k.alg.padEnd(8)} ${k.id}\n`);
    for (const r of out.revoked as string[]) process.stdout.write(`revoked  ${r}\n`);
    if (out.verdict) process.stdout.write(`verdict  ${out.verdict}${out.reason ? ` (${String(out.reason)})` : ''}\n`);
  }
  return status;
}

export const trustCommand: Command = {
  name: 'trust',
  summary: 'make, read and apply trust-store update images (manufacturer keys, revocations)',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'build') return build(rest);
    if (sub === 'show') return show(rest);
    if (sub === 'apply') return apply(rest);
    throw new UsageError('expected build, show or apply');
  },
};
