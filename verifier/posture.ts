// Appraisal of the posture claims (docs/eat-profile.md §Posture map) against the hospital
// policy: listening ports beyond those it allows, default credentials, debug interfaces, a
// missing SBOM. How severe each is comes from the policy (policy.ts ADJUSTABLE).
import type { Claims } from './claims.ts';
import { finding, type Finding } from './findings.ts';
import type { Policy } from './policy.ts';

export function appraisePosture(claims: Claims, policy: Policy): Finding[] {
  const out: Finding[] = [];
  const p = claims.posture;
  const sev = policy.severity;
  const open = p.listening.filter((l) => !policy.allowedListening.has(l));
  if (open.length) {
    out.push(finding('posture.listening', sev['posture.listening'], `the gateway listens on ${open.length} port(s) neither its allow-list nor the hospital policy allows: ${open.join(', ')}`, { ports: open }));
  }
  if (p.defaultCredentials.length) {
    out.push(finding('posture.credentials.default', sev['posture.credentials.default'], `accounts with a default, vendor or empty password: ${p.defaultCredentials.join(', ')}`, { accounts: p.defaultCredentials }));
  }
  if (p.debug.length || claims.dbgstat === 0) {
    const what = p.debug.length ? p.debug.join(', ') : 'dbgstat says debug is enabled';
    out.push(finding('posture.debug', sev['posture.debug'], `debug interfaces are enabled: ${what}`, { interfaces: p.debug }));
  }
  if (!p.sbom) out.push(finding('posture.sbom.absent', sev['posture.sbom.absent'], 'the gateway reports no SBOM, so its components cannot be checked against vulnerability feeds'));
  return out;
}
