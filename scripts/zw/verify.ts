import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decryptImage } from '../../bootloader-verify/decrypt.ts';
import { FLAG } from '../../bootloader-verify/format.ts';
import { parseLayout } from '../../bootloader-verify/tlv.ts';
import { ZwError } from '../../hardware/errors.ts';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { hex, trustedKey, type TrustedKey, type TrustStore } from '../../bootloader-verify/trust.ts';
import { applyTrustUpdate, trustDocumentOf, type TrustUpdate } from '../../bootloader-verify/trust-update.ts';
import { verifyImage } from '../../bootloader-verify/verify.ts';
import { REASONS } from '../../hardware/reasons.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { readTrustKey } from '../lib/provision.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

/** The raw 32-byte X25519 private key of a PKCS#8 PEM (imgtool keygen -t x25519). */
function readX25519Private(path: string): Uint8Array {
  try {
    const k = createPrivateKey(readFileSync(path));
    if (k.asymmetricKeyType !== 'x25519') throw new Error(`${k.asymmetricKeyType} is not an X25519 key`);
    return new Uint8Array(Buffer.from(k.export({ format: 'jwk' }).d!, 'base64url'));
  } catch (e) {
    throw new ZwError('provision.trust-key', `--enc-key ${path}: ${(e as Error).message}`);
  }
}

/** The store a trust-update image makes, verified against `base` (or its own keys). */
function trustFromFile(path: string, base: TrustStore): TrustUpdate {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ZwError('flash.io', `cannot read --trust ${path}: ${(e as Error).message}`);
  }
  let against = base;
  if (base.keys.length === 0) {
    const doc = trustDocumentOf(bytes, nodeCrypto);
    if (!doc) return { ok: false, reason: 'trust.document', detail: 'not a trust-update image' };
    against = { keys: doc.keys.map((k) => trustedKey(k, nodeCrypto)).filter((k): k is TrustedKey => k !== null), revoked: doc.revoked.map(hex) };
  }
  return applyTrustUpdate(bytesReader(bytes, nodeCrypto), nodeCrypto, against, 0);
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify a signed MCUboot image against trusted keys, as the gateway does',
  usage: `zw verify --key PEM [--key PEM ...] [--trust FILE] [--revoke KEYHASH ...]
          [--min-security-counter N] [--enc-key PEM] [--json] IMAGE

Verifies IMAGE (MCUboot format, e.g. made by imgtool or zw sign) with the same code the gateway
runs (bootloader-verify/): header and TLV bounds, the SHA256/SHA512 hash over header, payload and
protected TLVs, the signer (KEYHASH or PUBKEY) against the trusted keys (Ed25519 or P-256 PEM,
public or private), the signature, and the security counter against --min-security-counter.
Stricter than MCUboot's default build: hash-only images, duplicate hash TLVs and headers under
32 bytes are refused. An encrypted image (imgtool --encrypt, ECIES-X25519) is verified over
its plaintext when --enc-key gives the X25519 private key; without it, image.encrypted.
--trust FILE takes the keys and revocations from a trust-update image (zw trust build), as a
gateway that applied it would: FILE must itself verify against the --key keys, or, without
--key, against a key its own list names (a self-signed list the caller chooses to trust).
Exit 0 accepted, 1 rejected (with a reason code), 2 usage, 3 I/O.`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      key: { type: 'string', multiple: true },
      trust: { type: 'string' },
      revoke: { type: 'string', multiple: true },
      'min-security-counter': { type: 'string', default: '0' },
      'enc-key': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [file, extra] = positionals;
    if (!file || extra) throw new UsageError('exactly one IMAGE is needed');
    if (!values.key?.length && !values.trust) throw new UsageError('at least one --key (or a --trust list) is needed');
    const min = Number(values['min-security-counter']);
    if (!Number.isInteger(min) || min < 0 || min > 0xffffffff) throw new UsageError('--min-security-counter must be 0..4294967295');
    let trust: TrustStore = { keys: (values.key ?? []).map((k) => trustedKey(readTrustKey(k).spki, nodeCrypto)!), revoked: [] };
    if (values.trust) {
      const t = trustFromFile(values.trust, trust);
      if (!t.ok) {
        const out = { verdict: 'reject', reason: t.reason, meaning: REASONS[t.reason], detail: `--trust ${values.trust}: ${t.detail}` };
        process.stdout.write(values.json ? JSON.stringify(out, null, 2) + '\n' : `reject  ${file}: ${t.reason} — ${out.detail}\n`);
        return EXIT.REJECT;
      }
      trust = t.store;
    }
    trust = { keys: trust.keys, revoked: [...trust.revoked, ...(values.revoke ?? [])] };
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      process.stderr.write(`zw verify: cannot read ${file}: ${(e as Error).message}\n`);
      return EXIT.IO;
    }
    const encKey = values['enc-key'] ? readX25519Private(values['enc-key']) : null;
    let decrypted = false;
    const layout = parseLayout(bytesReader(bytes, nodeCrypto));
    if (encKey && layout.ok && layout.value.header.flags & (FLAG.ENCRYPTED_AES128 | FLAG.ENCRYPTED_AES256)) {
      const plain = decryptImage(nodeCrypto, bytes, layout.value, (eph) => nodeCrypto.x25519(encKey, eph));
      if (!plain) {
        process.stdout.write(values.json ? JSON.stringify({ verdict: 'reject', reason: 'image.decrypt', meaning: REASONS['image.decrypt'] }, null, 2) + '\n' : `reject  ${file}: image.decrypt — ${REASONS['image.decrypt']}\n`);
        return EXIT.REJECT;
      }
      bytes = plain;
      decrypted = true;
    }
    const v = verifyImage(bytesReader(bytes, nodeCrypto), nodeCrypto, { trust, minSecurityCounter: min, decrypted });
    if (values.json) {
      printJson(v.ok ? { verdict: 'accept', image: { ...v.image, header: v.image.header } } : { verdict: 'reject', reason: v.reason, meaning: REASONS[v.reason], detail: v.detail });
    } else if (v.ok) {
      process.stdout.write(`accept  ${file}: version ${v.image.version}, ${v.image.hashAlg} ${v.image.digest}, signer ${v.image.signer}, security counter ${v.image.securityCounter ?? 'none'}\n`);
    } else {
      process.stdout.write(`reject  ${file}: ${v.reason} — ${v.detail}\n`);
    }
    return v.ok ? EXIT.OK : EXIT.REJECT;
  },
};
