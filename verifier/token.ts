// Verifies one attestation token for one device: the envelope (cose.ts) with the attest key
// from the device's enrolment record — never a key from the token —, the claims (claims.ts),
// and that the token speaks for the device it arrived for (its topic or enrolment record).
// All findings are collected; `verified` is granted in one place, after every proof.
import { decodeStrict, explainCbor } from './cbor.ts';
import { readClaims, type Claims } from './claims.ts';
import { openEnvelope } from './cose.ts';
import type { Enrolment } from './enrolment.ts';
import { finding, type Finding } from './findings.ts';

export interface TokenCheck {
  readonly findings: Finding[];
  /** The claims, when the payload is a well-formed claims set (signed or not: see verified). */
  readonly claims: Claims | null;
  /** True only when the signature verified with the enrolment key, the claims are well formed
   *  and the token names the device it came for. */
  readonly verified: boolean;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function bindDevice(claims: Claims, deviceId: string, enrolment: Enrolment, out: Finding[]): boolean {
  let ok = true;
  if (claims.device !== deviceId) {
    out.push(finding('device.mismatch', 'contraindicated', `the token says it comes from ${JSON.stringify(claims.device)}, but it arrived for ${deviceId}`, { token: claims.device, expected: deviceId }));
    ok = false;
  }
  if (!same(claims.ueid, enrolment.ueid)) {
    out.push(finding('device.mismatch', 'contraindicated', `the token's ueid is not the one derived from ${enrolment.deviceId}'s attest key`));
    ok = false;
  }
  return ok;
}

/**
 * Verifies `token` as evidence from `deviceId`. `enrolment` is that device's enrolment record
 * (null when none is known: device.unknown). The token's bytes are bounded before decoding.
 */
export function verifyToken(token: Uint8Array, deviceId: string, enrolment: Enrolment | null): TokenCheck {
  const out: Finding[] = [];
  if (!enrolment) out.push(finding('device.unknown', 'contraindicated', `no enrolment record is known for ${deviceId}: its tokens cannot be verified`));
  let enrolled = enrolment !== null;
  if (enrolment && enrolment.deviceId !== deviceId) {
    out.push(finding('device.mismatch', 'contraindicated', `the enrolment record given is for ${enrolment.deviceId}, not ${deviceId}`, { enrolment: enrolment.deviceId, expected: deviceId }));
    enrolled = false;
  }
  const env = openEnvelope(token, enrolment?.key ?? null, enrolment?.kid ?? null);
  out.push(...env.findings);
  if (!env.payload) return { findings: out, claims: null, verified: false };
  const d = decodeStrict(env.payload);
  if (!d.ok) {
    out.push(finding('token.cbor', 'contraindicated', `the payload is refused: ${explainCbor(d.detail)}`, { detail: d.detail }));
    return { findings: out, claims: null, verified: false };
  }
  const claims = readClaims(d.value, out);
  const bound = claims !== null && enrolment !== null && bindDevice(claims, deviceId, enrolment, out);
  const clean = !out.some((f) => f.severity === 'contraindicated');
  return { findings: out, claims, verified: env.signatureValid && enrolled && bound && clean };
}
