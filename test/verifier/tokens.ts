// Test tokens made by hand, exactly per docs/eat-profile.md, with cbor2 and node:crypto — not
// with the device's token builder (agent/attest/), so the verifier is checked against the
// profile text; the two are cross-tested separately.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { encode, Tag } from 'cbor2';

export interface TestDevice {
  readonly id: string;
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
  /** The enrolment record's JSON, as zw provision --install-cert writes it. */
  readonly enrolmentJson: string;
}

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export function makeDevice(id: string): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const enrolmentJson = JSON.stringify({ version: 1, deviceId: id, attestKey: jwk, certificate: '-----BEGIN CERTIFICATE-----\n(test)\n-----END CERTIFICATE-----\n', issuedAt: '2026-11-24T10:00:00.000Z' }, null, 2);
  return { id, privateKey, publicKey: new Uint8Array(Buffer.from(jwk.x!, 'base64url')), enrolmentJson };
}

export const ueidOf = (pub: Uint8Array) => Uint8Array.of(0x01, ...sha256('zw-ueid-v1', pub));
export const kidOf = (pub: Uint8Array) => sha256(pub).subarray(0, 16);

export interface ComponentSpec {
  type: string;
  digest: Uint8Array;
  version?: string;
  signer?: Uint8Array;
  slot: string;
  status: string;
  securityCounter?: number;
}

export function component(c: ComponentSpec): Map<number, unknown> {
  const m = new Map<number, unknown>([[1, c.type], [2, c.digest], [6, 'sha-256'], [-70101, c.slot], [-70102, c.status]]);
  if (c.version !== undefined) m.set(4, c.version);
  if (c.signer) m.set(5, c.signer);
  if (c.securityCounter !== undefined) m.set(-70103, c.securityCounter);
  return m;
}

export function posture(p: { listening?: string[]; creds?: string[]; debug?: string[]; sbom?: boolean } = {}): Map<number, unknown> {
  const m = new Map<number, unknown>([[1, p.listening ?? []], [2, p.creds ?? []], [3, p.debug ?? []], [4, '2.1.0+0']]);
  if (p.sbom !== false) m.set(5, sha256('sbom')).set(6, 'spdx');
  m.set(7, sha256(encode(m, { cde: true })));
  return m;
}

/** The claims map of a challenge answer; `set`/`drop` adjust single claims. */
export function claims(dev: TestDevice, o: { nonce?: Uint8Array | null; components: Map<number, unknown>[]; posture?: Map<number, unknown>; trigger?: number; freshness?: number; device?: string }): Map<number, unknown> {
  const m = new Map<number, unknown>([
    [265, 'tag:zorgwacht.nl,2026:eat-profile:v1'], [256, ueidOf(dev.publicKey)], [6, 1_795_000_000], [270, 'zorgwacht-agent'], [271, ['1.2.0+0', 16384]],
    [263, 1], [2399, o.components], [-70001, o.device ?? dev.id], [-70002, o.trigger ?? 0], [-70003, o.freshness ?? 0], [-70004, o.posture ?? posture()], [-70005, 7],
  ]);
  if (o.nonce) m.set(10, o.nonce);
  return m;
}

export interface EnvelopeOptions {
  protectedHeader?: Uint8Array;
  unprotected?: Map<number, unknown>;
  tag?: number | null;
  signWith?: KeyObject;
  /** Raw payload bytes instead of the deterministic encoding of the claims. */
  payloadBytes?: Uint8Array;
}

/** COSE_Sign1 (RFC 9052 §4.2, §4.4) over the deterministic encoding of `claimsMap`. */
export function buildToken(dev: TestDevice, claimsMap: Map<number, unknown>, o: EnvelopeOptions = {}): Uint8Array {
  const payload = o.payloadBytes ?? encode(claimsMap, { cde: true });
  const prot = o.protectedHeader ?? Uint8Array.of(0xa1, 0x01, 0x27);
  const toSign = encode(['Signature1', prot, new Uint8Array(0), payload], { cde: true });
  const sig = new Uint8Array(sign(null, toSign, o.signWith ?? dev.privateKey));
  const body = [prot, o.unprotected ?? new Map([[4, kidOf(dev.publicKey)]]), payload, sig];
  return encode(o.tag === null ? body : new Tag(o.tag ?? 18, body), { cde: true });
}
