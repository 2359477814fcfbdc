// The appraisal result as an EAR (draft-ietf-rats-ear, JSON serialisation): eat_profile, iat,
// ear.verifier-id, and one submodule per device with ear.status, the AR4SI trustworthiness
// vector (draft-ietf-rats-ar4si §2.3), ear.appraisal-policy-id and our findings as a private
// extension. The mapping of findings onto the vector is written down in docs/policy.md.
import { worst, type Finding } from './findings.ts';

export const EAR_PROFILE = 'tag:github.com,2023:veraison/ear';
export const VERIFIER_ID = { developer: 'https://zorgwacht.nl', build: 'zorgwacht-verifier 0.1.0' } as const;

export type EarStatus = 'affirming' | 'warning' | 'contraindicated';

/** AR4SI trustworthiness claims and the values this verifier uses (ar4si §2.3). */
export const TV = {
  NO_CLAIM: 0, UNEXPECTED_EVIDENCE: 1, CRYPTO_FAILED: 99,
  TRUSTWORTHY_INSTANCE: 2, UNTRUSTWORTHY_INSTANCE: 96, UNRECOGNIZED_INSTANCE: 97,
  SAFE_CONFIG: 3, UNSAFE_CONFIG: 32, UNAVAILABLE_CONFIG: 36, UNSUPPORTABLE_CONFIG: 96,
  APPROVED_RUNTIME: 2, UNSAFE_RUNTIME: 32, UNRECOGNIZED_RUNTIME: 33, CONTRAINDICATED_RUNTIME: 96,
  APPROVED_FILES: 2, UNRECOGNIZED_FILES: 32, CONTRAINDICATED_FILES: 96,
} as const;

export interface TrustVector {
  'instance-identity': number;
  configuration: number;
  executables: number;
  'file-system': number;
  hardware: number;
  'runtime-opaque': number;
  'storage-opaque': number;
  'sourced-data': number;
}

export interface Ear {
  eat_profile: string;
  iat: number;
  'ear.verifier-id': typeof VERIFIER_ID;
  eat_nonce?: string;
  submods: Record<string, {
    'ear.status': EarStatus;
    'ear.trustworthiness-vector': TrustVector;
    'ear.appraisal-policy-id': string;
    'zw.findings': Finding[];
    'zw.fresh': boolean;
  }>;
}

const has = (fs: readonly Finding[], id: string, sev?: Finding['severity']) => fs.some((f) => f.id === id && (!sev || f.severity === sev));
const worstOf = (...vals: number[]) => Math.max(...vals);

function instance(fs: readonly Finding[], verified: boolean): number {
  if (has(fs, 'device.unknown')) return TV.UNRECOGNIZED_INSTANCE;
  if (has(fs, 'device.mismatch')) return TV.UNTRUSTWORTHY_INSTANCE;
  if (has(fs, 'token.signature')) return TV.CRYPTO_FAILED;
  return verified ? TV.TRUSTWORTHY_INSTANCE : TV.UNEXPECTED_EVIDENCE;
}

function configuration(fs: readonly Finding[]): number {
  const posture = fs.filter((f) => f.id.startsWith('posture.') && f.id !== 'posture.sbom.absent' && f.severity !== 'info');
  let v: number = TV.SAFE_CONFIG;
  if (posture.some((f) => f.severity === 'warning')) v = TV.UNSAFE_CONFIG;
  if (posture.some((f) => f.severity === 'contraindicated')) v = TV.UNSUPPORTABLE_CONFIG;
  if (v === TV.SAFE_CONFIG && has(fs, 'posture.sbom.absent') && !has(fs, 'posture.sbom.absent', 'info')) v = TV.UNAVAILABLE_CONFIG;
  return v;
}

function executables(fs: readonly Finding[]): number {
  const v: number[] = [TV.APPROVED_RUNTIME];
  if (fs.some((f) => f.id === 'sw.version.old' && f.severity !== 'info')) v.push(TV.UNSAFE_RUNTIME);
  if (has(fs, 'sw.reference.unknown') || has(fs, 'sw.agent.absent')) v.push(TV.UNRECOGNIZED_RUNTIME);
  if (has(fs, 'sw.signer.unapproved')) v.push(TV.CONTRAINDICATED_RUNTIME);
  return worstOf(...v);
}

function fileSystem(fs: readonly Finding[]): number {
  if (has(fs, 'sw.slot.refused', 'contraindicated')) return TV.CONTRAINDICATED_FILES;
  return has(fs, 'sw.slot.refused') ? TV.UNRECOGNIZED_FILES : TV.APPROVED_FILES;
}

/** The vector: only instance-identity speaks when the token itself did not verify. */
export function trustVector(fs: readonly Finding[], verified: boolean): TrustVector {
  const tv: TrustVector = {
    'instance-identity': instance(fs, verified), configuration: TV.NO_CLAIM, executables: TV.NO_CLAIM, 'file-system': TV.NO_CLAIM,
    // No hardware root of trust is attested (secure is plain flash in the simulator; DESIGN.md
    // "Threat model"), nor memory or storage opacity, nor data from other attesters.
    hardware: TV.NO_CLAIM, 'runtime-opaque': TV.NO_CLAIM, 'storage-opaque': TV.NO_CLAIM, 'sourced-data': TV.NO_CLAIM,
  };
  if (!verified) return tv;
  return { ...tv, configuration: configuration(fs), executables: executables(fs), 'file-system': fileSystem(fs) };
}

/** Affirming only for a verified token whose worst finding is info; else the worst finding. */
export function earStatus(fs: readonly Finding[], verified: boolean): EarStatus {
  const w = worst(fs);
  if (!verified || w === 'contraindicated') return 'contraindicated';
  return w === 'warning' ? 'warning' : 'affirming';
}

export function makeEar(a: { deviceId: string; findings: Finding[]; verified: boolean; fresh: boolean; policyId: string; now: number; nonce?: Uint8Array | undefined }): Ear {
  const ear: Ear = {
    eat_profile: EAR_PROFILE,
    iat: Math.floor(a.now / 1000),
    'ear.verifier-id': VERIFIER_ID,
    submods: {
      [a.deviceId]: {
        'ear.status': earStatus(a.findings, a.verified),
        'ear.trustworthiness-vector': trustVector(a.findings, a.verified),
        'ear.appraisal-policy-id': a.policyId,
        'zw.findings': a.findings,
        'zw.fresh': a.fresh,
      },
    },
  };
  if (a.nonce) ear.eat_nonce = Buffer.from(a.nonce).toString('base64url');
  return ear;
}
