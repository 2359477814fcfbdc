// COSE_Sign1 (RFC 9052 §4.2) as the Zorgwacht EAT profile uses it (docs/eat-profile.md
// §Envelope): tag 18, protected header exactly {1: -8} (EdDSA), unprotected {4: kid}, payload
// bstr, 64-byte Ed25519 signature. Every problem is a finding; the caller learns whether the
// signature verified with the enrolment key, and gets the payload bytes to decode.
import { verify, type KeyObject } from 'node:crypto';
import { decodeStrict, explainCbor, Tag } from './cbor.ts';
import { finding, type Finding } from './findings.ts';
import { MAX_TOKEN } from './limits.ts';

/** RFC 9052 §4.2 / RFC 9360: COSE_Sign1 tag; §3.1 header labels; RFC 9053 §2.2 EdDSA. */
export const COSE_SIGN1_TAG = 18;
const ALG = 1;
const KID = 4;
const EDDSA = -8;
/** The only protected header the profile allows: bstr .cbor {1: -8}. */
export const PROTECTED_EDDSA = Uint8Array.of(0xa1, 0x01, 0x27);

export interface Envelope {
  readonly findings: Finding[];
  /** The payload bytes when the envelope had them (verified or not). */
  readonly payload: Uint8Array | null;
  /** True only when the Ed25519 signature over the Sig_structure verified with `key`. */
  readonly signatureValid: boolean;
}

const bad = (id: Finding['id'], reason: string, context?: Finding['context']) => finding(id, 'contraindicated', reason, context);

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Head of a CBOR byte string of `n` bytes (RFC 8949 §3.1, major type 2, shortest form). */
function bstrHead(n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x40 | n);
  if (n < 0x100) return Uint8Array.of(0x58, n);
  if (n < 0x10000) return Uint8Array.of(0x59, n >> 8, n & 0xff);
  return Uint8Array.of(0x5a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** array(4), tstr "Signature1", and the empty external_aad come between the two byte strings. */
const SIG1_PREFIX = Uint8Array.of(0x84, 0x6a, ...new TextEncoder().encode('Signature1'));

/**
 * RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad (h''), payload],
 * in deterministic CBOR. Written directly (it is four items with fixed shapes) because it is
 * built for every token; the test suite checks it against cbor2's encoding.
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return Buffer.concat([SIG1_PREFIX, bstrHead(protectedBytes.length), protectedBytes, Uint8Array.of(0x40), bstrHead(payload.length), payload]);
}

function checkProtected(p: Uint8Array, out: Finding[]): void {
  if (same(p, PROTECTED_EDDSA)) return;
  const d = decodeStrict(p, 2);
  if (!d.ok || !(d.value instanceof Map)) {
    out.push(bad('token.header', `the protected header is not a CBOR map: ${d.ok ? 'another type' : explainCbor(d.detail)}`));
    return;
  }
  const alg = d.value.get(ALG);
  if (alg !== EDDSA) out.push(bad('token.alg', `the protected header names algorithm ${alg === undefined ? '(none)' : String(alg)}, not EdDSA (-8)`));
  const extra = [...d.value.keys()].filter((k) => k !== ALG).map(String);
  if (extra.length) out.push(bad('token.header', 'the protected header holds more than the algorithm', { labels: extra }));
}

function checkUnprotected(u: unknown, kid: Uint8Array | null, out: Finding[]): void {
  if (!(u instanceof Map)) {
    out.push(bad('token.cose', 'the unprotected header is not a map'));
    return;
  }
  const extra = [...u.keys()].filter((k) => k !== KID).map(String);
  if (extra.length) out.push(finding('token.header', 'warning', 'the unprotected header holds more than a kid', { labels: extra }));
  const k = u.get(KID);
  if (k !== undefined && (!(k instanceof Uint8Array) || (kid !== null && !same(k, kid)))) {
    out.push(finding('token.header', 'warning', 'the kid does not name the attest key in the enrolment record'));
  }
}

/** Size bound, strict decode, tag, structure, headers and signature of one token. */
export function openEnvelope(token: Uint8Array, key: KeyObject | null, kid: Uint8Array | null): Envelope {
  const out: Finding[] = [];
  if (token.length === 0 || token.length > MAX_TOKEN) {
    out.push(bad('token.size', `the token has ${token.length} bytes; the profile allows 1..${MAX_TOKEN}`, { bytes: token.length }));
    return { findings: out, payload: null, signatureValid: false };
  }
  const d = decodeStrict(token);
  if (!d.ok) {
    out.push(bad('token.cbor', `the token is refused: ${explainCbor(d.detail)}`, { detail: d.detail }));
    return { findings: out, payload: null, signatureValid: false };
  }
  let body = d.value;
  if (body instanceof Tag) {
    if (body.tag !== COSE_SIGN1_TAG) out.push(bad('token.tag', `the token carries CBOR tag ${String(body.tag)}, not 18 (COSE_Sign1)`));
    body = body.contents;
  } else {
    out.push(bad('token.tag', 'the token has no CBOR tag; the profile requires tag 18 (COSE_Sign1)'));
  }
  if (!Array.isArray(body) || body.length !== 4) {
    out.push(bad('token.cose', 'the token is not a COSE_Sign1 array of four items'));
    return { findings: out, payload: null, signatureValid: false };
  }
  const [prot, unprot, payload, sig] = body as unknown[];
  if (prot instanceof Uint8Array) checkProtected(prot, out);
  else out.push(bad('token.cose', 'the protected header is not a byte string'));
  checkUnprotected(unprot, kid, out);
  if (!(payload instanceof Uint8Array)) out.push(bad('token.cose', 'the payload is not a byte string (detached payloads are not used)'));
  if (!(sig instanceof Uint8Array) || sig.length !== 64) out.push(bad('token.cose', 'the signature is not a 64-byte byte string'));
  let signatureValid = false;
  if (key && prot instanceof Uint8Array && payload instanceof Uint8Array && sig instanceof Uint8Array && sig.length === 64) {
    signatureValid = verify(null, sigStructure(prot, payload), key, sig);
    if (!signatureValid) out.push(bad('token.signature', 'the signature does not verify with the attest key in the enrolment record: the token was not made by this device or was altered'));
  }
  return { findings: out, payload: payload instanceof Uint8Array ? payload : null, signatureValid };
}
