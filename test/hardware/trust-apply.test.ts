// Applying a trust-store update to a gateway's flash device: verified against the device's own
// store and trust counter, written with the counter in one commit of `secure`, so that a power
// cut at any flash operation leaves the old list or the new one — never a mix, never a device
// that trusts nothing. DESIGN.md §Contracts "Trust-store updates are images".
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { encodeTrustDocument, type TrustDocument } from '../../bootloader-verify/trust-update.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { PowerCut } from '../../hardware/node/fault.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { applyTrustToDevice, secureTrust } from '../../hardware/node/trust.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { signImage } from '../../scripts/lib/imgtool/sign.ts';
import { provision, readDevice } from '../../scripts/lib/provision.ts';

const K = join(ROOT, '../shared/vectors/imgtool/keys');
const der = (f: string) => new Uint8Array(readFileSync(join(K, f)));
const A = der('ed25519_a.pub.der'), B = der('ed25519_b.pub.der'), P = der('ecdsa_p256.pub.der');
const id = (k: Uint8Array) => Buffer.from(nodeCrypto.sha256(k)).toString('hex');
const update = (d: TrustDocument, key: string) =>
  signImage(encodeTrustDocument(d), { key: readFileSync(join(K, key)), headerSize: 32, padHeader: true, securityCounter: d.version });

const dir = mkdtempSync(join(tmpdir(), 'zw-trust-apply-'));
const base = join(dir, 'base.flash');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  provision({ id: 'gw-trust-01', flash: base, trustKeys: [join(K, 'ed25519_a.pub.pem'), join(K, 'ecdsa_p256.pub.pem')], counters: { trust: 1, agent: 2 } });
});

function copy(name: string): string {
  const f = join(dir, `${name}.flash`);
  copyFileSync(base, f);
  return f;
}

/** Applies `image` to the device file; the verdict's reason, or 'applied'. */
function applyTo(flash: string, image: Uint8Array): string {
  const f = new NodeFlash(flash);
  try {
    const r = applyTrustToDevice(new SecureState(f.openSecure()), bytesReader(image, nodeCrypto));
    return r.ok ? 'applied' : r.reason;
  } finally {
    f.close();
  }
}

function trustOf(flash: string) {
  const f = new NodeFlash(flash);
  try {
    const t = secureTrust(new SecureState(f.openSecure()));
    if (!t.ok) throw new Error(`${t.reason}: ${t.detail}`);
    return { version: t.version, keys: t.store.keys.map((k) => k.id), revoked: [...t.store.revoked] };
  } finally {
    f.close();
  }
}

const v2 = update({ version: 2, keys: [A, B], revoked: [nodeCrypto.sha256(P)] }, 'ed25519_a.pem');

describe('applying a trust update to a device', () => {
  it('writes the new list and advances the trust counter; the provisioned keys are kept but superseded', () => {
    const f = copy('apply');
    expect(trustOf(f)).toEqual({ version: 1, keys: [id(A), id(P)], revoked: [] });
    expect(applyTo(f, v2)).toBe('applied');
    expect(trustOf(f)).toEqual({ version: 2, keys: [id(A), id(B)], revoked: [id(P)] });
    const d = readDevice(f);
    expect(d.counters.trust).toBe(2);
    expect(d.counters.agent).toBe(2);
    expect(d.trustKeys.map((t) => t.keyHash)).toEqual([id(A), id(P)]);
    expect(d.trustList).toEqual({ version: 2, keyHashes: [id(A), id(B)], revoked: [id(P)] });
    expect(Object.keys(d.keys).sort()).toEqual(['attest', 'image-enc', 'storage', 'tls']);
  });

  it('refuses a replay of the applied update (trust.stale) and leaves secure untouched', () => {
    const f = copy('replay');
    expect(applyTo(f, v2)).toBe('applied');
    const before = readFileSync(f);
    expect(applyTo(f, v2)).toBe('trust.stale');
    expect(applyTo(f, update({ version: 2, keys: [A, B, P], revoked: [] }, 'ed25519_a.pem'))).toBe('trust.stale');
    expect(applyTo(f, update({ version: 1, keys: [A, P], revoked: [] }, 'ed25519_a.pem'))).toBe('image.rollback');
    expect(readFileSync(f).equals(before)).toBe(true);
  });

  it('a revoked key can sign no later update, even one that names it again', () => {
    const f = copy('revoked');
    expect(applyTo(f, v2)).toBe('applied');
    expect(applyTo(f, update({ version: 3, keys: [A, P], revoked: [] }, 'ecdsa_p256.pem'))).toBe('image.key.revoked');
    // A key the new list added can sign the next one; P stays revoked though the list names it.
    expect(applyTo(f, update({ version: 3, keys: [B, P], revoked: [] }, 'ed25519_b.pem'))).toBe('applied');
    expect(trustOf(f)).toEqual({ version: 3, keys: [id(B)], revoked: [id(P)] });
    // A dropped key is no longer trusted.
    expect(applyTo(f, update({ version: 4, keys: [A], revoked: [] }, 'ed25519_a.pem'))).toBe('image.key.unknown');
  });

  it('refuses an update signed by a key the device never trusted, and a tampered one', () => {
    const f = copy('untrusted');
    expect(applyTo(f, update({ version: 2, keys: [B], revoked: [] }, 'ed25519_b.pem'))).toBe('image.key.unknown');
    const t = v2.slice();
    t[60]! ^= 0x01;
    expect(applyTo(f, t)).toBe('image.hash');
    // Truncated, empty, or not an image at all: refused with a reason, secure untouched.
    const before = readFileSync(f);
    for (const [bad, reason] of [[v2.subarray(0, v2.length - 40), /^image\.tlv/], [new Uint8Array(0), /^image\./], [new Uint8Array(500).fill(0x41), /^image\.magic$/]] as const) {
      expect(applyTo(f, bad)).toMatch(reason);
    }
    expect(readFileSync(f).equals(before)).toBe(true);
    expect(trustOf(f).version).toBe(1);
  });

  it('a stored list that no longer matches the trust counter makes the device trust nothing (trust.version)', () => {
    const f = copy('mismatch');
    expect(applyTo(f, v2)).toBe('applied');
    const p = nodePlatform(f);
    p.counters.advance('trust', 3);
    p.close();
    expect(() => trustOf(f)).toThrow(/trust\.version/);
    expect(applyTo(f, update({ version: 4, keys: [A], revoked: [] }, 'ed25519_a.pem'))).toBe('trust.version');
  });
});

describe('a power cut while applying a trust update', () => {
  it('counts one erase, one program and one sync of secure', () => {
    const f = copy('count');
    const ops: string[] = [];
    const p = nodePlatform(f, { onOp: (o) => ops.push(`${o.kind}:${o.partition}`) });
    expect(applyTrustToDevice(new SecureState(p.flash.openSecure()), bytesReader(v2, nodeCrypto)).ok).toBe(true);
    p.close();
    expect(ops).toEqual(['erase:secure', 'program:secure', 'sync:secure']);
  });

  it('at every operation, clean and torn, leaves either the old list and counter or the new ones', () => {
    const seen = new Set<number>();
    for (let cutAt = 1; cutAt <= 3; cutAt++) {
      for (const torn of [false, true]) {
        for (const seed of [1, 2, 3, 4]) {
          const f = copy('cut');
          const p = nodePlatform(f, { plan: { cutAt, torn, seed, flipReads: 0 } });
          expect(() => applyTrustToDevice(new SecureState(p.flash.openSecure()), bytesReader(v2, nodeCrypto))).toThrow(PowerCut);
          const t = trustOf(f);
          if (t.version === 1) expect(t).toEqual({ version: 1, keys: [id(A), id(P)], revoked: [] });
          else expect(t).toEqual({ version: 2, keys: [id(A), id(B)], revoked: [id(P)] });
          seen.add(t.version);
          // The device still verifies an update after the cut: the same one again if it was lost.
          expect(applyTo(f, v2)).toBe(t.version === 1 ? 'applied' : 'trust.stale');
        }
      }
    }
    // Unsynced operations may land at a cut (the durability model): both outcomes occur.
    expect([...seen].sort()).toEqual([1, 2]);
  });
});
