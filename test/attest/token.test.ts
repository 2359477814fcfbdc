// Tokens made on the Node ports from a provisioned device, read back by the independent oracle
// (cbor2 + node:crypto, test/attest/oracle.ts): envelope, signature, every claim; then the
// refusals — each a typed value, never a throw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeToken, type TokenInput, type TokenPorts } from '../../agent/attest/token.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { provision } from '../../scripts/lib/provision.ts';
import { ANSWER, BOOT, FIXED_IAT } from './fixture.ts';
import { expectedClaims, expectProfileShape, readToken } from './oracle.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-attest-'));
const TRUST = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem');
let p: NodePlatform;
let pub: Uint8Array;

beforeAll(() => {
  provision({ id: 'gw-ward-7b', flash: join(dir, 'device.flash'), trustKeys: [TRUST] });
  p = nodePlatform(join(dir, 'device.flash'), { log: makeNodeLog(() => {}) });
  pub = p.keys.publicKey('attest');
});
afterAll(() => {
  p?.close();
  rmSync(dir, { recursive: true, force: true });
});

function without(input: TokenInput, key: keyof TokenInput): TokenInput {
  const copy: Record<string, unknown> = { ...input };
  delete copy[key];
  return copy as unknown as TokenInput;
}

function tokenOf(input: TokenInput, ports: TokenPorts = p): Uint8Array {
  const r = makeToken(ports, input);
  if (!r.ok) throw new Error(`refused: ${r.reason} ${r.detail}`);
  return r.token;
}

describe('token on the Node ports, read by cbor2 and node:crypto', () => {
  for (const [name, input] of [['challenge answer', ANSWER], ['unsolicited boot token', BOOT]] as const) {
    it(`${name}: verifies with the attest key and carries every claim the profile gives it`, () => {
      const t = readToken(tokenOf(input), pub);
      expectProfileShape(t.claims);
      expect(t.claims).toEqual(expectedClaims(input, pub, FIXED_IAT));
    });
  }
  it('is deterministic: the same input gives the same bytes', () => {
    expect(tokenOf(ANSWER)).toEqual(tokenOf(ANSWER));
  });
  it('takes iat from the device clock when none is given', () => {
    const before = Math.floor(Date.now() / 1000);
    const t = readToken(tokenOf(without(BOOT, 'iat')), pub);
    expect(t.claims.get(6)).toBeGreaterThanOrEqual(before);
    expect(t.claims.get(6)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });
  it('keeps 63 listening sockets and … when more than 64 are open', () => {
    const listening = Array.from({ length: 200 }, (_, i) => `tcp/0.0.0.0:${1000 + i}`);
    const input = { ...BOOT, posture: { ...BOOT.posture, listening } };
    const t = readToken(tokenOf(input), pub);
    const posture = t.claims.get(-70004) as Map<number, string[]>;
    expect(posture.get(1)!.length).toBe(64);
    expect(posture.get(1)![63]).toBe('\u2026');
    expect(t.claims).toEqual(expectedClaims(input, pub, FIXED_IAT));
  });
  it('a signature altered in one bit no longer verifies (the oracle is not a rubber stamp)', () => {
    const token = tokenOf(BOOT);
    token[token.length - 1]! ^= 1;
    expect(() => readToken(token, pub)).toThrow();
  });
});

describe('refusals', () => {
  const refusal = (input: TokenInput, ports: TokenPorts = p) => {
    const r = makeToken(ports, input);
    return r.ok ? 'ok' : r.reason;
  };
  it('refuses a nonce of 7 or 65 bytes (attest.nonce), takes 8 and 64', () => {
    expect(refusal({ ...ANSWER, nonce: new Uint8Array(7) })).toBe('attest.nonce');
    expect(refusal({ ...ANSWER, nonce: new Uint8Array(65) })).toBe('attest.nonce');
    expect(refusal({ ...ANSWER, nonce: new Uint8Array(8) })).toBe('ok');
    expect(refusal({ ...ANSWER, nonce: new Uint8Array(64) })).toBe('ok');
  });
  it('refuses a nonce the freshness claim does not allow, and a missing one it needs (attest.nonce)', () => {
    expect(refusal({ ...BOOT, nonce: new Uint8Array(16) })).toBe('attest.nonce');
    expect(refusal(without(ANSWER, 'nonce'))).toBe('attest.nonce');
    expect(refusal({ ...ANSWER, trigger: 'boot', freshness: 'last-challenge' })).toBe('ok');
  });
  it('refuses a trigger that does not go with the freshness (attest.input)', () => {
    expect(refusal({ ...ANSWER, trigger: 'boot' })).toBe('attest.input');
    expect(refusal({ ...BOOT, trigger: 'challenge' })).toBe('attest.input');
    expect(refusal({ ...BOOT, trigger: 'toString' as never })).toBe('attest.input');
  });
  it('refuses more than 8 measurement records (attest.components)', () => {
    const nine = Array.from({ length: 9 }, () => ANSWER.measurements[0]!);
    expect(refusal({ ...ANSWER, measurements: nine })).toBe('attest.components');
    expect(refusal({ ...ANSWER, measurements: nine.slice(1) })).toBe('ok');
  });
  it('refuses text over 128 bytes anywhere (attest.input)', () => {
    const long = 'é'.repeat(65); // 130 bytes, 65 characters
    expect(refusal({ ...ANSWER, agentVersion: long })).toBe('attest.input');
    expect(refusal({ ...ANSWER, posture: { ...ANSWER.posture, debug: [long] } })).toBe('attest.input');
    expect(refusal({ ...ANSWER, posture: { ...ANSWER.posture, firmwareVersion: long } })).toBe('attest.input');
    expect(refusal({ ...ANSWER, measurements: [{ ...ANSWER.measurements[0]!, version: long }] })).toBe('attest.input');
    expect(refusal({ ...ANSWER, agentVersion: 'é'.repeat(64) })).toBe('ok');
  });
  it('refuses over-long posture lists, wrong oemid/hwmodel sizes and malformed records (attest.input)', () => {
    const many = Array.from({ length: 65 }, (_, i) => `user${i}`);
    expect(refusal({ ...ANSWER, posture: { ...ANSWER.posture, defaultCredentials: many } })).toBe('attest.input');
    expect(refusal({ ...ANSWER, oemid: new Uint8Array(4) })).toBe('attest.input');
    expect(refusal({ ...ANSWER, hwmodel: new Uint8Array(33) })).toBe('attest.input');
    expect(refusal({ ...ANSWER, hwmodel: new Uint8Array(0) })).toBe('attest.input');
    expect(refusal({ ...ANSWER, measurements: [{ ...ANSWER.measurements[0]!, digest: 'XYZ' }] })).toBe('attest.input');
    expect(refusal({ ...ANSWER, measurements: [{ type: 'firmware', component: 'slot-a', status: 'rejected' }] })).toBe('attest.input');
    expect(refusal({ ...ANSWER, bootSeq: -1 })).toBe('attest.input');
    expect(refusal({ ...ANSWER, deviceId: 'Admin/+' })).toBe('device.id');
  });
  it('refuses a token over 8192 bytes before signing (attest.size)', () => {
    let signed = 0;
    const counting: TokenPorts = { ...p, keys: { ...p.keys, sign: (n, m) => (signed++, p.keys.sign(n, m)), has: (n) => p.keys.has(n), algorithm: (n) => p.keys.algorithm(n), publicKey: (n) => p.keys.publicKey(n) } };
    const wide = (c: string) => Array.from({ length: 64 }, (_, i) => c.repeat(120) + i);
    const input = { ...ANSWER, posture: { ...ANSWER.posture, listening: wide('l'), defaultCredentials: wide('d') } };
    expect(refusal(input, counting)).toBe('attest.size');
    expect(signed).toBe(0);
  });
  it('refuses without an attest key (attest.key): blank device, wrong algorithm, failed signature', () => {
    createBlankDevice(join(dir, 'blank.flash'));
    const blank = nodePlatform(join(dir, 'blank.flash'), { log: makeNodeLog(() => {}) });
    try {
      expect(refusal(ANSWER, blank)).toBe('attest.key');
    } finally {
      blank.close();
    }
    const keys = p.keys;
    const withKeys = (k: Partial<TokenPorts['keys']>): TokenPorts => ({ ...p, keys: { ...keysOf(keys), ...k } });
    expect(refusal(ANSWER, withKeys({ algorithm: () => 'p256' }))).toBe('attest.key');
    expect(refusal(ANSWER, withKeys({ sign: () => new Uint8Array(64) }))).toBe('attest.key');
    expect(refusal(ANSWER, withKeys({ sign: () => { throw Object.assign(new Error('gone'), { reason: 'keystore.absent' }); } }))).toBe('attest.key');
  });
});

function keysOf(k: TokenPorts['keys']): TokenPorts['keys'] {
  return {
    has: (n) => k.has(n), algorithm: (n) => k.algorithm(n), generate: (n, a) => k.generate(n, a), publicKey: (n) => k.publicKey(n),
    sign: (n, m) => k.sign(n, m), agree: (n, x) => k.agree(n, x), deriveKey: (l) => k.deriveKey(l),
  };
}
