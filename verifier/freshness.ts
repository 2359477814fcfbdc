// Freshness of a verified token (docs/eat-profile.md §Freshness). An answer to a challenge
// (zw-freshness 0) uses its nonce once, within the window; an unsolicited token (1: quotes the
// last nonce the device answered, 2: no nonce) is appraised but marked as not fresh. Called only
// after the signature verified, so a forged token cannot use up a nonce.
import type { Claims } from './claims.ts';
import { finding, type Finding } from './findings.ts';
import type { NonceCheck } from './nonces.ts';
import type { Policy } from './policy.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** `nonces` null: no record of issued nonces (zw attest verify without --nonce). */
export function appraiseFreshness(claims: Claims, deviceId: string, nonces: NonceCheck | null, policy: Policy, now: number): { findings: Finding[]; fresh: boolean } {
  const out: Finding[] = [];
  const nonce = claims.nonce;
  if (claims.freshness === 0 && nonce) {
    if (!nonces) {
      out.push(finding('nonce.unchecked', 'warning', 'the token answers a challenge, but no issued nonce was given to check it against: it may be a replay', { nonce: hex(nonce) }));
      return { findings: out, fresh: false };
    }
    const v = nonces.consume(deviceId, nonce, now);
    if (v === 'unknown') out.push(finding('nonce.unknown', 'contraindicated', `the token answers a challenge this verifier never sent to ${deviceId}`, { nonce: hex(nonce) }));
    if (v === 'replayed') out.push(finding('nonce.replayed', 'contraindicated', 'the challenge was already answered: this token is a replay or a duplicate', { nonce: hex(nonce) }));
    if (v === 'stale') out.push(finding('nonce.stale', 'contraindicated', `the answer came after the freshness window of ${policy.freshnessMs / 1000} s`, { nonce: hex(nonce) }));
    return { findings: out, fresh: v === 'fresh' };
  }
  if (nonce && nonces && !nonces.issued(deviceId, nonce)) {
    out.push(finding('nonce.unknown', 'contraindicated', `the token quotes a challenge this verifier never sent to ${deviceId}`, { nonce: hex(nonce) }));
  }
  const why = claims.trigger === 1 ? 'sent at boot' : claims.trigger === 2 ? 'sent after a posture change' : 'not an answer to a challenge';
  out.push(finding('freshness.unsolicited', policy.severity['freshness.unsolicited'], `unsolicited token (${why}): it shows the gateway's state when it was made, not now`, { bootSeq: claims.bootSeq }));
  return { findings: out, fresh: false };
}
