// An independent reading of a Zorgwacht token, as a third-party verifier would do it from
// docs/eat-profile.md: cbor2 with its deterministic-decoding options (duplicate, unsorted or
// long-encoded keys, indefinite lengths, floats and simple values refused) and node:crypto's
// Ed25519 — nothing from agent/ or bootloader-verify/.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { decode, encode, Tag } from 'cbor2';
import { expect } from 'vitest';
import type { TokenInput } from '../../agent/attest/token.ts';

export const STRICT = {
  cde: true, rejectDuplicateKeys: true, rejectStreaming: true, requirePreferred: true, rejectFloats: true,
  rejectSimple: true, rejectUndefined: true, rejectBigInts: true, preferMap: true,
} as const;

export const PROFILE = 'tag:zorgwacht.nl,2026:eat-profile:v1';
const u8 = (b: Uint8Array | Buffer): Uint8Array => new Uint8Array(b);
const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return u8(h.digest());
};
const fromHex = (s: string): Uint8Array => u8(Buffer.from(s, 'hex'));

export interface ReadToken {
  readonly protectedBytes: Uint8Array;
  readonly unprotected: Map<unknown, unknown>;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  readonly toBeSigned: Uint8Array;
  readonly claims: Map<number, unknown>;
}

export function ed25519Key(publicKey: Uint8Array) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
}

/** Decodes and verifies `token` against the device's raw Ed25519 public key; fails the test on
 *  any deviation from the envelope the profile defines. */
export function readToken(token: Uint8Array, publicKey: Uint8Array): ReadToken {
  expect(token.length).toBeLessThanOrEqual(8192);
  const t = decode(token, STRICT) as Tag;
  expect(t).toBeInstanceOf(Tag);
  expect(t.tag).toBe(18);
  expect(u8(encode(t, { cde: true }))).toEqual(token);
  const parts = t.contents as unknown[];
  expect(Array.isArray(parts) && parts.length === 4).toBe(true);
  const [protectedBytes, unprotected, payload, signature] = parts as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
  expect(Buffer.from(protectedBytes).toString('hex')).toBe('a10127'); // {1: -8}
  expect(decode(protectedBytes, STRICT)).toEqual(new Map([[1, -8]]));
  expect(unprotected).toEqual(new Map([[4, sha256(publicKey).slice(0, 16)]]));
  expect(signature).toBeInstanceOf(Uint8Array);
  expect(signature.length).toBe(64);
  const toBeSigned = u8(encode(['Signature1', protectedBytes, new Uint8Array(0), payload], { cde: true }));
  expect(verify(null, toBeSigned, ed25519Key(publicKey), signature)).toBe(true);
  const claims = decode(payload, STRICT) as Map<number, unknown>;
  expect(claims).toBeInstanceOf(Map);
  expect(u8(encode(claims, { cde: true }))).toEqual(payload);
  return { protectedBytes, unprotected, payload, signature, toBeSigned, claims };
}

/** Sorted by UTF-8 bytes, repeats dropped. */
function asSet(xs: readonly string[]): string[] {
  const sorted = [...new Set(xs)].map((s) => Buffer.from(s, 'utf8')).sort(Buffer.compare);
  return sorted.map((b) => b.toString('utf8'));
}

function postureOf(p: TokenInput['posture']): Map<number, unknown> {
  const all = asSet(p.listening);
  const m = new Map<number, unknown>([
    [1, all.length > 64 ? [...all.slice(0, 63), '\u2026'] : all],
    [2, asSet(p.defaultCredentials)],
    [3, asSet(p.debug)],
  ]);
  if (p.firmwareVersion !== undefined) m.set(4, p.firmwareVersion);
  if (p.sbom) {
    m.set(5, u8(p.sbom.sha256));
    m.set(6, p.sbom.format);
  }
  m.set(7, sha256(encode(m, { cde: true })));
  return m;
}

function componentOf(r: TokenInput['measurements'][number]): Map<number, unknown> {
  const value = r.digest ? fromHex(r.digest) : new Uint8Array(0);
  const m = new Map<number, unknown>([[1, r.type], [2, value]]);
  if (r.version !== undefined) m.set(4, r.version);
  if (r.signer !== undefined) m.set(5, fromHex(r.signer));
  m.set(6, value.length === 64 ? 'sha-512' : 'sha-256');
  m.set(-70101, r.component);
  m.set(-70102, r.status === 'accepted' ? 'accepted' : r.reason);
  if (typeof r.securityCounter === 'number') m.set(-70103, r.securityCounter);
  return m;
}

/** The claims the profile says a token for `input` carries. */
export function expectedClaims(input: TokenInput, publicKey: Uint8Array, iat: number): Map<number, unknown> {
  const m = new Map<number, unknown>([
    [265, PROFILE],
    [256, Uint8Array.of(1, ...sha256(new TextEncoder().encode('zw-ueid-v1'), publicKey))],
    [6, iat],
    [270, 'zorgwacht-agent'],
    [271, [input.agentVersion, 16384]],
    [263, input.posture.debug.length > 0 ? 0 : 1],
    [2399, input.measurements.map(componentOf)],
    [-70001, input.deviceId],
    [-70002, { challenge: 0, boot: 1, 'posture-change': 2 }[input.trigger]],
    [-70003, { challenge: 0, 'last-challenge': 1, none: 2 }[input.freshness]],
    [-70004, postureOf(input.posture)],
    [-70005, input.bootSeq],
  ]);
  if (input.nonce) m.set(10, u8(input.nonce));
  if (input.oemid) m.set(258, u8(input.oemid));
  if (input.hwmodel) m.set(259, u8(input.hwmodel));
  return m;
}

const isUint = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && Buffer.byteLength(v, 'utf8') <= 128;
const isBytes = (v: unknown, min: number, max: number): boolean => v instanceof Uint8Array && v.length >= min && v.length <= max;
const isSortedSet = (v: unknown): boolean =>
  Array.isArray(v) && v.length <= 64 && v.every(isText) && JSON.stringify(asSet(v as string[])) === JSON.stringify(v);

/** The profile's table, key by key: which claims must, may and must not be there, and the type
 *  and bounds of each value (docs/eat-profile.md §Claims). */
const CLAIMS: Record<number, { required: boolean; ok: (v: unknown) => boolean }> = {
  265: { required: true, ok: (v) => v === PROFILE },
  10: { required: false, ok: (v) => isBytes(v, 8, 64) },
  256: { required: true, ok: (v) => isBytes(v, 33, 33) && (v as Uint8Array)[0] === 1 },
  6: { required: true, ok: isUint },
  270: { required: true, ok: (v) => v === 'zorgwacht-agent' },
  271: { required: true, ok: (v) => Array.isArray(v) && v.length === 2 && isText(v[0]) && v[1] === 16384 },
  263: { required: true, ok: (v) => v === 0 || v === 1 },
  258: { required: false, ok: (v) => isBytes(v, 3, 3) },
  259: { required: false, ok: (v) => isBytes(v, 1, 32) },
  2399: { required: true, ok: (v) => Array.isArray(v) && v.length <= 8 && v.every(componentShape) },
  [-70001]: { required: true, ok: (v) => typeof v === 'string' && /^[a-z0-9][a-z0-9-]{2,62}$/.test(v) },
  [-70002]: { required: true, ok: (v) => v === 0 || v === 1 || v === 2 },
  [-70003]: { required: true, ok: (v) => v === 0 || v === 1 || v === 2 },
  [-70004]: { required: true, ok: postureShape },
  [-70005]: { required: true, ok: isUint },
};

const COMPONENT: Record<number, { required: boolean; ok: (v: unknown) => boolean }> = {
  1: { required: true, ok: (v) => v === 'agent' || v === 'firmware' },
  2: { required: true, ok: (v) => v instanceof Uint8Array && [0, 32, 64].includes(v.length) },
  4: { required: false, ok: isText },
  5: { required: false, ok: (v) => isBytes(v, 32, 32) },
  6: { required: true, ok: (v) => v === 'sha-256' || v === 'sha-512' },
  [-70101]: { required: true, ok: isText },
  [-70102]: { required: true, ok: isText },
  [-70103]: { required: false, ok: isUint },
};

const POSTURE: Record<number, { required: boolean; ok: (v: unknown) => boolean }> = {
  1: { required: true, ok: isSortedSet },
  2: { required: true, ok: isSortedSet },
  3: { required: true, ok: isSortedSet },
  4: { required: false, ok: isText },
  5: { required: false, ok: (v) => isBytes(v, 32, 32) },
  6: { required: false, ok: (v) => v === 'spdx' || v === 'cyclonedx' },
  7: { required: true, ok: (v) => isBytes(v, 32, 32) },
};

/** Names the first key of `m` that breaks `table`, or null. */
function shapeProblem(m: unknown, table: Record<number, { required: boolean; ok: (v: unknown) => boolean }>): string | null {
  if (!(m instanceof Map)) return 'not a map';
  for (const [k, v] of m) if (!table[k as number]?.ok(v)) return `key ${String(k)}: unexpected or malformed`;
  for (const [k, spec] of Object.entries(table)) if (spec.required && !m.has(Number(k))) return `key ${k}: missing`;
  return null;
}

function componentShape(v: unknown): boolean {
  return shapeProblem(v, COMPONENT) === null;
}

function postureShape(v: unknown): boolean {
  if (shapeProblem(v, POSTURE) !== null) return false;
  const m = v as Map<number, unknown>;
  if (m.has(5) !== m.has(6)) return false;
  const without = new Map([...m].filter(([k]) => k !== 7));
  return Buffer.from(sha256(encode(without, { cde: true }))).equals(m.get(7) as Uint8Array);
}

/** Every claim's key and type per the profile, whatever the input was. */
export function expectProfileShape(claims: Map<number, unknown>): void {
  expect(shapeProblem(claims, CLAIMS)).toBeNull();
  const freshness = claims.get(-70003), trigger = claims.get(-70002);
  expect(claims.has(10)).toBe(freshness !== 2);
  expect(trigger === 0).toBe(freshness === 0);
}
