// The claims set of a Zorgwacht token (docs/eat-profile.md §Claims), read from the decoded
// payload map with every type and limit checked. A missing or mistyped claim is a token.claims
// finding naming the claim; reading goes on, so that one token shows all its problems.
import { finding, type Finding } from './findings.ts';
import { MapReader } from './claim-reader.ts';
import { MAX_COMPONENTS, MAX_TSTR, NONCE_MAX, NONCE_MIN } from './limits.ts';
import { readPosture, type Posture } from './posture-claims.ts';

export const PROFILE_V1 = 'tag:zorgwacht.nl,2026:eat-profile:v1';

/** Claim keys (RFC 9711, RFC 8392, RFC 9783 and the profile's private keys). */
export const CLAIM = {
  profile: 265, nonce: 10, ueid: 256, iat: 6, swname: 270, swversion: 271, dbgstat: 263, oemid: 258,
  hwmodel: 259, components: 2399, device: -70001, trigger: -70002, freshness: -70003, posture: -70004, bootSeq: -70005,
} as const;
const COMPONENT = { type: 1, value: 2, version: 4, signer: 5, desc: 6, slot: -70101, status: -70102, securityCounter: -70103 } as const;

export interface Component {
  readonly type: string;
  readonly digest: Uint8Array;
  readonly version?: string;
  readonly signer?: Uint8Array;
  readonly slot: string;
  readonly status: string;
  readonly securityCounter?: number;
}

export interface Claims {
  readonly profile: string;
  readonly nonce?: Uint8Array;
  readonly ueid: Uint8Array;
  readonly iat: number;
  readonly swversion: string;
  readonly dbgstat: number;
  readonly components: readonly Component[];
  readonly device: string;
  readonly trigger: number;
  readonly freshness: number;
  readonly posture: Posture;
  readonly bootSeq: number;
}

function readComponent(v: unknown, i: number, out: Finding[]): Component | undefined {
  if (!(v instanceof Map)) {
    out.push(finding('token.claims', 'contraindicated', `sw-components[${i}] is not a map`, { claim: `sw-components[${i}]` }));
    return undefined;
  }
  const r = new MapReader(v, `sw-components[${i}].`, out);
  const type = r.tstr(COMPONENT.type, 'measurement-type');
  const digest = r.bstr(COMPONENT.value, 'measurement-value', 0, 64);
  const version = r.tstr(COMPONENT.version, 'version', false);
  const signer = r.bstr(COMPONENT.signer, 'signer-id', 32, 32, false);
  const desc = r.tstr(COMPONENT.desc, 'measurement-desc');
  const slot = r.tstr(COMPONENT.slot, 'zw-slot');
  const status = r.tstr(COMPONENT.status, 'zw-status');
  const securityCounter = r.uint(COMPONENT.securityCounter, 'zw-security-counter', false);
  r.unknownKeys(Object.values(COMPONENT));
  // docs/eat-profile.md: the image's own hash (MCUboot SHA-256 or SHA-512 TLV); h'' for an image refused unread.
  const wanted = desc === 'sha-256' ? 32 : desc === 'sha-512' ? 64 : -1;
  if (desc !== undefined && (wanted < 0 || (digest !== undefined && digest.length !== 0 && digest.length !== wanted))) {
    out.push(finding('token.claims', 'contraindicated', `sw-components[${i}].measurement-desc is ${JSON.stringify(desc)} with a ${digest?.length ?? 0}-byte value: not "sha-256" (32) or "sha-512" (64)`, { claim: 'measurement-desc' }));
  }
  if (type === undefined || digest === undefined || slot === undefined || status === undefined) return undefined;
  return { type, digest, slot, status, ...(version !== undefined && { version }), ...(signer && { signer }), ...(securityCounter !== undefined && { securityCounter }) };
}

function readComponents(v: unknown, out: Finding[]): Component[] {
  if (!Array.isArray(v) || v.length > MAX_COMPONENTS) {
    out.push(finding('token.claims', 'contraindicated', `sw-components is ${v === undefined ? 'missing' : `not an array of at most ${MAX_COMPONENTS} components`}`, { claim: 'sw-components' }));
    return [];
  }
  return v.map((c, i) => readComponent(c, i, out)).filter((c): c is Component => c !== undefined);
}

/** RFC 9393 §4.1 version-scheme semver: MCUboot versions read `1.2.3+4`. */
const VERSION_SCHEME_SEMVER = 16384;

function readSwversion(v: unknown, out: Finding[]): string | undefined {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Buffer.byteLength(v[0]) <= MAX_TSTR && v[1] === VERSION_SCHEME_SEMVER) return v[0];
  out.push(finding('token.claims', 'contraindicated', `swversion ${v === undefined ? 'is missing' : 'is not [version text, 16384 (semver)]'}`, { claim: 'swversion' }));
  return undefined;
}

/** Reads the claims map; returns the claims only when every required claim is well formed. */
export function readClaims(payload: unknown, out: Finding[]): Claims | null {
  if (!(payload instanceof Map)) {
    out.push(finding('token.claims', 'contraindicated', 'the payload is not a claims map', { claim: 'payload' }));
    return null;
  }
  const before = out.length;
  const r = new MapReader(payload, '', out);
  const profile = r.tstr(CLAIM.profile, 'eat_profile');
  if (profile !== undefined && profile !== PROFILE_V1) out.push(finding('token.profile', 'contraindicated', `the token follows profile ${JSON.stringify(profile)}, not ${PROFILE_V1}`));
  const nonce = r.bstr(CLAIM.nonce, 'eat_nonce', NONCE_MIN, NONCE_MAX, false);
  const ueid = r.bstr(CLAIM.ueid, 'ueid', 33, 33);
  const iat = r.uint(CLAIM.iat, 'iat');
  const swname = r.tstr(CLAIM.swname, 'swname');
  if (swname !== undefined && swname !== 'zorgwacht-agent') out.push(finding('token.claims', 'contraindicated', `swname is ${JSON.stringify(swname)}, not "zorgwacht-agent"`, { claim: 'swname' }));
  const swversion = readSwversion(payload.get(CLAIM.swversion), out);
  const dbgstat = r.uint(CLAIM.dbgstat, 'dbgstat');
  r.bstr(CLAIM.oemid, 'oemid', 3, 3, false);
  r.bstr(CLAIM.hwmodel, 'hwmodel', 1, 32, false);
  const components = readComponents(payload.get(CLAIM.components), out);
  const device = r.tstr(CLAIM.device, 'zw-device');
  const trigger = r.uint(CLAIM.trigger, 'zw-trigger');
  const freshness = r.uint(CLAIM.freshness, 'zw-freshness');
  const posture = readPosture(payload.get(CLAIM.posture), out);
  const bootSeq = r.uint(CLAIM.bootSeq, 'zw-boot-seq');
  r.unknownKeys(Object.values(CLAIM));
  if (trigger !== undefined && trigger > 2) out.push(finding('token.claims', 'contraindicated', `zw-trigger ${trigger} is not 0, 1 or 2`, { claim: 'zw-trigger' }));
  if (freshness !== undefined && (freshness > 2 || (freshness === 2) !== (nonce === undefined))) {
    out.push(finding('token.claims', 'contraindicated', 'zw-freshness does not agree with the presence of eat_nonce', { claim: 'zw-freshness' }));
  }
  if (trigger !== undefined && freshness !== undefined && (trigger === 0) !== (freshness === 0)) {
    out.push(finding('token.claims', 'contraindicated', 'zw-trigger and zw-freshness disagree: only an answer to a challenge has both 0', { claim: 'zw-trigger' }));
  }
  if (out.slice(before).some((f) => f.severity === 'contraindicated')) return null;
  return {
    profile: profile!, ueid: ueid!, iat: iat!, swversion: swversion!, dbgstat: dbgstat!, components, device: device!, trigger: trigger!,
    freshness: freshness!, posture: posture!, bootSeq: bootSeq!, ...(nonce && { nonce }),
  };
}
