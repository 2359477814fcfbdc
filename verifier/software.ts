// Appraisal of the software components of a verified token (RFC 9783 components, one per
// measurement-log record) against the manufacturer's reference values and the hospital policy.
import type { Component } from './claims.ts';
import { finding, type Finding } from './findings.ts';
import type { Policy } from './policy.ts';
import { IMAGE_TYPES, type ImageType, type Reference, type RefValues } from './refvalues.ts';
import { compareVersions, parseVersion } from './version.ts';

/** Refusals that point at an attack or tampering rather than an empty or damaged slot. */
const SECURITY_REFUSALS = new Set(['image.sig.bad', 'image.sig.alg', 'image.key.unknown', 'image.key.revoked', 'image.hash', 'image.rollback', 'image.seccnt.unprotected', 'image.sig.none']);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Index { readonly signers: Map<ImageType, Set<string>>; readonly byDigest: Map<string, Reference> }
const INDEX = new WeakMap<RefValues, Index>();

/** Signer ids per type and references by type and digest, built once per document. */
function indexOf(refs: RefValues): Index {
  let ix = INDEX.get(refs);
  if (!ix) {
    ix = { signers: new Map(IMAGE_TYPES.map((t) => [t, new Set<string>()])), byDigest: new Map() };
    for (const r of refs.references) {
      ix.signers.get(r.type)!.add(hex(r.signer));
      ix.byDigest.set(`${r.type}:${hex(r.digest)}`, r);
    }
    INDEX.set(refs, ix);
  }
  return ix;
}

function refused(c: Component): Finding {
  const severe = SECURITY_REFUSALS.has(c.status);
  return finding('sw.slot.refused', severe ? 'contraindicated' : 'warning',
    `the gateway refused the ${c.type} image in ${c.slot} (${c.status})${severe ? ': someone may have tried to install an image that is not genuine' : ''}`,
    { slot: c.slot, status: c.status, type: c.type });
}

function checkVersion(c: Component, type: ImageType, refs: RefValues, policy: Policy, out: Finding[]): void {
  const min = policy.minimum[type];
  const counter = c.securityCounter ?? 0;
  const minCounter = Math.max(refs.minSecurityCounter[type], min.securityCounter);
  const sev = policy.severity['sw.version.old'];
  if (counter < minCounter) {
    out.push(finding('sw.version.old', sev, `the ${type} in ${c.slot} has security counter ${counter}, below the required ${minCounter}: it is an old release`, { slot: c.slot, securityCounter: counter, minimum: minCounter }));
  }
  const v = c.version === undefined ? null : parseVersion(c.version);
  if (min.version && (!v || compareVersions(v, min.version) < 0)) {
    out.push(finding('sw.version.old', sev, `the ${type} in ${c.slot} is version ${c.version ?? '(none)'}, below the hospital's minimum ${min.version.slice(0, 3).join('.')}+${min.version[3]}`, { slot: c.slot, version: c.version ?? '' }));
  }
}

function checkAccepted(c: Component, refs: RefValues, policy: Policy, out: Finding[]): void {
  const type = (IMAGE_TYPES as readonly string[]).includes(c.type) ? (c.type as ImageType) : null;
  const ix = indexOf(refs);
  if (!c.signer || !type || !ix.signers.get(type)!.has(hex(c.signer))) {
    out.push(finding('sw.signer.unapproved', 'contraindicated', `the ${c.type} in ${c.slot} was signed by a key the manufacturer's reference values do not name for ${c.type} images`, { slot: c.slot, signer: c.signer ? hex(c.signer) : '(none)' }));
  }
  const ref = ix.byDigest.get(`${type}:${hex(c.digest)}`);
  if (!ref || ref.version !== c.version) {
    const why = ref ? `its measurement is known as version ${ref.version}, not ${c.version ?? '(none)'}` : 'its measurement is not a release the manufacturer lists';
    out.push(finding('sw.reference.unknown', 'contraindicated', `the ${c.type} in ${c.slot} is not a known release: ${why}`, { slot: c.slot, digest: hex(c.digest), version: c.version ?? '' }));
  }
  if (type) checkVersion(c, type, refs, policy, out);
}

/** Findings about the token's software components; none when all are known and current. */
export function appraiseSoftware(components: readonly Component[], refs: RefValues, policy: Policy): Finding[] {
  const out: Finding[] = [];
  for (const c of components) {
    // An erased slot is the normal state of the inactive A/B slot: nothing to appraise.
    if (c.status === 'slot.empty') continue;
    if (c.status !== 'accepted') out.push(refused(c));
    else checkAccepted(c, refs, policy, out);
  }
  if (!components.some((c) => c.type === 'agent' && c.status === 'accepted')) {
    out.push(finding('sw.agent.absent', 'contraindicated', 'the token lists no accepted agent image: the software that made it is not accounted for'));
  }
  return out;
}
