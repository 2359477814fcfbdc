// The zw command line: --help everywhere, exit codes of DESIGN.md §Contracts "CLI", the reason
// registry, and provisioning (first part) with its bad inputs.
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REASONS } from '../../hardware/reasons.ts';
import { ROOT } from '../../scripts/lib/host.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEYS = join(ROOT, '../shared/vectors/imgtool/keys');

function zw(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('zw', () => {
  it('prints help and lists its commands; no command is a usage error', () => {
    const h = zw('--help');
    expect(h.status).toBe(0);
    for (const c of ['run', 'provision', 'keygen', 'sign', 'verify', 'dump', 'build', 'trust', 'store', 'reasons', 'demo', 'bench']) expect(h.out).toContain(`  ${c}`);
    expect(zw().status).toBe(2);
  });

  it('every command has --help', () => {
    for (const c of ['run', 'provision', 'keygen', 'sign', 'verify', 'dump', 'build', 'trust', 'store', 'reasons', 'demo', 'bench']) {
      const r = zw(c, '--help');
      expect(r.status, c).toBe(0);
      expect(r.out, c).toMatch(new RegExp(`zw ${c}`));
    }
  });

  it('unknown commands and options exit 2', () => {
    expect(zw('frobnicate').status).toBe(2);
    expect(zw('reasons', '--colour').status).toBe(2);
    expect(zw('run', '--arch', 'riscv64', 'x.ts').status).toBe(2);
  });

  it('zw reasons prints the registry, as text or JSON, filtered by prefix', () => {
    const all = JSON.parse(zw('reasons', '--json').out) as Record<string, string>;
    expect(all).toEqual({ ...REASONS });
    const flash = zw('reasons', 'flash.');
    expect(flash.status).toBe(0);
    expect(flash.out.trim().split('\n').every((l) => l.startsWith('flash.'))).toBe(true);
    expect(zw('reasons', 'nothing.').status).toBe(1);
  });
});

describe('zw provision', () => {
  const flash = join(dir, 'gw-ward3-01.flash');
  it('creates a device with keys, counters and the trust store, and shows it', () => {
    const r = zw('provision', 'gw-ward3-01', '--flash', flash, '--trust-key', join(KEYS, 'ed25519_a.pub.pem'),
      '--trust-key', join(KEYS, 'ecdsa_p256.pem'), '--counter', 'agent=3', '--counter', 'trust=1', '--tls-alg', 'p256', '--json');
    expect(r.status, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.id).toBe('gw-ward3-01');
    expect(s.counters).toEqual({ agent: 3, firmware: 0, trust: 1, 'store-epoch': 0 });
    expect(Object.keys(s.keys).sort()).toEqual(['attest', 'image-enc', 'storage', 'tls']);
    expect(s.keys.tls.alg).toBe('p256');
    expect(s.keys.tls.publicKey).toMatch(/^04[0-9a-f]{128}$/);
    expect(s.keys.storage.publicKey).toBe('');
    // KEYHASH as imgtool computes it (getpubhash): SHA-256 of the DER SubjectPublicKeyInfo.
    expect(s.trustKeys.map((t: { keyHash: string }) => t.keyHash)).toEqual([
      readFileSync(join(KEYS, 'ed25519_a.pubhash.bin')).toString('hex'),
      readFileSync(join(KEYS, 'ecdsa_p256.pubhash.bin')).toString('hex'),
    ]);
    const shown = zw('provision', '--show', '--flash', flash, '--json');
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.out)).toEqual(s);
    expect(zw('provision', '--show', '--flash', flash).out).toContain('gw-ward3-01');
  });

  it('refuses to overwrite an existing device file (exit 3)', () => {
    const r = zw('provision', 'gw-ward3-01', '--flash', flash, '--trust-key', join(KEYS, 'ed25519_a.pub.pem'));
    expect(r.status).toBe(3);
    expect(r.err).toContain('provision.exists');
  });

  it('refuses device ids that break the rules (exit 2, device.id), creating nothing', () => {
    for (const id of ['GW-1', 'gw_1', 'ab', 'gw/1', 'gw+1', 'gw#1', '-gw1', 'verifier', 'admin', 'broker', 'x'.repeat(64)]) {
      const f = join(dir, 'bad-id.flash');
      const r = zw('provision', '--flash', f, '--trust-key', join(KEYS, 'ed25519_a.pub.pem'), '--', id);
      expect(r.status, id).toBe(2);
      expect(r.err, id).toContain('device.id');
      expect(existsSync(f), id).toBe(false);
    }
  });

  it('refuses trust keys that are not Ed25519 or P-256 and bad counter settings (exit 2)', () => {
    const f = join(dir, 'bad.flash');
    const x = zw('provision', 'gw-bad-01', '--flash', f, '--trust-key', join(KEYS, 'x25519_enc.pub.pem'));
    expect(x.status).toBe(2);
    expect(x.err).toContain('provision.trust-key');
    writeFileSync(join(dir, 'junk.pem'), '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    expect(zw('provision', 'gw-bad-01', '--flash', f, '--trust-key', join(dir, 'junk.pem')).err).toContain('provision.trust-key');
    expect(zw('provision', 'gw-bad-01', '--flash', f).err).toContain('provision.trust-key');
    for (const c of ['agent', 'agent=-1', 'boot=1', 'agent=4294967296', 'agent=1x']) {
      const r = zw('provision', 'gw-bad-01', '--flash', f, '--trust-key', join(KEYS, 'ed25519_a.pub.pem'), '--counter', c);
      expect(r.status, c).toBe(2);
      expect(r.err, c).toContain('provision.counter');
    }
    expect(existsSync(f)).toBe(false);
  });
});
