// Image tooling against the real imgtool 2.4.0 (../shared/vectors/imgtool): zw sign must
// reproduce every Ed25519 and hash-only image byte for byte, through the library and through
// the command run with imgtool's own command lines; ECDSA output must have imgtool's layout and
// verify; bad input gets a reason code and the documented exit status, and nothing is written.
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, describe, expect, it } from 'vitest';
import { u16 } from '../../bootloader-verify/format.ts';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { trustedKey } from '../../bootloader-verify/trust.ts';
import { verifyImage } from '../../bootloader-verify/verify.ts';
import { reasonOf } from '../../hardware/errors.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { REASONS } from '../../hardware/reasons.ts';
import { dumpImage } from '../../scripts/lib/imgtool/dump.ts';
import { generateKey } from '../../scripts/lib/imgtool/keys.ts';
import { parseCustomTlv, parseDependencies } from '../../scripts/lib/imgtool/options.ts';
import { signImage, type SignOptions } from '../../scripts/lib/imgtool/sign.ts';
import { ROOT } from '../../scripts/lib/host.ts';

const V = join(ROOT, '../shared/vectors/imgtool');
const dir = mkdtempSync(join(tmpdir(), 'zw-imgtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (p: string) => new Uint8Array(readFileSync(join(V, p)));
const pem = (k: string) => readFileSync(join(V, 'keys', k), 'utf8');
const zw = (args: string[], cwd = V) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...args], { encoding: 'utf8', cwd });

interface Case { name: string; origin: string; command?: string; key: string | null; header_size: number; protected_tlv_size: number; flags: string; version: string; file_len: number; tlvs_protected: { type: number; len: number }[]; tlvs_unprotected: { type: number; len: number }[] }
const MANIFEST = JSON.parse(readFileSync(join(V, 'MANIFEST.json'), 'utf8')) as { cases: Case[] };
/** The README's verbatim `imgtool sign` command lines (n03's is only there). */
const COMMANDS = readFileSync(join(V, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('imgtool sign '));
const argv = (cmd: string) => [...cmd.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1); // drop "imgtool", keep "sign"

const P3 = file('payloads/payload_3000.bin'), P64 = file('payloads/payload_64k.bin');
const BASE: SignOptions = { key: pem('ed25519_a.pem'), headerSize: 0x20, padHeader: true, align: 4, version: '1.2.3+4', slotSize: 0x20000 };
const LIB_CASES: [string, Uint8Array, SignOptions][] = [
  ['p01_ed25519_hdr32.bin', P3, BASE],
  ['p02_ed25519_hdr512.bin', P64, { ...BASE, headerSize: 0x200 }],
  ['p03_ed25519_seccnt7.bin', P3, { ...BASE, securityCounter: 7 }],
  ['p04_ed25519_pubkey_full.bin', P3, { ...BASE, publicKeyFormat: 'full' }],
  ['p05_ed25519_padded_confirmed.bin', P3, { ...BASE, pad: true, confirm: true }],
  ['p06_ed25519_boot_record.bin', P3, { ...BASE, bootRecord: 'NSPE' }],
  ['p07_ed25519_dependency.bin', P3, { ...BASE, dependencies: parseDependencies('(1,1.0.0+0)') }],
  ['p09_ed25519_sha512.bin', P3, { ...BASE, sha: '512' }],
  ['p10_hash_only.bin', P3, { ...BASE, key: undefined }],
  ['p12_ed25519_custom_prot_tlv.bin', P3, { ...BASE, customTlvs: [parseCustomTlv('0xa0', '0x0102030405060708')] }],
  ['n03_signed_by_other_key.bin', P3, { ...BASE, key: pem('ed25519_b.pem') }],
];

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const accept = (img: Uint8Array, pubPem: string) =>
  verifyImage(bytesReader(img, nodeCrypto), nodeCrypto, { trust: { keys: [trustedKey(new Uint8Array(createPublicKey(pubPem).export({ format: 'der', type: 'spki' })), nodeCrypto)!], revoked: [] }, minSecurityCounter: 0 });

/** p08's layout, signature aside; the signature must verify over the digest (noble, prehash off). */
function checkEcdsa(ours: Uint8Array): void {
  const theirs = file('p08_ecdsa_p256.bin');
  const hashed = 0x20 + 65536; // no protected TLVs
  expect(same(ours.subarray(0, hashed), theirs.subarray(0, hashed))).toBe(true);
  // SHA256 and KEYHASH TLVs identical; then ECDSA_SIG (0x22): a DER SEQUENCE of at most 72
  // bytes (shorter when r or s has leading zero bytes), ending the file.
  expect(same(ours.subarray(hashed + 4, hashed + 4 + 72), theirs.subarray(hashed + 4, hashed + 4 + 72))).toBe(true);
  const at = hashed + 4 + 72, len = u16(ours, at + 2);
  expect([u16(ours, at), ours.length - (at + 4), ours[at + 4], ours[at + 5]]).toEqual([0x22, len, 0x30, len - 2]);
  expect(len).toBeLessThanOrEqual(72);
  expect(u16(ours, hashed + 2)).toBe(4 + 36 + 36 + 4 + len);
  const digest = ours.subarray(hashed + 8, hashed + 40), sig = ours.subarray(at + 4);
  const spki = file('keys/ecdsa_p256.pub.der');
  // OpenSSL (imgtool's and ours) does not normalise s, so high-S signatures are valid here.
  for (const s of [sig, theirs.subarray(at + 4)]) expect(p256.verify(s, digest, spki.subarray(-65), { prehash: false, format: 'der', lowS: false })).toBe(true);
  expect(verify('sha256', ours.subarray(0, hashed), { key: pem('ecdsa_p256.pub.pem'), dsaEncoding: 'der' }, sig)).toBe(true);
  expect(accept(ours, pem('ecdsa_p256.pub.pem')).ok).toBe(true);
}

describe('zw sign reproduces imgtool 2.4.0', () => {
  it.each(LIB_CASES)('library: %s is byte-identical', (name, payload, opts) => {
    expect(same(signImage(payload, opts), file(name))).toBe(true);
  });

  it('library: ECDSA P-256 (p08) has imgtool\'s layout and a signature that verifies over the digest', () => {
    checkEcdsa(signImage(P64, { ...BASE, key: pem('ecdsa_p256.pem') }));
  });

  it('command: each of imgtool\'s own command lines gives the same bytes (ECDSA: verifies; --encrypt: refused)', () => {
    const seen = { identical: 0, ecdsa: 0, unsupported: 0 };
    expect(COMMANDS.length).toBe(13);
    for (const cmd of COMMANDS) {
      const a = argv(cmd), out = join(dir, `cli-${a.at(-1)!}`);
      const r = zw([...a.slice(0, -1), out]);
      if (a.includes('--encrypt')) {
        expect([r.status, existsSync(out)], cmd).toEqual([2, false]);
        seen.unsupported++;
      } else if (cmd.includes('ecdsa')) {
        expect(r.status, r.stderr).toBe(0);
        checkEcdsa(new Uint8Array(readFileSync(out)));
        seen.ecdsa++;
      } else {
        expect(r.status, r.stderr).toBe(0);
        expect(same(new Uint8Array(readFileSync(out)), file(a.at(-1)!)), cmd).toBe(true);
        seen.identical++;
      }
    }
    expect(seen).toEqual({ identical: 11, ecdsa: 1, unsupported: 1 });
  });
});

describe('zw sign refuses bad input', () => {
  const x25519 = pem('x25519_enc.pem');
  const BAD: [string, string, SignOptions][] = [
    ['X25519 key', 'sign.key', { ...BASE, key: x25519 }],
    ['public-only key', 'sign.key', { ...BASE, key: pem('ed25519_a.pub.pem') }],
    ['not a key', 'sign.key', { ...BASE, key: 'hello' }],
    ['version 1.2.x', 'sign.version', { ...BASE, version: '1.2.x' }],
    ['version 256.0.0', 'sign.version', { ...BASE, version: '256.0.0' }],
    ['header size 16', 'sign.header', { ...BASE, headerSize: 16 }],
    ['no zeroed header room', 'sign.header', { ...BASE, padHeader: false }],
    ['align 3', 'sign.align', { ...BASE, align: 3 }],
    ['max align 4', 'sign.align', { ...BASE, maxAlign: 4 }],
    ['slot too small', 'sign.slot', { ...BASE, slotSize: 0x1000 }],
    ['P-256 with SHA-512', 'sign.sha', { ...BASE, key: pem('ecdsa_p256.pem'), sha: '512' }],
    ['custom TLV 0x10', 'sign.tlv', { ...BASE, customTlvs: [{ type: 0x10, value: new Uint8Array(1) }] }],
    ['custom TLV twice', 'sign.tlv', { ...BASE, customTlvs: [parseCustomTlv('0xa0', 'x'), parseCustomTlv('160', 'y')] }],
    ['13-character sw_type', 'sign.option', { ...BASE, bootRecord: 'ABCDEFGHIJKLM' }],
    ['security counter 2^32', 'sign.option', { ...BASE, securityCounter: 2 ** 32 }],
  ];
  it.each(BAD)('library: %s → %s', (_, reason, opts) => {
    let thrown: unknown;
    try {
      signImage(P3, opts);
    } catch (e) {
      thrown = e;
    }
    expect(reasonOf(thrown)).toBe(reason);
    expect(reason in REASONS).toBe(true);
  });

  it('command: usage errors exit 2, I/O errors exit 3, each with its reason code; nothing is written', () => {
    const out = join(dir, 'bad.bin');
    const opts = (o: Record<string, string> = {}) =>
      Object.entries({ '--key': 'keys/ed25519_a.pem', '--header-size': '0x20', '--align': '4', '--version': '1.2.3+4', '--slot-size': '0x20000', ...o }).flat().concat('--pad-header');
    const run = (args: string[], payload = 'payloads/payload_3000.bin') => zw(['sign', ...args, payload, out]);
    const cases: [string[], number, string][] = [
      [opts({ '--key': 'keys/x25519_enc.pem' }), 2, 'sign.key'],
      [opts({ '--version': 'v1' }), 2, 'sign.version'],
      [opts({ '--header-size': '16' }), 2, 'sign.header'],
      [opts({ '--align': '3' }), 2, 'sign.align'],
      [opts({ '--slot-size': '0x1000' }), 2, 'sign.slot'],
      [opts({ '--slot-size': 'lots' }), 2, 'sign.option'],
      [opts().concat('--custom-tlv', '0x10', '0x01'), 2, 'sign.tlv'],
      [opts({ '--key': 'keys/nope.pem' }), 3, 'tool.input'],
    ];
    for (const [args, status, reason] of cases) {
      const r = run(args);
      expect([r.status, existsSync(out)], `${args.join(' ')}: ${r.stderr}`).toEqual([status, false]);
      expect(r.stderr).toContain(reason);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(run(opts(), 'payloads/nope.bin').status).toBe(3);
    writeFileSync(out, 'keep me');
    const exists = run(opts());
    expect([exists.status, readFileSync(out, 'utf8')]).toEqual([3, 'keep me']);
    expect(exists.stderr).toContain('tool.output');
    expect(run([...opts(), '--force']).status).toBe(0);
    expect(same(new Uint8Array(readFileSync(out)), file('p01_ed25519_hdr32.bin'))).toBe(true);
  });
});

describe('zw keygen', () => {
  it('writes PKCS#8 keys that sign images the gateway verifies; never overwrites; refuses unknown types', () => {
    const k = join(dir, 'new.pem'), pub = join(dir, 'new.pub.pem');
    const r = zw(['keygen', '-k', k, '-t', 'ed25519', '--pub', pub]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(k, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const img = signImage(P3, { ...BASE, key: readFileSync(k, 'utf8'), securityCounter: 3 });
    const verdict = accept(img, readFileSync(pub, 'utf8'));
    expect(verdict).toMatchObject({ ok: true, image: { securityCounter: 3 } });
    // The key hash it prints is the signer id the verifier reports (MCUboot KEYHASH).
    expect(r.stderr).toContain(`key hash ${verdict.ok ? verdict.image.signer : '?'}`);
    const p = generateKey('ecdsa-p256');
    expect(accept(signImage(P3, { ...BASE, key: p.privatePem }), p.publicPem).ok).toBe(true);
    expect(generateKey('x25519').privatePem).toContain('PRIVATE KEY');
    const before = readFileSync(k, 'utf8');
    expect(zw(['keygen', '-k', k, '-t', 'ed25519']).status).toBe(3);
    expect(readFileSync(k, 'utf8')).toBe(before);
    const rsa = zw(['keygen', '-k', join(dir, 'rsa.pem'), '-t', 'rsa-2048']);
    expect([rsa.status, existsSync(join(dir, 'rsa.pem'))]).toEqual([2, false]);
    expect(rsa.stderr).toContain('keygen.type');
  });
});

describe('zw dump', () => {
  const byName = new Map(MANIFEST.cases.map((c) => [c.name, c]));
  it('p01 as JSON: the MANIFEST\'s header fields and TLV types and lengths', () => {
    const r = zw(['dump', '--json', 'p01_ed25519_hdr32.bin']);
    expect(r.status, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout), m = byName.get('p01_ed25519_hdr32.bin')!;
    expect(d.header).toEqual({ magic: '0x96f3b83d', loadAddr: 0, headerSize: m.header_size, protectedTlvSize: m.protected_tlv_size, imageSize: 3000, flags: [], flagsValue: m.flags, version: m.version });
    expect(d.tlvs.map((t: { area: string; name: string; type: number; length: number }) => [t.area, t.name, t.type, t.length])).toEqual([
      ['unprotected', 'SHA256', 16, 32], ['unprotected', 'KEYHASH', 1, 32], ['unprotected', 'ED25519', 36, 64]]);
    expect(d.signer).toEqual({ from: 'KEYHASH', keyHash: Buffer.from(file('keys/ed25519_a.pubhash.bin')).toString('hex') });
    expect([d.hash, d.imageLength, d.trailer]).toEqual([{ alg: 'SHA256', matches: true }, m.file_len, null]);
  });

  it('every imgtool image: header, TLV types and lengths as the MANIFEST says; SEC_CNT as a number', () => {
    for (const m of MANIFEST.cases.filter((c) => c.origin.startsWith('imgtool sign'))) {
      const d = dumpImage(file(m.name));
      if (!d.ok) throw new Error(`${m.name}: ${d.reason}`);
      expect([d.value.header.headerSize, d.value.header.protectedTlvSize, d.value.header.version], m.name).toEqual([m.header_size, m.protected_tlv_size, m.version]);
      const tlvs = (area: string) => d.value.tlvs.filter((t) => t.area === area).map((t) => ({ type: t.type, len: t.length }));
      expect(tlvs('protected')).toEqual(m.tlvs_protected.map(({ type, len }) => ({ type, len })));
      expect(tlvs('unprotected')).toEqual(m.tlvs_unprotected.map(({ type, len }) => ({ type, len })));
    }
    const p03 = dumpImage(file('p03_ed25519_seccnt7.bin'));
    expect(p03.ok && p03.value.tlvs[0]).toMatchObject({ area: 'protected', name: 'SEC_CNT', securityCounter: 7 });
    const p05 = dumpImage(file('p05_ed25519_padded_confirmed.bin'));
    expect(p05.ok && p05.value.trailer).toEqual({ maxAlign: 8, imageOk: 1 });
  });

  it('n17 (empty) and n15 (image size past the end) are rejects with a reason code, exit 1', () => {
    for (const [name, reason] of [['n17_zero_length.bin', 'image.truncated'], ['n15_img_size_past_eof.bin', 'image.size']]) {
      const r = zw(['dump', '--json', name!]);
      expect([r.status, JSON.parse(r.stdout)], r.stderr).toEqual([1, expect.objectContaining({ verdict: 'reject', reason })]);
    }
    for (const m of MANIFEST.cases) expect(() => dumpImage(file(m.name))).not.toThrow();
  });
});

describe('image tooling reason codes', () => {
  it('every sign.*, keygen.* and tool.* code in the tooling sources is in the registry', () => {
    const files = ['lib/imgtool/sign.ts', 'lib/imgtool/keys.ts', 'lib/imgtool/options.ts', 'lib/imgtool/tlvs.ts', 'lib/imgtool/files.ts', 'zw/sign.ts', 'zw/keygen.ts', 'zw/dump.ts'];
    const used = files.flatMap((f) => [...readFileSync(join(ROOT, 'scripts', f), 'utf8').matchAll(/'((?:sign|keygen|tool)\.[a-z-]+)'/g)].map((m) => m[1]!));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((c) => !(c in REASONS))).toEqual([]);
    const help = zw(['--help']);
    for (const c of ['keygen', 'sign', 'dump']) expect(help.stdout).toContain(`  ${c}`);
    expect(zw(['sign', '--help']).stdout).toContain('zw sign -H SIZE');
  });
});
