// The claims set of a Zorgwacht EAT (docs/eat-profile.md §Claims): a pure function from what
// the agent knows to the payload map. Every bound is checked before anything is encoded; a
// value outside the profile is a refusal with its reason code, never a token that breaks it.
import { CborMap, type Cbor } from '../../bootloader-verify/cbor.ts';
import { fromHex } from '../../bootloader-verify/trust.ts';
import type { Reason } from '../../hardware/reasons.ts';
import { checkDeviceId } from '../identity.ts';
import { AGENT_NAME } from '../identity.ts';
import type { MeasurementRecord } from '../start.ts';
import { MAX_COMPONENTS, MAX_HWMODEL, MAX_NONCE, MAX_TEXT, MIN_HWMODEL, MIN_NONCE, OEMID_BYTES } from './limits.ts';
import { debugStatus, isText, postureMap, postureProblem, type Posture } from './posture.ts';

export const PROFILE_ID = 'tag:zorgwacht.nl,2026:eat-profile:v1';

export const CLAIM = {
  iat: 6, nonce: 10, ueid: 256, oemid: 258, hwmodel: 259, dbgstat: 263, profile: 265, swname: 270, swversion: 271,
  components: 2399, device: -70001, trigger: -70002, freshness: -70003, posture: -70004, bootSeq: -70005,
} as const;

export const COMPONENT = {
  type: 1, value: 2, version: 4, signer: 5, desc: 6, slot: -70101, status: -70102, securityCounter: -70103,
} as const;

/** CoSWID version-scheme semver (RFC 9393 §4.1): MCUboot versions read `1.2.3+4`. */
export const VERSION_SCHEME_SEMVER = 16384;

export const TRIGGER = { challenge: 0, boot: 1, 'posture-change': 2 } as const;
export const FRESHNESS = { challenge: 0, 'last-challenge': 1, none: 2 } as const;
export type Trigger = keyof typeof TRIGGER;
export type Freshness = keyof typeof FRESHNESS;

export interface ClaimsInput {
  readonly deviceId: string;
  /** The running agent image's version (`1.2.3+4`). */
  readonly agentVersion: string;
  /** The host's measurement log, in log order. */
  readonly measurements: readonly MeasurementRecord[];
  readonly posture: Posture;
  /** The challenge nonce (freshness `challenge` or `last-challenge`); absent with `none`. */
  readonly nonce?: Uint8Array;
  readonly trigger: Trigger;
  readonly freshness: Freshness;
  /** The store's boot count. */
  readonly bootSeq: number;
  /** Device clock, whole seconds since 1970. */
  readonly iat: number;
  readonly oemid?: Uint8Array;
  readonly hwmodel?: Uint8Array;
}

export type Refusal = { ok: false; reason: Reason; detail: string };
export type ClaimsResult = { ok: true; claims: CborMap } | Refusal;

const refuse = (reason: Reason, detail: string): Refusal => ({ ok: false, reason, detail });
const isUint = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
/** A value in a refusal's detail, never throwing on what it was given. */
const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v);
const has = (o: object, k: unknown): boolean => typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);
const HEX = /^(?:[0-9a-f]{64}|[0-9a-f]{128})$/;

/** The problem with one measurement record, or null when it makes a component. */
function recordProblem(m: MeasurementRecord, i: number): string | null {
  const at = `measurement ${i}`;
  if (typeof m !== 'object' || m === null) return `${at} is not an object`;
  if (m.type !== 'agent' && m.type !== 'firmware') return `${at}: type ${shown(m.type)} is not agent or firmware`;
  if (!isText(m.component)) return `${at}: component is not text of at most ${MAX_TEXT} bytes`;
  if (m.status === 'accepted' ? typeof m.digest !== 'string' : m.status !== 'rejected' || !isText(m.reason)) {
    return `${at}: an accepted record needs a digest, a rejected one its reason code`;
  }
  if (m.digest !== undefined && !HEX.test(m.digest)) return `${at}: digest is not a lower-case hex SHA-256 or SHA-512`;
  if (m.signer !== undefined && !/^[0-9a-f]{64}$/.test(m.signer)) return `${at}: signer is not a lower-case hex SHA-256`;
  if (m.version !== undefined && !isText(m.version)) return `${at}: version is not text of at most ${MAX_TEXT} bytes`;
  if (m.securityCounter !== undefined && m.securityCounter !== null && !isUint(m.securityCounter)) return `${at}: securityCounter is not an unsigned integer`;
  return null;
}

/** Checks every bound of the input; null when the claims can be built. */
export function checkClaims(c: ClaimsInput): Refusal | null {
  if (!has(FRESHNESS, c.freshness) || !has(TRIGGER, c.trigger)) return refuse('attest.input', `trigger ${shown(c.trigger)} or freshness ${shown(c.freshness)} is unknown`);
  const fresh = FRESHNESS[c.freshness], trig = TRIGGER[c.trigger];
  if ((trig === TRIGGER.challenge) !== (fresh === FRESHNESS.challenge)) return refuse('attest.input', `trigger ${c.trigger} does not go with freshness ${c.freshness}`);
  if ((c.nonce === undefined) !== (fresh === FRESHNESS.none)) return refuse('attest.nonce', `freshness ${c.freshness} ${c.nonce === undefined ? 'needs a nonce' : 'carries no nonce'}`);
  if (c.nonce !== undefined && (!(c.nonce instanceof Uint8Array) || c.nonce.length < MIN_NONCE || c.nonce.length > MAX_NONCE)) {
    return refuse('attest.nonce', `the nonce must be ${MIN_NONCE}..${MAX_NONCE} bytes, got ${c.nonce instanceof Uint8Array ? c.nonce.length : typeof c.nonce}`);
  }
  if (typeof c.deviceId !== 'string') return refuse('device.id', `the device id is a ${typeof c.deviceId}`);
  const id = checkDeviceId(c.deviceId);
  if (!id.ok) return refuse(id.reason, id.detail);
  if (!isText(c.agentVersion)) return refuse('attest.input', `the agent version is not text of at most ${MAX_TEXT} bytes`);
  if (!isUint(c.bootSeq) || !isUint(c.iat)) return refuse('attest.input', 'bootSeq and iat must be unsigned integers');
  if (c.oemid !== undefined && (!(c.oemid instanceof Uint8Array) || c.oemid.length !== OEMID_BYTES)) return refuse('attest.input', `oemid must be ${OEMID_BYTES} bytes`);
  if (c.hwmodel !== undefined && (!(c.hwmodel instanceof Uint8Array) || c.hwmodel.length < MIN_HWMODEL || c.hwmodel.length > MAX_HWMODEL)) {
    return refuse('attest.input', `hwmodel must be ${MIN_HWMODEL}..${MAX_HWMODEL} bytes`);
  }
  if (!Array.isArray(c.measurements)) return refuse('attest.input', 'measurements is not an array');
  if (c.measurements.length > MAX_COMPONENTS) return refuse('attest.components', `${c.measurements.length} measurement records, at most ${MAX_COMPONENTS}`);
  const bad = c.measurements.map(recordProblem).find((p) => p !== null);
  if (bad) return refuse('attest.input', bad);
  const posture = typeof c.posture === 'object' && c.posture !== null ? postureProblem(c.posture) : 'posture is not an object';
  return posture ? refuse('attest.input', posture) : null;
}

/** RFC 9783 §4.4.1 software component, plus the profile's slot, status and security counter. */
function component(m: MeasurementRecord): CborMap {
  const value = m.digest === undefined ? new Uint8Array(0) : fromHex(m.digest);
  const c = new CborMap([[COMPONENT.type, m.type], [COMPONENT.value, value]]);
  if (m.version !== undefined) c.set(COMPONENT.version, m.version);
  if (m.signer !== undefined) c.set(COMPONENT.signer, fromHex(m.signer));
  c.set(COMPONENT.desc, value.length === 64 ? 'sha-512' : 'sha-256');
  c.set(COMPONENT.slot, m.component);
  c.set(COMPONENT.status, m.status === 'accepted' ? 'accepted' : m.reason!);
  if (isUint(m.securityCounter)) c.set(COMPONENT.securityCounter, m.securityCounter);
  return c;
}

/** The claims map of an input `checkClaims` accepted; `ueid` is the 33-byte UEID made from
 *  the attest key (token.ts). */
export function claimsMap(c: ClaimsInput, ueid: Uint8Array, sha256: (data: Uint8Array) => Uint8Array): CborMap {
  const entries: [number, Cbor][] = [
    [CLAIM.profile, PROFILE_ID],
    [CLAIM.ueid, ueid],
    [CLAIM.iat, c.iat],
    [CLAIM.swname, AGENT_NAME],
    [CLAIM.swversion, [c.agentVersion, VERSION_SCHEME_SEMVER]],
    [CLAIM.dbgstat, debugStatus(c.posture)],
    [CLAIM.components, c.measurements.map(component)],
    [CLAIM.device, c.deviceId],
    [CLAIM.trigger, TRIGGER[c.trigger]],
    [CLAIM.freshness, FRESHNESS[c.freshness]],
    [CLAIM.posture, postureMap(c.posture, sha256)],
    [CLAIM.bootSeq, c.bootSeq],
  ];
  if (c.nonce !== undefined) entries.push([CLAIM.nonce, c.nonce.slice()]);
  if (c.oemid !== undefined) entries.push([CLAIM.oemid, c.oemid.slice()]);
  if (c.hwmodel !== undefined) entries.push([CLAIM.hwmodel, c.hwmodel.slice()]);
  return new CborMap(entries);
}

/** The claims map, or the reason the input breaks the profile. */
export function buildClaims(c: ClaimsInput, ueid: Uint8Array, sha256: (data: Uint8Array) => Uint8Array): ClaimsResult {
  const refused = checkClaims(c);
  return refused ?? { ok: true, claims: claimsMap(c, ueid, sha256) };
}
