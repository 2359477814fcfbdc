// MCUboot encrypted images (docs/encrypted_images.md, ECIES-X25519): the ENC_X25519 TLV holds
// an ephemeral X25519 public key (32), an HMAC-SHA256 tag (32) and the AES-128 image key
// wrapped with AES-128-CTR (16). KEK and MAC key come from HKDF-SHA256(shared secret, no salt,
// "MCUBoot_ECIES_v1", 48): bytes 0..16 and 16..48. The payload is AES-128-CTR with a zero
// initial counter; the hash and signature cover the plaintext.
import type { Crypto, Key, KeyHandle } from '../hardware/ports.ts';
import { TLV } from './format.ts';
import type { ImageLayout } from './tlv.ts';

const INFO = new TextEncoder().encode('MCUBoot_ECIES_v1');
const ZERO_IV = new Uint8Array(16);

/** Unwraps the image key; null when the TLV is malformed, the agreement fails or the tag is wrong.
 *  `agree` gives the X25519 shared secret with the ephemeral key (raw bytes, or a KeyStore handle). */
export function unwrapImageKey(crypto: Crypto, enc: Uint8Array, agree: (ephemeral: Uint8Array) => Key | null): Uint8Array | null {
  if (enc.length !== 80) return null;
  const shared = agree(enc.subarray(0, 32));
  if (!shared) return null;
  const wrapped = enc.subarray(64, 80);
  let kek: Key, mac: Key;
  if (shared instanceof Uint8Array) {
    const d = crypto.hkdfSha256(shared, new Uint8Array(0), INFO, 48);
    kek = d.subarray(0, 16);
    mac = d.subarray(16, 48);
  } else {
    const d = crypto.hkdfSha256(shared as KeyHandle, new Uint8Array(0), INFO, 48);
    kek = crypto.keySlice(d, 0, 16);
    mac = crypto.keySlice(d, 16, 48);
  }
  const tag = crypto.hmacSha256(mac, wrapped);
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= tag[i]! ^ enc[32 + i]!;
  return diff === 0 ? crypto.aesCtr(kek, ZERO_IV, wrapped) : null;
}

/** A copy of the image with its payload decrypted (header and TLVs unchanged), or null when the
 *  image has no usable ENC_X25519 TLV. */
export function decryptImage(crypto: Crypto, image: Uint8Array, layout: ImageLayout, agree: (ephemeral: Uint8Array) => Key | null): Uint8Array | null {
  const enc = layout.tlvs.filter((t) => t.type === TLV.ENC_X25519 && !t.protected);
  if (enc.length !== 1) return null;
  const key = unwrapImageKey(crypto, enc[0]!.value, agree);
  if (!key) return null;
  const { hdrSize, imgSize } = layout.header;
  const out = image.slice();
  out.set(crypto.aesCtr(key, ZERO_IV, image.subarray(hdrSize, hdrSize + imgSize)), hdrSize);
  return out;
}
