// A reference value from a signed MCUboot image, read with the gateway's own bounded parser
// (bootloader-verify/tlv.ts): the SHA-256 measurement over header + payload + protected TLVs
// (what the device's measurement log records), the version, the signer's key hash (KEYHASH:
// SHA-256 of its DER SubjectPublicKeyInfo) and SEC_CNT. With the signer's key the image is
// verified as the gateway verifies it; without, its hash TLV must match and it must be signed.
import { createHash } from 'node:crypto';
import { formatVersion, TLV, u32 } from '../bootloader-verify/format.ts';
import { bytesReader } from '../bootloader-verify/reader.ts';
import { parseLayout } from '../bootloader-verify/tlv.ts';
import type { TrustStore } from '../bootloader-verify/trust.ts';
import { verifyImage } from '../bootloader-verify/verify.ts';
import { ZwError } from '../hardware/errors.ts';
import { nodeCrypto } from '../hardware/node/crypto.ts';
import type { ImageType, Reference } from './refvalues.ts';

const sha = (alg: 'sha256' | 'sha512', b: Uint8Array) => new Uint8Array(createHash(alg).update(b).digest());
const refuse = (name: string, detail: string): never => {
  throw new ZwError('refvalues.image', `${name}: ${detail}`);
};

/** The signer key hash (SHA-256 of the SPKI) named by the image's KEYHASH or PUBKEY TLV. */
function signerOf(name: string, tlvs: readonly { type: number; value: Uint8Array }[], sha256Image: boolean): Uint8Array {
  const pub = tlvs.find((t) => t.type === TLV.PUBKEY);
  if (pub) return sha('sha256', pub.value);
  const kh = tlvs.find((t) => t.type === TLV.KEYHASH);
  if (!kh) return refuse(name, 'no KEYHASH or PUBKEY TLV names the signer');
  // A SHA-512 image's KEYHASH is SHA-512 of the key: the SHA-256 key id needs the key itself.
  if (!sha256Image || kh.value.length !== 32) return refuse(name, 'a SHA-512 image names its signer by a SHA-512 key hash; give the signer key (--image-key)');
  // A copy: a Buffer (a file read by the caller) would not encode as a CBOR byte string.
  return Uint8Array.from(kh.value);
}

/** The reference value of one image file's bytes; `trust` (signer keys) verifies it fully. */
export function referenceOf(name: string, bytes: Uint8Array, type: ImageType, trust: TrustStore | null): Reference {
  const l = parseLayout(bytesReader(bytes, nodeCrypto));
  if (!l.ok) return refuse(name, `${l.reason}: ${l.detail}`);
  const { header, tlvs, hashedLength } = l.value;
  const hashed = bytes.subarray(0, hashedLength);
  const digest = sha('sha256', hashed);
  const sc = tlvs.find((t) => t.type === TLV.SEC_CNT && t.protected && t.value.length === 4);
  const base = { type, digest, version: formatVersion(header.version), securityCounter: sc ? u32(sc.value, 0) : 0 };
  if (trust) {
    const v = verifyImage(bytesReader(bytes, nodeCrypto), nodeCrypto, { trust, minSecurityCounter: 0 });
    if (!v.ok) return refuse(name, `${v.reason}: ${v.detail}`);
    return { ...base, signer: new Uint8Array(Buffer.from(v.image.signer, 'hex')) };
  }
  const h256 = tlvs.find((t) => t.type === TLV.SHA256 && !t.protected);
  const h512 = tlvs.find((t) => t.type === TLV.SHA512 && !t.protected);
  const matches = h256 ? Buffer.compare(h256.value, digest) === 0 : h512 ? Buffer.compare(h512.value, sha('sha512', hashed)) === 0 : false;
  if (!matches) return refuse(name, 'the hash TLV is missing or does not match header, payload and protected TLVs');
  if (!tlvs.some((t) => t.type === TLV.ED25519 || t.type === TLV.ECDSA_SIG)) return refuse(name, 'the image is not signed');
  return { ...base, signer: signerOf(name, tlvs, h256 !== undefined) };
}
