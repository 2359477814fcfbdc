// The imgtool vectors (../shared/vectors/imgtool/MANIFEST.json) with Zorgwacht's expected
// verdict for each, and the slot harness shared by the Node and zw-host runs. Pure.
import type { Crypto, Flash } from '../../hardware/ports.ts';
import { partitionReader, bytesReader } from '../../bootloader-verify/reader.ts';
import { trustedKey, type TrustStore } from '../../bootloader-verify/trust.ts';
import { verifyImage, type Verdict, type VerifyPolicy } from '../../bootloader-verify/verify.ts';

type Expect = 'accept' | string;
/** file: the image as a file of its own length; slot: written into slot-a (rest erased, 0xFF). */
export const EXPECTED: Record<string, { file: Expect; slot?: Expect }> = {
  'p01_ed25519_hdr32.bin': { file: 'accept' },
  'p02_ed25519_hdr512.bin': { file: 'accept' },
  'p03_ed25519_seccnt7.bin': { file: 'accept' },
  'p04_ed25519_pubkey_full.bin': { file: 'accept' },
  'p05_ed25519_padded_confirmed.bin': { file: 'accept' },
  'p06_ed25519_boot_record.bin': { file: 'accept' },
  'p07_ed25519_dependency.bin': { file: 'accept' },
  'p08_ecdsa_p256.bin': { file: 'accept' },
  'p09_ed25519_sha512.bin': { file: 'accept' },
  // Zorgwacht policy, stricter than MCUboot's default build by design:
  'p10_hash_only.bin': { file: 'image.sig.none' },
  'p11_ed25519_x25519_encrypted.bin': { file: 'image.encrypted' },
  'p12_ed25519_custom_prot_tlv.bin': { file: 'accept' },
  'n01_payload_byte_flipped.bin': { file: 'image.hash' },
  'n02_header_version_changed.bin': { file: 'image.hash' },
  'n03_signed_by_other_key.bin': { file: 'image.key.unknown' },
  'n04_other_key_sig_with_keyhash_a.bin': { file: 'image.sig.bad' },
  'n05_truncated_mid_tlv.bin': { file: 'image.tlv.overrun', slot: 'image.sig.bad' },
  'n06_tlv_len_past_end_sig.bin': { file: 'image.tlv.overrun' },
  'n07_tlv_len_past_end_keyhash.bin': { file: 'image.tlv.overrun' },
  'n08_bad_image_magic.bin': { file: 'image.magic' },
  'n09_bad_prot_tlv_magic.bin': { file: 'image.tlv.magic' },
  'n10_seccnt_in_unprotected_area.bin': { file: 'image.seccnt.unprotected' },
  'n11_dup_sha256_conflicting.bin': { file: 'image.tlv.duplicate' },
  'n12_dup_sha256_identical.bin': { file: 'image.tlv.duplicate' },
  'n13_hdr_size_16.bin': { file: 'image.header.size' },
  'n14_hdr_size_16_resigned.bin': { file: 'image.header.size' },
  'n15_img_size_past_eof.bin': { file: 'image.size', slot: 'image.tlv.magic' },
  'n16_unknown_unprotected_tlv.bin': { file: 'image.tlv.unprotected' },
  'n17_zero_length.bin': { file: 'image.truncated', slot: 'image.magic' },
};

export const TRUST_KEY_FILES = ['ed25519_a.pub.der', 'ecdsa_p256.pub.der'];

export function trustStore(spkis: Uint8Array[], crypto: Crypto, revoked: string[] = []): TrustStore {
  return { keys: spkis.map((s) => trustedKey(s, crypto)!), revoked };
}

export function outcome(v: Verdict): string {
  return v.ok ? 'accept' : v.reason;
}

/** Bytes of slot-a erased before each case: more than the largest vector, so no case sees
 *  the bytes of the one before. */
const CLEAN = 256 * 1024;

/** Writes `image` at the start of slot-a (erased first, padded with 0xFF) and verifies it there. */
export function verifyInSlot(flash: Flash, crypto: Crypto, image: Uint8Array, policy: VerifyPolicy): Verdict {
  const slot = flash.open('slot-a');
  const padded = new Uint8Array(Math.ceil(image.length / 16) * 16).fill(0xff);
  padded.set(image);
  slot.erase(0, CLEAN);
  if (padded.length) slot.program(0, padded);
  return verifyImage(partitionReader(slot, crypto), crypto, policy);
}

export function verifyFile(crypto: Crypto, image: Uint8Array, policy: VerifyPolicy): Verdict {
  return verifyImage(bytesReader(image, crypto), crypto, policy);
}
