// zw verify: the gateway's verifier on the command line, with the exit codes of §Contracts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/host.ts';

const V = join(ROOT, '../shared/vectors/imgtool');
const K = join(V, 'keys');
const A_ID = '3c79741fcbbe6f27e20c5e704aeca638c70376bac051a672b41dc71ec9eaf2ce';
const zw = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'verify', ...a], { encoding: 'utf8' });

describe('zw verify', () => {
  it('accepts an imgtool-signed image with the trusted key (exit 0) and explains as JSON', () => {
    const r = zw('--key', join(K, 'ed25519_a.pub.pem'), '--json', join(V, 'p03_ed25519_seccnt7.bin'));
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.verdict).toBe('accept');
    expect(o.image).toMatchObject({ version: '1.2.3+4', securityCounter: 7, hashAlg: 'sha256' });
  });
  it('rejects with a reason code (exit 1): other key, unprotected SEC_CNT, rollback, revoked', () => {
    const a = join(K, 'ed25519_a.pub.pem');
    expect(zw('--key', a, join(V, 'n03_signed_by_other_key.bin')).stdout).toContain('image.key.unknown');
    const n10 = zw('--key', a, join(V, 'n10_seccnt_in_unprotected_area.bin'));
    expect(n10.status).toBe(1);
    expect(n10.stdout).toContain('image.seccnt.unprotected');
    const rb = zw('--key', a, '--min-security-counter', '8', join(V, 'p03_ed25519_seccnt7.bin'));
    expect(rb.status).toBe(1);
    expect(rb.stdout).toContain('image.rollback');
    const rev = zw('--key', a, '--revoke', '3c79741fcbbe6f27e20c5e704aeca638c70376bac051a672b41dc71ec9eaf2ce', join(V, 'p01_ed25519_hdr32.bin'));
    expect(rev.stdout).toContain('image.key.revoked');
  });
  it('verifies an encrypted image over its plaintext with --enc-key; a wrong key is image.decrypt', () => {
    const a = join(K, 'ed25519_a.pub.pem');
    const p11 = join(V, 'p11_ed25519_x25519_encrypted.bin');
    expect(zw('--key', a, '--enc-key', join(K, 'x25519_enc.pem'), p11).status).toBe(0);
    const without = zw('--key', a, p11);
    expect(without.status).toBe(1);
    expect(without.stdout).toContain('image.encrypted');
  });

  it('--trust takes keys and revocations from a trust-update image verified against --key', () => {
    const d = mkdtempSync(join(tmpdir(), 'zw-verify-trust-'));
    const t = join(d, 'trust.img');
    const made = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'trust', 'build', '--key', join(K, 'ed25519_a.pem'), '--version', '2',
      '--trust-key', join(K, 'ed25519_b.pub.pem'), '--revoke', A_ID, '-o', t], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const a = join(K, 'ed25519_a.pub.pem');
    // Before the list, key A verifies p01; under it, A is revoked.
    expect(zw('--key', a, join(V, 'p01_ed25519_hdr32.bin')).status).toBe(0);
    const rev = zw('--key', a, '--trust', t, '--json', join(V, 'p01_ed25519_hdr32.bin'));
    expect(rev.status).toBe(1);
    expect(JSON.parse(rev.stdout)).toMatchObject({ verdict: 'reject', reason: 'image.key.revoked' });
    // The list must verify against --key: signed by A, it does not against B alone.
    const bad = zw('--key', join(K, 'ed25519_b.pub.pem'), '--trust', t, join(V, 'p01_ed25519_hdr32.bin'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('image.key.unknown');
    expect(bad.stdout).toContain('--trust');
    // Without --key the list must be self-signed: this one is signed by A, which it revokes.
    expect(zw('--trust', t, join(V, 'p01_ed25519_hdr32.bin')).stdout).toContain('image.key.revoked');
    const self = join(d, 'self.img');
    spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'trust', 'build', '--key', join(K, 'ed25519_a.pem'), '--version', '3',
      '--trust-key', join(K, 'ed25519_a.pub.pem'), '-o', self], { encoding: 'utf8' });
    expect(zw('--trust', self, join(V, 'p01_ed25519_hdr32.bin')).status).toBe(0);
    expect(zw('--trust', self, join(V, 'n03_signed_by_other_key.bin')).stdout).toContain('image.key.unknown');
    expect(zw('--trust', join(V, 'p01_ed25519_hdr32.bin'), join(V, 'p01_ed25519_hdr32.bin')).stdout).toContain('trust.document');
    expect(zw('--trust', join(d, 'missing.img'), join(V, 'p01_ed25519_hdr32.bin')).status).toBe(3);
  });

  it('usage errors exit 2, a missing image exits 3', () => {
    expect(zw(join(V, 'p01_ed25519_hdr32.bin')).status).toBe(2);
    expect(zw('--key', join(K, 'ed25519_a.pub.pem'), '--min-security-counter', '-1', join(V, 'p01_ed25519_hdr32.bin')).status).toBe(2);
    expect(zw('--key', join(K, 'x25519_enc.pub.pem'), join(V, 'p01_ed25519_hdr32.bin')).status).toBe(2);
    expect(zw('--key', join(K, 'ed25519_a.pub.pem'), join(V, 'nope.bin')).status).toBe(3);
  });
});

describe('zw trust', () => {
  const trust = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'trust', ...a], { encoding: 'utf8' });
  it('builds an update and shows it, with the verdict a gateway would give', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'zw-trust-')), 'trust.img');
    const b = trust('build', '--key', join(K, 'ed25519_a.pem'), '--version', '2', '--trust-key', join(K, 'ed25519_a.pub.pem'),
      '--trust-key', join(K, 'ed25519_b.pub.pem'), '--revoke', '2381f0a83228d7559f2f941d342a2244cbb645302b2bbab12914822ccbd5aedb', '-o', out);
    expect(b.status, b.stderr).toBe(0);
    const s = trust('show', '--json', '--key', join(K, 'ed25519_a.pub.pem'), '--counter', '1', out);
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ version: 2, verdict: 'accept', revoked: ['2381f0a83228d7559f2f941d342a2244cbb645302b2bbab12914822ccbd5aedb'] });
    const stale = trust('show', '--key', join(K, 'ed25519_a.pub.pem'), '--counter', '2', out);
    expect(stale.status).toBe(1);
    expect(stale.stdout).toContain('trust.stale');
    expect(trust('show', join(V, 'p01_ed25519_hdr32.bin')).status).toBe(1);
    expect(trust('build', '--key', join(K, 'ed25519_a.pem'), '--version', '0', '--trust-key', join(K, 'ed25519_a.pub.pem'), '-o', out).status).toBe(2);
    expect(trust('frob').status).toBe(2);
  });

  it('applies an update to a provisioned device, shows the device list, refuses replays and revoked signers', () => {
    const d = mkdtempSync(join(tmpdir(), 'zw-trust-apply-'));
    const flash = join(d, 'gw.flash');
    const z = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...a], { encoding: 'utf8' });
    expect(z('provision', 'gw-trust-cli', '--flash', flash, '--trust-key', join(K, 'ed25519_a.pub.pem'), '--counter', 'trust=1').status).toBe(0);
    const img = join(d, 'v2.img');
    expect(trust('build', '--key', join(K, 'ed25519_a.pem'), '--version', '2', '--trust-key', join(K, 'ed25519_b.pub.pem'), '--revoke', A_ID, '-o', img).status).toBe(0);
    const before = trust('show', '--json', '--flash', flash);
    expect(JSON.parse(before.stdout)).toMatchObject({ version: 1, keys: [{ id: A_ID, alg: 'ed25519' }], revoked: [] });
    const a = trust('apply', '--flash', flash, img);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toContain('applied');
    const after = JSON.parse(trust('show', '--json', '--flash', flash).stdout);
    expect(after).toMatchObject({ version: 2, revoked: [A_ID] });
    expect(after.keys.map((k: { id: string }) => k.id)).not.toContain(A_ID);
    const again = trust('apply', '--json', '--flash', flash, img);
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ verdict: 'reject', reason: 'image.key.revoked' });
    const byA = join(d, 'v3.img');
    expect(trust('build', '--key', join(K, 'ed25519_a.pem'), '--version', '3', '--trust-key', join(K, 'ed25519_a.pub.pem'), '-o', byA).status).toBe(0);
    const revoked = trust('apply', '--flash', flash, byA);
    expect(revoked.status).toBe(1);
    expect(revoked.stdout).toContain('image.key.revoked');
    const shown = z('provision', '--show', '--flash', flash);
    expect(shown.stdout).toContain('trust list version 2');
    expect(shown.stdout).toContain(`revoked    keyhash ${A_ID}`);
    // An image signed by the revoked key is no longer installed as the agent.
    const agent = z('provision', '--flash', flash, '--agent', join(V, 'p01_ed25519_hdr32.bin'));
    expect(agent.status).toBe(1);
    expect(agent.stderr).toContain('image.key.revoked');
    expect(trust('apply', flash).status).toBe(2);
    expect(trust('apply', '--flash', flash, join(d, 'none.img')).status).toBe(3);
  });
});
