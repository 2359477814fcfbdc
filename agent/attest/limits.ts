// Every bound of the attestation token in one place (STYLE.md 8), from docs/eat-profile.md
// §Limits. Inputs are checked against these before anything is encoded; the whole token is
// checked against MAX_TOKEN before it is signed.

/** Whole COSE_Sign1 token, tag included; the verifier refuses a bigger one before decoding. */
export const MAX_TOKEN = 8192;
/** The verifier's challenge nonce (eat_nonce, RFC 9711 §4.1 allows 8..64 bytes). */
export const MIN_NONCE = 8;
export const MAX_NONCE = 64;
/** Software components: one per measurement-log record. */
export const MAX_COMPONENTS = 8;
/** Every text value, in UTF-8 bytes. */
export const MAX_TEXT = 128;
/** Entries of each posture array (listening, default-credentials, debug). */
export const MAX_POSTURE_ENTRIES = 64;
/** IEEE OUI (oemid, RFC 9711 §4.2.3). */
export const OEMID_BYTES = 3;
/** hwmodel (RFC 9711 §4.2.4). */
export const MIN_HWMODEL = 1;
export const MAX_HWMODEL = 32;
/** Ed25519 signature (RFC 8032 §5.1.6). */
export const SIGNATURE_BYTES = 64;
/** Ed25519 public key as the KeyStore returns it. */
export const PUBLIC_KEY_BYTES = 32;
