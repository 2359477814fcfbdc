// Verify and appraise one token: the token (token.ts) with the device's enrolment record, then
// — only when it verified — freshness (freshness.ts), software components against the
// reference values (software.ts) and posture against the policy (posture.ts). Every finding is
// kept; the result is an EAR (ear.ts). Pure apart from the nonce check it is given.
import type { Claims } from './claims.ts';
import { makeEar, earStatus, type Ear, type EarStatus } from './ear.ts';
import type { Enrolment } from './enrolment.ts';
import { appraiseFreshness } from './freshness.ts';
import type { Finding } from './findings.ts';
import type { NonceCheck } from './nonces.ts';
import type { Policy } from './policy.ts';
import { appraisePosture } from './posture.ts';
import type { RefValues } from './refvalues.ts';
import { appraiseSoftware } from './software.ts';
import { verifyToken } from './token.ts';

export interface AppraisalContext {
  readonly policy: Policy;
  readonly refs: RefValues;
  /** Issued nonces; null when none are known (then a challenge answer is nonce.unchecked). */
  readonly nonces: NonceCheck | null;
}

export interface Appraisal {
  readonly deviceId: string;
  readonly status: EarStatus;
  readonly findings: readonly Finding[];
  /** The signature verified with the enrolment key and the token names its device. */
  readonly verified: boolean;
  /** An answer to this verifier's challenge, within its window, used once. */
  readonly fresh: boolean;
  readonly claims: Claims | null;
  readonly ear: Ear;
}

/**
 * Appraises `token`, received for `deviceId` (from its topic zw/v1/<id>/attest, or the caller),
 * with that device's enrolment record (null if unknown). `now` is the verifier's clock in ms.
 */
export function appraiseToken(token: Uint8Array, deviceId: string, enrolment: Enrolment | null, ctx: AppraisalContext, now: number): Appraisal {
  const t = verifyToken(token, deviceId, enrolment);
  const findings: Finding[] = [...t.findings];
  let fresh = false;
  if (t.verified && t.claims) {
    const f = appraiseFreshness(t.claims, deviceId, ctx.nonces, ctx.policy, now);
    fresh = f.fresh;
    findings.push(...f.findings, ...appraiseSoftware(t.claims.components, ctx.refs, ctx.policy), ...appraisePosture(t.claims, ctx.policy));
  }
  const ear = makeEar({ deviceId, findings, verified: t.verified, fresh, policyId: ctx.policy.id, now, nonce: t.verified ? t.claims?.nonce : undefined });
  return { deviceId, status: earStatus(findings, t.verified), findings, verified: t.verified, fresh, claims: t.verified ? t.claims : null, ear };
}
