// The registry of stable reason codes (DESIGN.md §Contracts "CLI"): every code the project
// emits — thrown in a ZwError, returned in a verdict, printed by a host — is listed here with
// its one-line meaning. `zw reasons` prints it; a test checks that the native host and the
// TypeScript code use no code missing from it.

export const REASONS = {
  // crypto
  'crypto.param': 'a crypto parameter is outside the contract (key, nonce, tag or output size; unsupported algorithm)',
  'crypto.type': 'a crypto argument has the wrong type (e.g. a string where bytes are required)',
  'crypto.state': 'a streaming hash was used after digest()',
  'crypto.handle': 'a key handle is invalid, foreign or already released',
  'crypto.backend': 'the crypto backend (OpenSSL) failed unexpectedly',
  // key store and counters (the secure partition)
  'keystore.absent': 'the named key does not exist in secure',
  'keystore.exists': 'the named key already exists; keys are never silently replaced',
  'keystore.alg': 'the algorithm is not allowed for that key name, or the key cannot do that operation',
  'keystore.name': 'unknown key name',
  'counter.name': 'unknown counter name',
  'counter.rollback': 'a monotonic counter was asked to go back',
  'counter.range': 'a counter value is outside 0..0xffffffff',
  'secure.empty': 'the secure partition holds no valid record (device not provisioned)',
  'secure.corrupt': 'a secure record failed its checks and was ignored',
  'secure.full': 'the secure state no longer fits in one bank of the secure partition',
  'secure.layout': 'the device was provisioned with a different partition table',
  // flash
  'flash.range': 'access outside the partition',
  'flash.align': 'program or erase not aligned to the program unit or erase block',
  'flash.unerased': 'programming a byte that is not erased',
  'flash.partition': 'unknown partition name',
  'flash.absent': 'no flash device was given to the host',
  'flash.io': 'the flash device file could not be read or written',
  'flash.size': 'the flash device file does not have the size of the layout',
  'flash.dead': 'the power was cut: the flash refuses every operation until restart',
  // host runtime
  'host.watchdog': 'a script ran longer than the watchdog allows without yielding to the event loop',
  'host.oom': 'the script exceeded the host memory limit',
  'host.uncaught': 'the script ended with an uncaught exception or unhandled rejection',
  'host.usage': 'the host was started with wrong arguments',
  'host.load': 'the bytecode could not be loaded',
  'host.fault-plan': 'ZW_FAULT is not a valid fault plan',
  'host.power-cut': 'the fault plan cut the power (ZW-POWER-CUT)',
  // log
  'log.field': 'a log field has a type that is not allowed (bytes are refused so secrets cannot leak)',
  // provisioning and device identity
  'device.id': 'the device id breaks the rules (^[a-z0-9][a-z0-9-]{2,62}$, not a reserved name)',
  'provision.exists': 'the flash file already exists; refusing to overwrite it',
  'provision.trust-key': 'a trust key file is not an Ed25519 or P-256 public or private key in PEM',
  'provision.agent': 'the agent image would be refused by the gateway, or does not fit its partition',
  'provision.counter': 'a counter setting is not name=value with a known name and a 32-bit value',
  // image verification (bootloader-verify/; MCUboot image format)
  'image.truncated': 'the image ends before its header or a TLV area does',
  'image.magic': 'the header magic is not MCUboot\'s 0x96f3b83d',
  'image.header.size': 'ih_hdr_size is smaller than the 32-byte header',
  'image.size': 'header + payload run past the end of the image or the slot',
  'image.tlv.magic': 'a TLV area does not start with its magic (0x6908 protected, 0x6907 unprotected)',
  'image.tlv.size': 'a TLV area\'s total length is impossible or disagrees with the header',
  'image.tlv.overrun': 'a TLV or TLV area runs past the end of its area or of the image',
  'image.tlv.len': 'a TLV has the wrong length for its type',
  'image.tlv.unprotected': 'a TLV that is not on the allow list sits in the unprotected area',
  'image.tlv.misplaced': 'a hash, key or signature TLV sits in the protected area',
  'image.tlv.unsupported': 'a TLV type MCUboot knows but Zorgwacht does not accept (RSA, ECDSA-224, SHA-384, …)',
  'image.tlv.duplicate': 'a second hash, key reference, signature, SEC_CNT or BOOT_RECORD TLV',
  'image.encrypted': 'the payload is encrypted and no decryption key was given',
  'image.decrypt': 'the image key cannot be unwrapped with the given key (wrong key or a damaged ENC_X25519 TLV)',
  'image.compressed': 'compressed images are not supported',
  'image.hash.none': 'the image has no SHA256 or SHA512 TLV',
  'image.hash': 'the hash of header, payload and protected TLVs does not match the hash TLV',
  'image.sig.none': 'the image carries no signature (hash-only images are refused)',
  'image.sig.bad': 'the signature does not verify with the trusted key',
  'image.sig.alg': 'the signature type does not match the signer key\'s algorithm',
  'image.key.none': 'no KEYHASH or PUBKEY TLV names the signer',
  'image.key.unknown': 'the signer key is not in the trust store',
  'image.key.revoked': 'the signer key is revoked and never verifies anything again',
  'image.seccnt.unprotected': 'SEC_CNT sits outside the protected TLV area (CVE-2024-32883 class)',
  'image.bootrecord': 'the BOOT_RECORD TLV is not the CBOR map MCUboot defines',
  'image.rollback': 'the image\'s security counter is below the device\'s counter',
  // trust-store updates (bootloader-verify/trust-update.ts)
  'trust.version': 'a trust update has no SEC_CNT or its document version differs from it, or the stored trust list does not match the trust counter',
  'trust.stale': 'a trust update is not newer than the device\'s trust counter',
  'trust.document': 'a trust update\'s payload, or the trust list stored in secure, is not a well-formed trust document with a usable key',
  // the store on the data partition (agent/store/, FORMAT.md there)
  'store.rollback': 'the data partition is older than the store-epoch counter (a restored copy), blank although the store existed, or from an epoch this device never reached',
  'store.full': 'the commit does not fit: the data partition is full of live records (nothing committed is lost)',
  'store.record.auth': 'a record failed authentication after re-reading (damaged or altered); recovery goes on with the rest',
  'store.audit.chain': 'the audit trail\'s hash chain is broken: a record is missing, altered or out of order',
  'store.limit': 'a key, value, payload, queue depth or commit exceeds the store\'s limits (agent/store/limits.ts)',
  'store.queue.unknown': 'no queued report has this id (already acknowledged, or never enqueued)',
  // generic input handling
  'input.type': 'an argument has the wrong type',
  'input.range': 'an argument is outside its allowed range',
  // image tooling (zw keygen | sign | dump; scripts/lib/imgtool/, imgtool-compatible)
  'tool.input': 'an input file (payload, key or image) cannot be read',
  'tool.output': 'the output file already exists (never overwritten without --force) or cannot be written',
  'keygen.type': 'unknown key type (ed25519, ecdsa-p256 and x25519 are offered)',
  'sign.key': 'the signing key is not an Ed25519 or ECDSA P-256 private key in PEM (public-only, X25519, RSA, …)',
  'sign.version': 'the version is not maj.min.rev+build (later parts optional), or a part does not fit its header field',
  'sign.header': 'the header size is outside 32..65535, or without --pad-header the input does not start with that many zero bytes',
  'sign.align': 'the alignment is not 1, 2, 4, 8, 16 or 32, or the max alignment is not 8, 16 or 32 or is below it',
  'sign.slot': 'the image and its trailer do not fit the slot size, or padding was asked without a slot size',
  'sign.sha': 'the hash algorithm is not allowed with this key (Ed25519: SHA-256 or SHA-512; P-256: SHA-256)',
  'sign.tlv': 'a custom TLV type is outside 0xa0..0xfffe or repeated, its value is malformed, or a TLV area exceeds 65535 bytes',
  'sign.option': 'an option value is malformed (number, security counter, dependency, boot record sw_type, file format)',
} as const;

export type Reason = keyof typeof REASONS;

export function isReason(code: string): code is Reason {
  return Object.prototype.hasOwnProperty.call(REASONS, code);
}
