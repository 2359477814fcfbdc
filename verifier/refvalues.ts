// Manufacturer-signed reference values (docs/refvalues.md): a COSE_Sign1 (tag 18; EdDSA or
// ES256) over a deterministic CBOR document listing, per signed image, its type, SHA-256
// measurement, version, signer key hash and security counter, plus the manufacturer's minimum
// security counter per type. The signer's public key travels inside the signed document; the
// verifier accepts the document only when that key is one the hospital policy names.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ZwError } from '../hardware/errors.ts';
import type { Reason } from '../hardware/reasons.ts';
import { decodeStrict, encodeDeterministic, explainCbor, Tag } from './cbor.ts';
import { COSE_SIGN1_TAG, sigStructure } from './cose.ts';
import { MAX_DEPTH, MAX_REFERENCE_ENTRIES, MAX_REFVALUES } from './limits.ts';

export const REFVALUES_PROFILE = 'tag:zorgwacht.nl,2026:refvalues:v1';
export const IMAGE_TYPES = ['agent', 'firmware'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** One reference value: what a software component with this measurement must look like. */
export interface Reference {
  readonly type: ImageType;
  readonly digest: Uint8Array;
  readonly version: string;
  readonly signer: Uint8Array;
  readonly securityCounter: number;
}

export interface RefValues {
  readonly issued: number;
  readonly references: readonly Reference[];
  readonly minSecurityCounter: Readonly<Record<ImageType, number>>;
  /** The signer's DER SubjectPublicKeyInfo and its SHA-256 (hex), as a policy names it. */
  readonly signerSpki: Uint8Array;
  readonly signerKeyHash: string;
}

const DOC = { profile: 0, issued: 1, references: 2, minSecurityCounter: 3, signer: 4 } as const;
const REF = { type: 1, digest: 2, version: 4, signer: 5, desc: 6, securityCounter: -70103 } as const;
const ALGS = { ed25519: -8, p256: -7 } as const;

export const keyHash = (spki: Uint8Array): string => createHash('sha256').update(spki).digest('hex');

function algOf(key: KeyObject): keyof typeof ALGS {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'p256';
  throw new ZwError('sign.key', `a ${key.asymmetricKeyType} key cannot sign reference values (Ed25519 or P-256)`);
}

/** The signed document for `refs`, signed by `privateKey` (Ed25519 → EdDSA, P-256 → ES256). */
export function makeRefValues(refs: readonly Reference[], min: Readonly<Record<ImageType, number>>, privateKey: KeyObject, issued: number): Uint8Array {
  const alg = algOf(privateKey);
  const spki = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
  const doc = new Map<number, unknown>([
    [DOC.profile, REFVALUES_PROFILE],
    [DOC.issued, issued],
    [DOC.references, refs.map((r) => new Map<number, unknown>([
      [REF.type, r.type], [REF.digest, r.digest], [REF.version, r.version], [REF.signer, r.signer], [REF.desc, 'sha-256'], [REF.securityCounter, r.securityCounter],
    ]))],
    [DOC.minSecurityCounter, new Map(IMAGE_TYPES.map((t) => [t, min[t]]))],
    [DOC.signer, spki],
  ]);
  const payload = encodeDeterministic(doc);
  const prot = encodeDeterministic(new Map([[1, ALGS[alg]]]));
  const toSign = sigStructure(prot, payload);
  // RFC 9053 §2.1: ES256 signatures are r ‖ s (IEEE P1363), not DER.
  const sig = alg === 'ed25519' ? sign(null, toSign, privateKey) : sign('sha256', toSign, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const unprot = new Map([[4, new Uint8Array(Buffer.from(keyHash(spki), 'hex'))]]);
  return encodeDeterministic(new Tag(COSE_SIGN1_TAG, [prot, unprot, payload, new Uint8Array(sig)]));
}

export type RefCheck = { ok: true; refs: RefValues } | { ok: false; reason: Reason; detail: string };
const no = (reason: Reason, detail: string): RefCheck => ({ ok: false, reason, detail });

function readReference(m: unknown): Reference | null {
  if (!(m instanceof Map)) return null;
  const type = m.get(REF.type), digest = m.get(REF.digest), version = m.get(REF.version), signer = m.get(REF.signer), sc = m.get(REF.securityCounter);
  if (!IMAGE_TYPES.includes(type) || !(digest instanceof Uint8Array) || digest.length !== 32 || typeof version !== 'string' || version.length > 64) return null;
  if (!(signer instanceof Uint8Array) || signer.length !== 32 || typeof sc !== 'number' || !Number.isInteger(sc) || sc < 0 || sc > 0xffffffff) return null;
  if (m.get(REF.desc) !== 'sha-256' || m.size !== 6) return null;
  return { type, digest, version, signer, securityCounter: sc };
}

function readDocument(payload: Uint8Array): { doc: Omit<RefValues, 'signerKeyHash'> } | { detail: string } {
  const d = decodeStrict(payload, MAX_DEPTH);
  if (!d.ok) return { detail: `the document is not deterministic CBOR: ${explainCbor(d.detail)}` };
  const m = d.value;
  if (!(m instanceof Map) || m.get(DOC.profile) !== REFVALUES_PROFILE) return { detail: `the document does not name ${REFVALUES_PROFILE}` };
  const issued = m.get(DOC.issued), list = m.get(DOC.references), min = m.get(DOC.minSecurityCounter), spki = m.get(DOC.signer);
  if (typeof issued !== 'number' || !Array.isArray(list) || list.length > MAX_REFERENCE_ENTRIES || !(min instanceof Map) || !(spki instanceof Uint8Array)) {
    return { detail: 'the document lacks issued, references, minimum security counters or the signer key' };
  }
  const references = list.map(readReference);
  if (references.some((r) => r === null)) return { detail: 'a reference entry is malformed' };
  const counters = IMAGE_TYPES.map((t) => min.get(t));
  if (min.size !== IMAGE_TYPES.length || !counters.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= 0xffffffff)) return { detail: 'the minimum security counters are malformed' };
  const minSecurityCounter = Object.fromEntries(IMAGE_TYPES.map((t, i) => [t, counters[i] as number])) as Record<ImageType, number>;
  return { doc: { issued, references: references as Reference[], minSecurityCounter, signerSpki: spki } };
}

function verifyWith(spki: Uint8Array, alg: unknown, toSign: Uint8Array, sig: Uint8Array): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return false;
  }
  if (alg === ALGS.ed25519 && key.asymmetricKeyType === 'ed25519') return verify(null, toSign, key, sig);
  if (alg === ALGS.p256 && key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return verify('sha256', toSign, { key, dsaEncoding: 'ieee-p1363' }, sig);
  return false;
}

/**
 * Checks a reference-value document: format, signature, and a signer `approved` names (key
 * hashes, hex). 'any-signer' skips only the last check (zw refvalues show without signers).
 */
export function openRefValues(bytes: Uint8Array, approved: readonly string[] | 'any-signer'): RefCheck {
  if (bytes.length === 0 || bytes.length > MAX_REFVALUES) return no('refvalues.format', `${bytes.length} bytes; at most ${MAX_REFVALUES}`);
  const d = decodeStrict(bytes, MAX_DEPTH);
  if (!d.ok) return no('refvalues.format', `not deterministic CBOR: ${explainCbor(d.detail)}`);
  const t = d.value;
  if (!(t instanceof Tag) || t.tag !== COSE_SIGN1_TAG || !Array.isArray(t.contents) || t.contents.length !== 4) return no('refvalues.format', 'not a COSE_Sign1 (tag 18)');
  const [prot, , payload, sig] = t.contents as unknown[];
  if (!(prot instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(sig instanceof Uint8Array)) return no('refvalues.format', 'the COSE_Sign1 items have the wrong types');
  const h = decodeStrict(prot, 1);
  if (!h.ok || !(h.value instanceof Map) || h.value.size !== 1) return no('refvalues.format', 'the protected header is not exactly {1: alg}');
  const r = readDocument(payload);
  if ('detail' in r) return no('refvalues.format', r.detail);
  if (!verifyWith(r.doc.signerSpki, h.value.get(1), sigStructure(prot, payload), sig)) return no('refvalues.signature', 'the signature does not verify with the signer key the document names');
  const signerKeyHash = keyHash(r.doc.signerSpki);
  if (approved !== 'any-signer' && !approved.includes(signerKeyHash)) return no('refvalues.signer', `signer ${signerKeyHash} is not among the reference-value signers the policy accepts`);
  return { ok: true, refs: { ...r.doc, signerKeyHash } };
}
