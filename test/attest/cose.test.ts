// The COSE_Sign1 encoder (agent/attest/cose.ts) against the COSE WG example eddsa-sig-01
// (../shared/vectors/cose/: cose-wg/Examples): given the example's Ed25519 key (RFC 8032
// TEST 1), headers and payload, it writes exactly the example's Sig_structure and message —
// Ed25519 is deterministic. The raw-key signer exists for this vector only.
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CborMap } from '../../bootloader-verify/cbor.ts';
import { ALG_EDDSA, encodeSign1, HEADER, sigStructure, sign1Length, protectedBytes, type Sign1Message } from '../../agent/attest/cose.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { hex, toHex } from '../support/bytes.ts';
import { ed25519Key } from './oracle.ts';

interface Example {
  input: {
    plaintext: string;
    sign0: { key: { kid: string; x_hex: string; d_hex: string }; unprotected: { kid: string }; protected: { alg: string; ctyp: number }; alg: string };
  };
  intermediates: { ToBeSign_hex: string };
  output: { cbor: string };
}

const example = JSON.parse(readFileSync(join(ROOT, '../shared/vectors/cose/eddsa-examples/eddsa-sig-01.json'), 'utf8')) as Example;
const s0 = example.input.sign0;

/** A signer over raw key bytes, for this vector only: devices sign through the KeyStore. */
function rawKeySignerForVector(d: Uint8Array, x: Uint8Array) {
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(d).toString('base64url'), x: Buffer.from(x).toString('base64url') },
    format: 'jwk',
  });
  return (m: Uint8Array) => new Uint8Array(sign(null, m, key));
}

describe('COSE_Sign1: COSE WG example eddsa-sig-01', () => {
  expect(s0.protected).toEqual({ alg: 'EdDSA', ctyp: 0 });
  const message: Sign1Message = {
    protectedHeader: new CborMap([[HEADER.alg, ALG_EDDSA], [HEADER.contentType, s0.protected.ctyp]]),
    unprotectedHeader: new CborMap([[HEADER.kid, new TextEncoder().encode(s0.unprotected.kid)]]),
    payload: new TextEncoder().encode(example.input.plaintext),
  };
  const signer = rawKeySignerForVector(hex(s0.key.d_hex), hex(s0.key.x_hex));

  it('writes the example Sig_structure (ToBeSign_hex)', () => {
    expect(toHex(sigStructure(protectedBytes(message.protectedHeader), message.payload))).toBe(example.intermediates.ToBeSign_hex.toLowerCase());
  });
  it('writes the example message byte for byte (output.cbor), and knew its length before signing', () => {
    let seen: Uint8Array | null = null;
    const out = encodeSign1(message, (tbs) => ((seen = tbs), signer(tbs)));
    expect(toHex(out)).toBe(example.output.cbor.toLowerCase());
    expect(toHex(seen!)).toBe(example.intermediates.ToBeSign_hex.toLowerCase());
    expect(sign1Length(message, 64)).toBe(out.length);
  });
  it('the example signature verifies with the example public key under node:crypto', async () => {
    const { verify } = await import('node:crypto');
    const sig = hex(example.output.cbor).slice(-64);
    expect(verify(null, hex(example.intermediates.ToBeSign_hex), ed25519Key(hex(s0.key.x_hex)), sig)).toBe(true);
  });
  it('an empty protected header is a zero-length byte string (RFC 9052 §3)', () => {
    expect(protectedBytes(new CborMap()).length).toBe(0);
    expect(toHex(sigStructure(new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(2)))).toBe('846a5369676e61747572653140410241' + '01');
  });
});
