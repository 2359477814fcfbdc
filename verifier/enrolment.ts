// The device's enrolment record, as `zw provision --install-cert` writes it
// (scripts/lib/provision.ts installCertificate): {version: 1, deviceId, attestKey (JWK,
// Ed25519), certificate (PEM), issuedAt}. The verifier takes the attest key from here, never
// from a token; the kid and the ueid a token should carry are derived from that key.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkDeviceId } from '../agent/identity.ts';
import { ZwError } from '../hardware/errors.ts';

export interface Enrolment {
  readonly deviceId: string;
  /** The attest public key (Ed25519) as node:crypto verifies with it. */
  readonly key: KeyObject;
  /** The raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** docs/eat-profile.md: first 16 bytes of SHA-256(attest public key). */
  readonly kid: Uint8Array;
  /** docs/eat-profile.md: 0x01 ‖ SHA-256("zw-ueid-v1" ‖ attest public key). */
  readonly ueid: Uint8Array;
  readonly issuedAt: string;
}

const invalid = (what: string): never => {
  throw new ZwError('enrolment.invalid', what);
};

function sha256(...parts: (string | Uint8Array)[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Derives what a token from the holder of `publicKey` must carry. */
export function enrolmentFor(deviceId: string, publicKey: Uint8Array, issuedAt = ''): Enrolment {
  if (publicKey.length !== 32) invalid(`an Ed25519 public key has 32 bytes, got ${publicKey.length}`);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  const ueid = new Uint8Array(33);
  ueid[0] = 0x01;
  ueid.set(sha256('zw-ueid-v1', publicKey), 1);
  return { deviceId, key, publicKey, kid: sha256(publicKey).subarray(0, 16), ueid, issuedAt };
}

/** Parses an enrolment record's JSON text; malformed records are ZwError enrolment.invalid. */
export function parseEnrolment(text: string): Enrolment {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return invalid(`not JSON: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null) return invalid('not a JSON object');
  const r = o as Record<string, unknown>;
  if (r.version !== 1) invalid(`version ${JSON.stringify(r.version)} is not 1`);
  const id = checkDeviceId(r.deviceId as string);
  if (!id.ok) invalid(`deviceId: ${id.detail}`);
  const jwk = r.attestKey as Record<string, unknown> | undefined;
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(jwk.x)) {
    invalid('attestKey is not an Ed25519 public JWK');
  }
  return enrolmentFor(r.deviceId as string, new Uint8Array(Buffer.from(jwk!.x as string, 'base64url')), typeof r.issuedAt === 'string' ? r.issuedAt : '');
}

/** Reads an enrolment record file; an unreadable file is ZwError tool.input (exit 3 in the CLI). */
export function readEnrolment(path: string): Enrolment {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ZwError('tool.input', `cannot read enrolment record ${path}: ${(e as Error).message}`);
  }
  return parseEnrolment(text);
}
