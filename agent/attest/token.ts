// The attestation token (docs/eat-profile.md): the claims of claims.ts as the payload of a
// COSE_Sign1 signed by the device's `attest` key inside the KeyStore. Every refusal is a value
// with a reason code (attest.*); nothing oversized or outside the profile is ever signed.
import { CborMap, encodeCbor } from '../../bootloader-verify/cbor.ts';
import { reasonOf } from '../../hardware/errors.ts';
import type { Ports } from '../../hardware/ports.ts';
import type { Reason } from '../../hardware/reasons.ts';
import { checkClaims, claimsMap, type ClaimsInput, type Refusal } from './claims.ts';
import { ALG_EDDSA, encodeSign1, HEADER, sign1Length, type Sign1Message } from './cose.ts';
import { MAX_TOKEN, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './limits.ts';

/** What the builder needs of the platform. */
export type TokenPorts = Pick<Ports, 'keys' | 'crypto' | 'clock'>;

/** The claims input; `iat` defaults to the device clock (used, never trusted). */
export type TokenInput = Omit<ClaimsInput, 'iat'> & { readonly iat?: number };

export type TokenResult = { ok: true; token: Uint8Array } | Refusal;

const refuse = (reason: Reason, detail: string): Refusal => ({ ok: false, reason, detail });
const UEID_LABEL = new TextEncoder().encode('zw-ueid-v1');
/** RFC 9711 §4.2.1: UEID type RAND. */
const UEID_RAND = 0x01;
const KID_BYTES = 16;

/** The key store's own refusals (a missing or unreadable key, an unprovisioned device). */
const keyFault = (e: unknown): boolean => /^(keystore|secure)\./.test(reasonOf(e) ?? '');

/** The attest public key, or why there is none usable. */
function attestKey(p: TokenPorts): { ok: true; publicKey: Uint8Array } | Refusal {
  try {
    return readAttestKey(p);
  } catch (e) {
    if (keyFault(e)) return refuse('attest.key', String(e));
    throw e;
  }
}

function readAttestKey(p: TokenPorts): { ok: true; publicKey: Uint8Array } | Refusal {
  if (!p.keys.has('attest')) return refuse('attest.key', 'secure holds no attest key');
  const alg = p.keys.algorithm('attest');
  if (alg !== 'ed25519') return refuse('attest.key', `the attest key is ${String(alg)}, not ed25519`);
  const publicKey = p.keys.publicKey('attest');
  if (publicKey.length !== PUBLIC_KEY_BYTES) return refuse('attest.key', `the attest public key is ${publicKey.length} bytes`);
  return { ok: true, publicKey };
}

/** ueid: type RAND followed by SHA-256("zw-ueid-v1" ‖ attest public key); 33 bytes. */
function ueidOf(p: TokenPorts, publicKey: Uint8Array): Uint8Array {
  const h = p.crypto.hash('sha256').update(UEID_LABEL).update(publicKey).digest();
  const ueid = new Uint8Array(1 + h.length);
  ueid[0] = UEID_RAND;
  ueid.set(h, 1);
  return ueid;
}

/** Signs through the KeyStore and checks the signature before it leaves the device: a fault
 *  during deterministic EdDSA signing can reveal the key, so a wrong signature is never sent. */
function signWith(p: TokenPorts, publicKey: Uint8Array, m: Sign1Message): TokenResult {
  let bad: string | null = null;
  const sign = (tbs: Uint8Array): Uint8Array => {
    const s = p.keys.sign('attest', tbs);
    if (s.length !== SIGNATURE_BYTES || !p.crypto.ed25519Verify(publicKey, tbs, s)) bad = 'the attest signature does not verify';
    return s;
  };
  try {
    const token = encodeSign1(m, sign);
    return bad === null ? { ok: true, token } : refuse('attest.key', bad);
  } catch (e) {
    if (keyFault(e)) return refuse('attest.key', `the key store refused to sign: ${String(e)}`);
    throw e;
  }
}

/** The signed token for `input`, or the reason it was refused. Throws only what the platform
 *  throws for its own faults (crypto.backend, flash.io); every bound is a refusal. */
export function makeToken(p: TokenPorts, input: TokenInput): TokenResult {
  const claimsInput: ClaimsInput = { ...input, iat: input.iat ?? Math.max(0, Math.floor(p.clock.wallMs() / 1000)) };
  const refused = checkClaims(claimsInput);
  if (refused) return refused;
  const key = attestKey(p);
  if (!key.ok) return key;
  const payload = encodeCbor(claimsMap(claimsInput, ueidOf(p, key.publicKey), (d) => p.crypto.sha256(d)));
  const m: Sign1Message = {
    protectedHeader: new CborMap([[HEADER.alg, ALG_EDDSA]]),
    unprotectedHeader: new CborMap([[HEADER.kid, p.crypto.sha256(key.publicKey).slice(0, KID_BYTES)]]),
    payload,
  };
  const size = sign1Length(m, SIGNATURE_BYTES);
  if (size > MAX_TOKEN) return refuse('attest.size', `the token would be ${size} bytes, at most ${MAX_TOKEN}`);
  return signWith(p, key.publicKey, m);
}
