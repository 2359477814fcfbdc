// Every imgtool vector (MANIFEST.json) gets Zorgwacht's verdict — MCUboot's, except where our
// policy is stricter by design (p10, p11, n12, n14) — as a file and from a flash slot, under
// Node here and as bytecode in zw-host on x86_64 and aarch64.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { ARCHES, ROOT, runBytecode, compile, bundle } from '../../scripts/lib/host.ts';
import { EXPECTED, outcome, TRUST_KEY_FILES, trustStore, verifyFile, verifyInSlot } from './cases.ts';
import { imgtoolVectorsPlugin } from './vectors-plugin.ts';

const DIR = join(ROOT, '../shared/vectors/imgtool');
const manifest = JSON.parse(readFileSync(join(DIR, 'MANIFEST.json'), 'utf8')) as {
  cases: { name: string; expected: string; version?: string; security_counter?: number | null; header_size?: number; payload_len?: number }[];
};
const image = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const trust = trustStore(TRUST_KEY_FILES.map((f) => new Uint8Array(readFileSync(join(DIR, 'keys', f)))), nodeCrypto);
const policy = { trust, minSecurityCounter: 0 };
const tmp = mkdtempSync(join(tmpdir(), 'zw-imgverify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('imgtool vectors on Node', () => {
  let flash: NodeFlash;
  beforeAll(() => {
    createBlankDevice(join(tmp, 'node.flash'));
    flash = new NodeFlash(join(tmp, 'node.flash'));
  });
  afterAll(() => flash.close());

  it('the expectation table covers every case of the manifest', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(manifest.cases.map((c) => c.name).sort());
  });

  for (const c of manifest.cases) {
    const want = EXPECTED[c.name]!;
    it(`${c.name}: ${want.file}${want.slot ? ` (slot: ${want.slot})` : ''}`, () => {
      const v = verifyFile(nodeCrypto, image(c.name), policy);
      expect(outcome(v)).toBe(want.file);
      expect(outcome(verifyInSlot(flash, nodeCrypto, image(c.name), policy))).toBe(want.slot ?? want.file);
      if (v.ok) {
        // The facts imgtool recorded for accepted images.
        expect(v.image.version).toBe(c.version);
        expect(v.image.securityCounter).toBe(c.security_counter ?? null);
        expect(v.image.header.hdrSize).toBe(c.header_size);
        expect(v.image.header.imgSize).toBe(c.payload_len);
      }
    });
  }

  const regressions: [string, string, string][] = [
    ['rejects SEC_CNT in unprotected area (CVE-2024-32883 class)', 'n10_seccnt_in_unprotected_area.bin', 'image.seccnt.unprotected'],
    ['rejects a TLV length running past its area (MCUboot tlv iter, imgtool misses it)', 'n06_tlv_len_past_end_sig.bin', 'image.tlv.overrun'],
    ['rejects a second, conflicting hash TLV after the signature', 'n11_dup_sha256_conflicting.bin', 'image.tlv.duplicate'],
    ['rejects an unknown TLV in the unprotected area (allow list)', 'n16_unknown_unprotected_tlv.bin', 'image.tlv.unprotected'],
    ['rejects a re-signed image with a header under 32 bytes (MCUboot accepts it)', 'n14_hdr_size_16_resigned.bin', 'image.header.size'],
    ['rejects a hash-only image', 'p10_hash_only.bin', 'image.sig.none'],
    ['rejects a KEYHASH naming a trusted key over another key\'s signature', 'n04_other_key_sig_with_keyhash_a.bin', 'image.sig.bad'],
  ];
  for (const [name, file, reason] of regressions) {
    it(name, () => expect(outcome(verifyFile(nodeCrypto, image(file), policy))).toBe(reason));
  }

  it('reads the BOOT_RECORD of p06 (CBOR) into the measurement facts', () => {
    const v = verifyFile(nodeCrypto, image('p06_ed25519_boot_record.bin'), policy);
    expect(v.ok && v.image.bootRecord).toEqual({ swType: 'NSPE', version: '1.2.3', signerId: trust.keys[0]!.id, measurementType: 'SHA256' });
  });

  it('rejects an image whose security counter is below the device counter (image.rollback)', () => {
    expect(outcome(verifyFile(nodeCrypto, image('p03_ed25519_seccnt7.bin'), { trust, minSecurityCounter: 8 }))).toBe('image.rollback');
    expect(outcome(verifyFile(nodeCrypto, image('p03_ed25519_seccnt7.bin'), { trust, minSecurityCounter: 7 }))).toBe('accept');
    expect(outcome(verifyFile(nodeCrypto, image('p01_ed25519_hdr32.bin'), { trust, minSecurityCounter: 1 }))).toBe('image.rollback');
  });

  it('a revoked key never verifies anything again (image.key.revoked), by KEYHASH or PUBKEY', () => {
    const revoked = { trust: { ...trust, revoked: [trust.keys[0]!.id] }, minSecurityCounter: 0 };
    for (const n of ['p01_ed25519_hdr32.bin', 'p04_ed25519_pubkey_full.bin', 'p09_ed25519_sha512.bin']) {
      expect(outcome(verifyFile(nodeCrypto, image(n), revoked)), n).toBe('image.key.revoked');
    }
    expect(outcome(verifyFile(nodeCrypto, image('p08_ecdsa_p256.bin'), revoked))).toBe('accept');
  });

  it('an embedded PUBKEY is only a reference: a key outside the trust store is refused', () => {
    const onlyP256 = { trust: { keys: [trust.keys[1]!], revoked: [] }, minSecurityCounter: 0 };
    expect(outcome(verifyFile(nodeCrypto, image('p04_ed25519_pubkey_full.bin'), onlyP256))).toBe('image.key.unknown');
    expect(outcome(verifyFile(nodeCrypto, image('p01_ed25519_hdr32.bin'), onlyP256))).toBe('image.key.unknown');
  });
});

for (const arch of ARCHES) {
  describe(`imgtool vectors in zw-host (${arch})`, () => {
    const results = new Map<string, string>();
    beforeAll(async () => {
      const bc = join(tmp, 'verify.qjsbc');
      compile(await bundle(join(ROOT, 'test/bootloader-verify/in-host.ts'), {}, [imgtoolVectorsPlugin(DIR)]), bc);
      const flash = join(tmp, `${arch}.flash`);
      createBlankDevice(flash);
      const r = runBytecode(bc, { arch, flash });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      for (const l of r.stdout.split('\n')) {
        if (l.startsWith('ZW-VERDICT ')) {
          const { name, outcome: o } = JSON.parse(l.slice(11));
          results.set(name, o);
        }
      }
    });
    for (const c of manifest.cases) {
      const want = EXPECTED[c.name]!;
      it(`${c.name}: ${want.slot ?? want.file}`, () => {
        expect(results.get(c.name)).toBe(want.slot ?? want.file);
      });
    }
    it('rollback and revocation in the host', () => {
      expect(results.get('rollback p03 at 8')).toBe('image.rollback');
      expect(results.get('revoked p01')).toBe('image.key.revoked');
    });
  });
}
