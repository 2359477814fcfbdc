// Trust-store updates are images (DESIGN.md §Contracts "Trust-store updates are images"): a
// CBOR trust document as the payload of an MCUboot image signed by a currently trusted key; the
// image's SEC_CNT is the list version, and the `trust` counter refuses a list that is not newer.
//
//   trust-document = {
//     1: uint,              ; version, equal to the image's SEC_CNT
//     2: [* bstr],          ; DER SubjectPublicKeyInfo of each key that may sign (Ed25519, P-256)
//     3: [* bstr .size 32], ; revoked key ids (SHA-256 of the SPKI); revocations never lapse
//   }
import type { Crypto } from '../hardware/ports.ts';
import type { Reason } from '../hardware/reasons.ts';
import { CborMap, decodeCbor, encodeCbor } from './cbor.ts';
import { bytesReader, type ImageReader } from './reader.ts';
import { parseLayout } from './tlv.ts';
import { fromHex, hex, trustedKey, type TrustedKey, type TrustStore } from './trust.ts';
import { verifyImage } from './verify.ts';

export const MAX_TRUST_DOCUMENT = 16 * 1024;
export const MAX_TRUST_KEYS = 32;
export const MAX_REVOKED = 256;

export interface TrustDocument {
  readonly version: number;
  readonly keys: readonly Uint8Array[];
  readonly revoked: readonly Uint8Array[];
}

export function encodeTrustDocument(d: TrustDocument): Uint8Array {
  return encodeCbor(new CborMap([[1, d.version], [2, [...d.keys]], [3, [...d.revoked]]]));
}

/** The document, or null when it is not exactly the shape above within the bounds. */
export function decodeTrustDocument(b: Uint8Array): TrustDocument | null {
  if (b.length > MAX_TRUST_DOCUMENT) return null;
  const m = decodeCbor(b);
  if (!(m instanceof CborMap) || m.size !== 3) return null;
  const version = m.get(1), keys = m.get(2), revoked = m.get(3);
  if (typeof version !== 'number' || !Array.isArray(keys) || !Array.isArray(revoked)) return null;
  if (keys.length > MAX_TRUST_KEYS || revoked.length > MAX_REVOKED) return null;
  if (!keys.every((k) => k instanceof Uint8Array) || !revoked.every((r) => r instanceof Uint8Array && r.length === 32)) return null;
  return { version, keys: keys as Uint8Array[], revoked: revoked as Uint8Array[] };
}

/** The trust document a trust-update image carries, without verifying the image (for showing
 *  it, or for a list the caller chooses to trust); null when the image carries none. */
export function trustDocumentOf(image: Uint8Array, crypto: Crypto): TrustDocument | null {
  const layout = parseLayout(bytesReader(image, crypto));
  if (!layout.ok) return null;
  const { hdrSize, imgSize } = layout.value.header;
  return decodeTrustDocument(image.subarray(hdrSize, hdrSize + imgSize));
}

export type TrustUpdate =
  | { ok: true; store: TrustStore; version: number }
  | { ok: false; reason: Reason; detail: string };

/** Verifies a trust-update image against the current store and counter and returns the store it
 *  makes. Applying it (storing the document, then advancing the `trust` counter) is the
 *  caller's, so that a power cut between the two only repeats an update, never loses one. */
export function applyTrustUpdate(r: ImageReader, crypto: Crypto, current: TrustStore, trustCounter: number): TrustUpdate {
  const v = verifyImage(r, crypto, { trust: current, minSecurityCounter: trustCounter });
  if (!v.ok) return v;
  const version = v.image.securityCounter;
  if (version === null) return { ok: false, reason: 'trust.version', detail: 'a trust update must carry a SEC_CNT (its version)' };
  if (version <= trustCounter) return { ok: false, reason: 'trust.stale', detail: `version ${version} is not newer than the device's ${trustCounter}` };
  const { hdrSize, imgSize } = v.image.header;
  if (imgSize > MAX_TRUST_DOCUMENT) return { ok: false, reason: 'trust.document', detail: `document of ${imgSize} bytes` };
  const doc = decodeTrustDocument(r.read(hdrSize, imgSize));
  if (!doc) return { ok: false, reason: 'trust.document', detail: 'the payload is not a trust document' };
  if (doc.version !== version) return { ok: false, reason: 'trust.version', detail: `document version ${doc.version} differs from SEC_CNT ${version}` };
  const keys: TrustedKey[] = [];
  for (const spki of doc.keys) {
    const k = trustedKey(spki, crypto);
    if (!k) return { ok: false, reason: 'trust.document', detail: 'a key is not an Ed25519 or P-256 SubjectPublicKeyInfo' };
    keys.push(k);
  }
  const revoked = [...new Set([...current.revoked, ...doc.revoked.map(hex)])];
  return { ok: true, version, store: { keys: keys.filter((k) => !revoked.includes(k.id)), revoked } };
}

/** The trust document a device keeps in `secure` once it has applied an update: the keys of
 *  the list in force and every revocation seen so far, at the list's version. */
export function storedTrustDocument(store: TrustStore, version: number): Uint8Array {
  return encodeTrustDocument({ version, keys: store.keys.map((k) => k.spki), revoked: store.revoked.map(fromHex) });
}

export type DeviceTrust =
  | { ok: true; store: TrustStore; version: number }
  | { ok: false; reason: Reason; detail: string };

/** The trust store a device is bound by: the stored document when an update has been applied
 *  (it must carry the version the `trust` counter holds, or `secure` is not what this code
 *  wrote — fail closed), else the keys provisioning wrote. Pure, so boot and tools agree. */
export function deviceTrust(initial: readonly Uint8Array[], stored: Uint8Array | null, counter: number, crypto: Crypto): DeviceTrust {
  if (stored === null) {
    const keys = initial.map((spki) => trustedKey(spki, crypto)).filter((k): k is TrustedKey => k !== null);
    if (keys.length === 0) return { ok: false, reason: 'trust.document', detail: 'secure holds no usable trust key' };
    return { ok: true, store: { keys, revoked: [] }, version: counter };
  }
  const doc = decodeTrustDocument(stored);
  if (!doc) return { ok: false, reason: 'trust.document', detail: 'the stored trust document is malformed' };
  if (doc.version !== counter) return { ok: false, reason: 'trust.version', detail: `stored trust list version ${doc.version}, trust counter ${counter}` };
  const keys: TrustedKey[] = [];
  for (const spki of doc.keys) {
    const k = trustedKey(spki, crypto);
    if (!k) return { ok: false, reason: 'trust.document', detail: 'a stored key is not Ed25519 or P-256' };
    keys.push(k);
  }
  const revoked = doc.revoked.map(hex);
  return { ok: true, version: doc.version, store: { keys: keys.filter((k) => !revoked.includes(k.id)), revoked } };
}
