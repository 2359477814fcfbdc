// The Wycheproof loop inside zw-host against the native crypto: one
// `ZW-WYCHEPROOF <json>` line per file, then `ZW-DONE`.
import { hwCrypto } from '../../hardware/hw/platform.ts';
import aesGcm from '../../../shared/vectors/wycheproof/aes_gcm_test.json';
import chacha from '../../../shared/vectors/wycheproof/chacha20_poly1305_test.json';
import ecdsaDer from '../../../shared/vectors/wycheproof/ecdsa_secp256r1_sha256_test.json';
import ecdsaP1363 from '../../../shared/vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json';
import ed25519 from '../../../shared/vectors/wycheproof/ed25519_test.json';
import hkdf from '../../../shared/vectors/wycheproof/hkdf_sha256_test.json';
import hmac from '../../../shared/vectors/wycheproof/hmac_sha256_test.json';
import x25519 from '../../../shared/vectors/wycheproof/x25519_test.json';
import { runWycheproofFile, type WFile } from './wycheproof-loop.ts';

const FILES: Record<string, unknown> = {
  'ed25519_test.json': ed25519,
  'aes_gcm_test.json': aesGcm,
  'chacha20_poly1305_test.json': chacha,
  'hkdf_sha256_test.json': hkdf,
  'hmac_sha256_test.json': hmac,
  'ecdsa_secp256r1_sha256_test.json': ecdsaDer,
  'ecdsa_secp256r1_sha256_p1363_test.json': ecdsaP1363,
  'x25519_test.json': x25519,
};

async function main(): Promise<void> {
  for (const [file, json] of Object.entries(FILES)) {
    let line: unknown;
    try {
      line = { file, ...runWycheproofFile(hwCrypto, json as WFile) };
    } catch (e) {
      line = { file, error: String(e) };
    }
    console.log('ZW-WYCHEPROOF ' + JSON.stringify(line));
    await new Promise((r) => setTimeout(r, 0));
  }
  console.log('ZW-DONE');
}
void main();
