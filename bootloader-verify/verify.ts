// Verifies an MCUboot image as bootutil_img_validate() does (boot/bootutil/src/image_validate.c)
// and refuses what it refuses, plus the cases Zorgwacht's policy is stricter on: a hash-only
// image, a duplicated hash TLV, a header shorter than 32 bytes. Every verdict starts as reject;
// accept is granted in one place, after each check produced its proof (STYLE.md 6).
import type { Crypto, HashAlg } from '../hardware/ports.ts';
import type { Reason } from '../hardware/reasons.ts';
import { FLAG, formatVersion, TLV, TLV_VENDOR_MAX, TLV_VENDOR_MIN, u32, type ImageHeader } from './format.ts';
import { parseBootRecord, type BootRecord } from './boot-record.ts';
import type { ImageReader } from './reader.ts';
import { parseLayout, type Tlv } from './tlv.ts';
import { hex, isRevoked, type TrustedKey, type TrustStore } from './trust.ts';

export interface VerifyPolicy {
  readonly trust: TrustStore;
  /** The current value of the image's anti-rollback counter; an image below it is refused. */
  readonly minSecurityCounter: number;
  /** The reader already gives the decrypted payload of an encrypted image (decrypt.ts). */
  readonly decrypted?: boolean;
}

export interface ImageFacts {
  readonly version: string;
  readonly header: ImageHeader;
  readonly hashAlg: HashAlg;
  /** Hex digest over header + payload + protected TLVs: the image's measurement. */
  readonly digest: string;
  /** Id (hex SHA-256 of the SPKI) of the trusted key that signed it. */
  readonly signer: string;
  readonly securityCounter: number | null;
  /** The BOOT_RECORD (CBOR) fields, when present. */
  readonly bootRecord: BootRecord | null;
  /** Length of the hashed region (header + payload + protected TLVs). */
  readonly hashedLength: number;
  /** Total image length (to the end of the TLV area). */
  readonly length: number;
}

export type Verdict = { ok: true; image: ImageFacts } | { ok: false; reason: Reason; detail: string };

const reject = (reason: Reason, detail: string): Verdict => ({ ok: false, reason, detail });

const HASHES: Record<number, { alg: HashAlg; len: number }> = { [TLV.SHA256]: { alg: 'sha256', len: 32 }, [TLV.SHA512]: { alg: 'sha512', len: 64 } };
const SIGNATURES = new Set<number>([TLV.ED25519, TLV.ECDSA_SIG]);
const KEYS = new Set<number>([TLV.KEYHASH, TLV.PUBKEY]);
/** Known to MCUboot but outside what Zorgwacht accepts (RSA, ECDSA-224, SHA-384, pure sigs, other encryption). */
const UNSUPPORTED = new Set<number>([
  TLV.SHA384, TLV.RSA2048_PSS, TLV.ECDSA224, TLV.RSA3072_PSS, TLV.SIG_PURE,
  TLV.ENC_RSA2048, TLV.ENC_KW, TLV.ENC_EC256, TLV.ENC_X25519_SHA512,
]);
/** MCUboot's allow list (image_validate.c expected_tlvs): what may sit in the unprotected area. */
const UNPROTECTED_OK = new Set<number>([...Object.keys(HASHES).map(Number), ...SIGNATURES, ...KEYS, TLV.ENC_X25519]);

/** Sorts TLVs by kind; refuses misplaced, unknown, unsupported and duplicated ones. */
function classify(tlvs: readonly Tlv[]): { ok: true; one: Map<number, Tlv> } | { ok: false; reason: Reason; detail: string } {
  const one = new Map<number, Tlv>();
  const groups = new Set<string>();
  for (const t of tlvs) {
    const name = `TLV 0x${t.type.toString(16)} at ${t.offset}`;
    if (t.type === TLV.SEC_CNT && !t.protected) return { ok: false, reason: 'image.seccnt.unprotected', detail: `${name}: SEC_CNT outside the protected area (CVE-2024-32883)` };
    if (UNSUPPORTED.has(t.type)) return { ok: false, reason: 'image.tlv.unsupported', detail: `${name} is not supported` };
    if (t.protected) {
      const allowed = t.type === TLV.SEC_CNT || t.type === TLV.BOOT_RECORD || t.type === TLV.DEPENDENCY || (t.type >= TLV_VENDOR_MIN && t.type <= TLV_VENDOR_MAX);
      if (!allowed) return { ok: false, reason: 'image.tlv.misplaced', detail: `${name} does not belong in the protected area` };
    } else if (!UNPROTECTED_OK.has(t.type)) {
      return { ok: false, reason: 'image.tlv.unprotected', detail: `${name} is not allowed in the unprotected area` };
    }
    if (t.type >= TLV_VENDOR_MIN || t.type === TLV.DEPENDENCY) continue;
    // One hash, one key reference, one signature, one SEC_CNT, one BOOT_RECORD (stricter than
    // MCUboot for an identical second hash TLV, vector n12).
    const group = groupOf(t.type);
    if (groups.has(group)) return { ok: false, reason: 'image.tlv.duplicate', detail: `${name}: a second ${group} TLV` };
    groups.add(group);
    one.set(t.type, t);
  }
  return { ok: true, one };
}

function groupOf(type: number): string {
  return HASHES[type] ? 'hash' : SIGNATURES.has(type) ? 'signature' : KEYS.has(type) ? 'key reference' : `0x${type.toString(16)}`;
}

function findKey(store: TrustStore, crypto: Crypto, alg: HashAlg, ref: Tlv): TrustedKey | undefined {
  if (ref.type === TLV.PUBKEY) return store.keys.find((k) => hex(k.spki) === hex(ref.value));
  const want = hex(ref.value);
  return store.keys.find((k) => hex(alg === 'sha256' ? crypto.sha256(k.spki) : crypto.sha512(k.spki)) === want);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  let d = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function verifyImage(r: ImageReader, crypto: Crypto, policy: VerifyPolicy): Verdict {
  const layout = parseLayout(r);
  if (!layout.ok) return layout;
  const { header, tlvs, hashedLength } = layout.value;
  const encrypted = (header.flags & (FLAG.ENCRYPTED_AES128 | FLAG.ENCRYPTED_AES256)) !== 0;
  if (encrypted && !policy.decrypted) return reject('image.encrypted', 'the payload is encrypted and no decryption key was given');
  if (header.flags & (FLAG.COMPRESSED_LZMA1 | FLAG.COMPRESSED_LZMA2)) return reject('image.compressed', 'compressed images are not supported');
  const c = classify(tlvs);
  if (!c.ok) return c;
  const hashTlv = [...c.one.values()].find((t) => HASHES[t.type]);
  if (!hashTlv) return reject('image.hash.none', 'no SHA256 or SHA512 TLV');
  const { alg, len } = HASHES[hashTlv.type]!;
  if (hashTlv.value.length !== len) return reject('image.tlv.len', `${alg} TLV of ${hashTlv.value.length} bytes`);
  const digest = r.digest(alg, 0, hashedLength);
  if (!same(digest, hashTlv.value)) return reject('image.hash', `${alg} of header, payload and protected TLVs does not match the image's hash TLV`);

  const sig = c.one.get(TLV.ED25519) ?? c.one.get(TLV.ECDSA_SIG);
  if (!sig) return reject('image.sig.none', 'the image carries no signature (hash-only images are refused)');
  const keyRef = c.one.get(TLV.KEYHASH) ?? c.one.get(TLV.PUBKEY);
  if (!keyRef) return reject('image.key.none', 'no KEYHASH or PUBKEY TLV names the signer');
  if (keyRef.type === TLV.KEYHASH && keyRef.value.length !== len) return reject('image.tlv.len', `KEYHASH of ${keyRef.value.length} bytes for a ${alg} image`);
  // A revoked signer is named as such even when its key has left the store: the SHA-256 KEYHASH
  // is the key id, and a PUBKEY TLV holds the SPKI whose SHA-256 it is.
  const namedId = keyRef.type === TLV.KEYHASH ? (alg === 'sha256' ? hex(keyRef.value) : null) : hex(crypto.sha256(keyRef.value));
  if (namedId !== null && isRevoked(policy.trust, namedId)) return reject('image.key.revoked', `signer ${namedId} is revoked`);
  const key = findKey(policy.trust, crypto, alg, keyRef);
  if (!key) return reject('image.key.unknown', 'the signer is not in the trust store');
  if (isRevoked(policy.trust, key.id)) return reject('image.key.revoked', `signer ${key.id} is revoked`);
  const sigOk = sig.type === TLV.ED25519
    ? key.alg === 'ed25519' && sig.value.length === 64 && crypto.ed25519Verify(key.publicKey, digest, sig.value)
    : key.alg === 'p256' && crypto.p256VerifyDigest(key.publicKey, digest, sig.value, 'der');
  if (!sigOk) return reject(key.alg === (sig.type === TLV.ED25519 ? 'ed25519' : 'p256') ? 'image.sig.bad' : 'image.sig.alg', 'the signature does not verify with the trusted key');

  const secTlv = c.one.get(TLV.SEC_CNT);
  if (secTlv && secTlv.value.length !== 4) return reject('image.tlv.len', `SEC_CNT of ${secTlv.value.length} bytes`);
  const securityCounter = secTlv ? u32(secTlv.value, 0) : null;
  if ((securityCounter ?? 0) < policy.minSecurityCounter) return reject('image.rollback', `security counter ${securityCounter ?? 0} is below the device's ${policy.minSecurityCounter}`);
  const bootTlv = c.one.get(TLV.BOOT_RECORD);
  const bootRecord = bootTlv ? parseBootRecord(bootTlv.value) : null;
  if (bootTlv && !bootRecord) return reject('image.bootrecord', 'the BOOT_RECORD TLV is not the CBOR map MCUboot defines');

  return {
    ok: true,
    image: {
      version: formatVersion(header.version), header, hashAlg: alg, digest: hex(digest), signer: key.id,
      securityCounter, bootRecord, hashedLength, length: layout.value.length,
    },
  };
}
