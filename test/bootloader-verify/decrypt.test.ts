// Encrypted images (MCUboot ECIES-X25519, imgtool --encrypt): p11 decrypts to the payload imgtool
// was given and then verifies; wrong keys and damaged TLVs are refused.
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptImage } from '../../bootloader-verify/decrypt.ts';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { parseLayout, type ImageLayout } from '../../bootloader-verify/tlv.ts';
import { verifyImage } from '../../bootloader-verify/verify.ts';
import { makeHandle, nodeCrypto } from '../../hardware/node/crypto.ts';
import { ROOT } from '../../scripts/lib/host.ts';
import { TRUST_KEY_FILES, trustStore } from './cases.ts';

const V = join(ROOT, '../shared/vectors/imgtool');
const p11 = new Uint8Array(readFileSync(join(V, 'p11_ed25519_x25519_encrypted.bin')));
const manifest = JSON.parse(readFileSync(join(V, 'MANIFEST.json'), 'utf8')).cases.find((c: { name: string }) => c.name.startsWith('p11'));
const rawX25519 = (pem: string | Buffer) => new Uint8Array(Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url'));
const encKey = rawX25519(readFileSync(join(V, 'keys/x25519_enc.pem')));
const trust = trustStore(TRUST_KEY_FILES.map((f) => new Uint8Array(readFileSync(join(V, 'keys', f)))), nodeCrypto);
const layout = (b: Uint8Array): ImageLayout => {
  const l = parseLayout(bytesReader(b, nodeCrypto));
  if (!l.ok) throw new Error(l.reason);
  return l.value;
};
const raw = (priv: Uint8Array) => (eph: Uint8Array) => nodeCrypto.x25519(priv, eph);

describe('encrypted images', () => {
  it('p11 decrypts to the payload imgtool signed, and then verifies', () => {
    const plain = decryptImage(nodeCrypto, p11, layout(p11), raw(encKey))!;
    const l = layout(p11);
    const body = plain.subarray(l.header.hdrSize, l.header.hdrSize + l.header.imgSize);
    expect(createHash('sha256').update(body).digest('hex')).toBe(manifest.payload_sha256);
    const v = verifyImage(bytesReader(plain, nodeCrypto), nodeCrypto, { trust, minSecurityCounter: 0, decrypted: true });
    expect(v.ok).toBe(true);
  });

  it('works with a KeyStore handle for the shared secret (the device path)', () => {
    const plain = decryptImage(nodeCrypto, p11, layout(p11), (eph) => makeHandle(nodeCrypto.x25519(encKey, eph)!));
    expect(plain).toEqual(decryptImage(nodeCrypto, p11, layout(p11), raw(encKey)));
  });

  it('refuses a wrong key, a damaged tag, a damaged wrapped key and a wrong-length TLV', () => {
    const other = rawX25519(generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(decryptImage(nodeCrypto, p11, layout(p11), raw(other))).toBeNull();
    const encAt = layout(p11).tlvs.find((t) => t.type === 0x33)!.offset + 4;
    for (const at of [encAt + 40, encAt + 70]) {
      const bad = p11.slice();
      bad[at]! ^= 1;
      expect(decryptImage(nodeCrypto, bad, layout(bad), raw(encKey)), `byte ${at - encAt}`).toBeNull();
    }
    const short = layout(p11);
    const tlvs = short.tlvs.map((t) => (t.type === 0x33 ? { ...t, value: t.value.subarray(0, 79) } : t));
    expect(decryptImage(nodeCrypto, p11, { ...short, tlvs }, raw(encKey))).toBeNull();
  });

  it('a flipped ciphertext byte decrypts to a payload whose hash fails (image.hash)', () => {
    const bad = p11.slice();
    bad[100]! ^= 1;
    const plain = decryptImage(nodeCrypto, bad, layout(bad), raw(encKey))!;
    const v = verifyImage(bytesReader(plain, nodeCrypto), nodeCrypto, { trust, minSecurityCounter: 0, decrypted: true });
    expect(v.ok ? 'accept' : v.reason).toBe('image.hash');
  });
});
