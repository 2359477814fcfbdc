// zw refvalues: the manufacturer's signed reference values (docs/refvalues.md) for a set of
// signed MCUboot images, read with the gateway's own image parser; and show, which checks a
// document against the signers a hospital accepts.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { trustedKey, type TrustStore } from '../../bootloader-verify/trust.ts';
import { ZwError } from '../../hardware/errors.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { REASONS } from '../../hardware/reasons.ts';
import { referenceOf } from '../../verifier/refvalues-image.ts';
import { IMAGE_TYPES, keyHash, makeRefValues, openRefValues, type ImageType, type Reference } from '../../verifier/refvalues.ts';
import { readInput, refuseExisting, toolExit, writeOutput } from '../lib/imgtool/files.ts';
import { readTrustKey } from '../lib/provision.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

const USAGE = `zw refvalues --key PEM -o FILE [--min-security-counter N] [--image-key PEM ...] [--force]
              (--agent IMAGE | --firmware IMAGE)...
zw refvalues show [--json] [--signer PEM | --signer-hash HEX]... FILE

Writes the manufacturer's reference values for signed MCUboot images (docs/refvalues.md): for
each image its type, version, SHA-256 measurement as MCUboot computes it (header + payload +
protected TLVs), signer key hash (SHA-256 of the signer's DER SubjectPublicKeyInfo) and
security counter, with the minimum security counter N for every type; a deterministic CBOR
document in a COSE_Sign1 signed with --key (Ed25519 → EdDSA, P-256 → ES256; zw keygen).
--image-key gives the image signers' keys: each image is then verified as the gateway does;
without, its hash must match and it must carry a signature.
show: prints a document; with --signer/--signer-hash it is checked against those signers.
Exit 0 written/accepted, 1 an image or the document refused, 2 usage, 3 I/O.`;

function signingKey(path: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(path));
  } catch (e) {
    throw new ZwError('sign.key', `--key ${path}: ${(e as Error).message}`);
  }
}

function imagesOf(argv: string[]): { type: ImageType; file: string }[] {
  const out: { type: ImageType; file: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!.replace(/^--/, '');
    if ((IMAGE_TYPES as readonly string[]).includes(t) && argv[i + 1]) out.push({ type: t as ImageType, file: argv[++i]! });
  }
  return out;
}

async function make(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    key: { type: 'string' }, output: { type: 'string', short: 'o' }, 'min-security-counter': { type: 'string', default: '0' },
    'image-key': { type: 'string', multiple: true }, agent: { type: 'string', multiple: true }, firmware: { type: 'string', multiple: true }, force: { type: 'boolean' },
  }, false);
  if (!values.key || !values.output) throw new UsageError('--key and -o are required');
  const images = imagesOf(argv);
  if (images.length === 0) throw new UsageError('at least one --agent IMAGE or --firmware IMAGE is needed');
  const min = Number(values['min-security-counter']);
  if (!/^\d{1,10}$/.test(values['min-security-counter']) || min > 0xffffffff) throw new UsageError('--min-security-counter must be 0..4294967295');
  refuseExisting([values.output], values.force);
  const key = signingKey(values.key);
  const trust: TrustStore | null = values['image-key']?.length ? { keys: values['image-key'].map((k) => trustedKey(readTrustKey(k).spki, nodeCrypto)!), revoked: [] } : null;
  let refs: Reference[];
  try {
    refs = images.map((i) => referenceOf(i.file, readInput(i.file, 'image'), i.type, trust));
  } catch (e) {
    if ((e as ZwError).reason !== 'refvalues.image') throw e;
    process.stdout.write(`reject  ${(e as Error).message}\n`);
    return EXIT.REJECT;
  }
  const doc = makeRefValues(refs, { agent: min, firmware: min }, key, Math.floor(Date.now() / 1000));
  writeOutput(values.output, doc, { force: values.force ?? false });
  for (const r of refs) process.stdout.write(`${r.type.padEnd(9)} ${r.version.padEnd(14)} counter ${String(r.securityCounter).padEnd(5)} sha-256 ${Buffer.from(r.digest).toString('hex')}  signer ${Buffer.from(r.signer).toString('hex').slice(0, 16)}…\n`);
  process.stdout.write(`reference values ${values.output}: ${refs.length} image(s), minimum security counter ${min}\n`);
  return EXIT.OK;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, signer: { type: 'string', multiple: true }, 'signer-hash': { type: 'string', multiple: true } });
  const [file, extra] = positionals;
  if (!file || extra) throw new UsageError('exactly one FILE is needed');
  const hashes = [...(values.signer ?? []).map((p) => keyHash(readTrustKey(p).spki)), ...(values['signer-hash'] ?? [])];
  const checked = hashes.length > 0;
  const bytes = readInput(file, 'reference values');
  // Without signers, the signer is only reported; the signature is checked all the same.
  const peek = openRefValues(bytes, checked ? hashes : 'any-signer');
  if (!peek.ok) {
    if (values.json) printJson({ verdict: 'reject', reason: peek.reason, meaning: REASONS[peek.reason], detail: peek.detail });
    else process.stdout.write(`reject  ${file}: ${peek.reason} — ${peek.detail}\n`);
    return EXIT.REJECT;
  }
  const r = peek.refs;
  const out = {
    verdict: checked ? 'accept' : 'signature-valid', signer: r.signerKeyHash, issued: new Date(r.issued * 1000).toISOString(), minSecurityCounter: r.minSecurityCounter,
    references: r.references.map((x) => ({ type: x.type, version: x.version, securityCounter: x.securityCounter, digest: Buffer.from(x.digest).toString('hex'), signer: Buffer.from(x.signer).toString('hex') })),
  };
  if (values.json) printJson(out);
  else process.stdout.write(`${out.verdict} ${file}: signer ${out.signer}, issued ${out.issued}, ${out.references.length} reference(s)\n` + out.references.map((x) => `  ${x.type.padEnd(9)} ${x.version.padEnd(14)} counter ${x.securityCounter}  ${x.digest}\n`).join(''));
  return EXIT.OK;
}

export const refvaluesCommand: Command = {
  name: 'refvalues',
  summary: 'make or show manufacturer-signed reference values for signed images',
  usage: USAGE,
  async run(argv) {
    try {
      return argv[0] === 'show' ? await show(argv.slice(1)) : await make(argv);
    } catch (e) {
      return toolExit(e, 'refvalues');
    }
  },
};
