// The hospital's appraisal policy (docs/policy.md): a JSON file naming the reference-value
// signers it accepts, minimum versions and security counters beyond the manufacturer's, the
// freshness window, the listening ports it allows, and how severe some findings are. Checked
// whole when loaded; a bad policy is policy.invalid, never a half-applied one.
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ZwError } from '../hardware/errors.ts';
import type { Reason } from '../hardware/reasons.ts';
import type { Severity } from './findings.ts';
import { IMAGE_TYPES, type ImageType } from './refvalues.ts';
import { parseVersion, type Version } from './version.ts';

/** Findings whose severity the hospital may choose; the others are fixed (STYLE.md 6). */
export const ADJUSTABLE = ['posture.listening', 'posture.credentials.default', 'posture.debug', 'posture.sbom.absent', 'freshness.unsolicited', 'sw.version.old'] as const satisfies readonly Reason[];
export type Adjustable = (typeof ADJUSTABLE)[number];

export const DEFAULT_SEVERITY: Readonly<Record<Adjustable, Severity>> = {
  'posture.listening': 'contraindicated', 'posture.credentials.default': 'contraindicated', 'posture.debug': 'warning',
  'posture.sbom.absent': 'warning', 'freshness.unsolicited': 'info', 'sw.version.old': 'contraindicated',
};

export interface Minimum { readonly version: Version | null; readonly securityCounter: number }

export interface Policy {
  readonly id: string;
  /** SHA-256 (hex) of the DER SubjectPublicKeyInfo of each accepted reference-value signer. */
  readonly refvalueSigners: readonly string[];
  readonly minimum: Readonly<Record<ImageType, Minimum>>;
  readonly freshnessMs: number;
  readonly allowedListening: ReadonlySet<string>;
  readonly severity: Readonly<Record<Adjustable, Severity>>;
}

const invalid = (what: string): never => {
  throw new ZwError('policy.invalid', what);
};

function signerHash(entry: unknown, base: string): string {
  const e = entry as { pem?: unknown; keyHash?: unknown };
  if (typeof e?.keyHash === 'string' && /^[0-9a-f]{64}$/.test(e.keyHash)) return e.keyHash;
  if (typeof e?.pem !== 'string') return invalid('refvalueSigners entries are {"pem": path} or {"keyHash": 64 hex digits}');
  try {
    const spki = createPublicKey(readFileSync(resolve(base, e.pem))).export({ format: 'der', type: 'spki' });
    return createHash('sha256').update(spki).digest('hex');
  } catch (err) {
    return invalid(`refvalueSigners: ${e.pem}: ${(err as Error).message}`);
  }
}

function minimumOf(v: unknown, type: string): Minimum {
  if (v === undefined) return { version: null, securityCounter: 0 };
  const m = v as { version?: unknown; securityCounter?: unknown };
  const version = m.version === undefined ? null : typeof m.version === 'string' ? parseVersion(m.version) : null;
  if (m.version !== undefined && !version) invalid(`minimum.${type}.version is not maj.min.rev+build`);
  const sc = m.securityCounter ?? 0;
  if (typeof sc !== 'number' || !Number.isInteger(sc) || sc < 0 || sc > 0xffffffff) invalid(`minimum.${type}.securityCounter is not 0..4294967295`);
  return { version, securityCounter: sc as number };
}

function severityOf(v: unknown): Record<Adjustable, Severity> {
  const out: Record<Adjustable, Severity> = { ...DEFAULT_SEVERITY };
  for (const [id, s] of Object.entries((v ?? {}) as Record<string, unknown>)) {
    if (!(ADJUSTABLE as readonly string[]).includes(id)) invalid(`severity: ${id} cannot be adjusted (only ${ADJUSTABLE.join(', ')})`);
    if (s !== 'info' && s !== 'warning' && s !== 'contraindicated') invalid(`severity.${id} is not info, warning or contraindicated`);
    out[id as Adjustable] = s as Severity;
  }
  return out;
}

/** Checks a parsed policy; PEM paths are relative to `base` (the policy file's folder). */
export function parsePolicy(o: unknown, base: string): Policy {
  if (typeof o !== 'object' || o === null) return invalid('not a JSON object');
  const p = o as Record<string, unknown>;
  if (p.version !== 1) invalid('version must be 1');
  if (typeof p.id !== 'string' || p.id.length === 0 || p.id.length > 200) invalid('id must be a non-empty string');
  if (!Array.isArray(p.refvalueSigners) || p.refvalueSigners.length === 0) invalid('refvalueSigners must list at least one signer');
  const fresh = p.freshnessSeconds;
  if (typeof fresh !== 'number' || !Number.isInteger(fresh) || fresh < 1 || fresh > 86400) invalid('freshnessSeconds must be 1..86400');
  const listening = p.allowedListening ?? [];
  if (!Array.isArray(listening) || !listening.every((l) => typeof l === 'string')) invalid('allowedListening must be an array of "proto/addr:port" strings');
  const mins = (p.minimum ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(mins)) if (!(IMAGE_TYPES as readonly string[]).includes(k)) invalid(`minimum.${k}: not an image type (${IMAGE_TYPES.join(', ')})`);
  return {
    id: p.id as string,
    refvalueSigners: (p.refvalueSigners as unknown[]).map((e) => signerHash(e, base)),
    minimum: { agent: minimumOf(mins.agent, 'agent'), firmware: minimumOf(mins.firmware, 'firmware') },
    freshnessMs: (fresh as number) * 1000,
    allowedListening: new Set(listening as string[]),
    severity: severityOf(p.severity),
  };
}

export function readPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ZwError('tool.input', `cannot read policy ${path}: ${(e as Error).message}`);
  }
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return invalid(`${path} is not JSON: ${(e as Error).message}`);
  }
  return parsePolicy(o, dirname(resolve(path)));
}
