// The narrow interfaces the pure code (agent/, bootloader-verify/) needs from the platform
// (DESIGN.md §Ports, §Contracts). Two implementations: `hw` in zw-host (hardware/hw/) and
// Node (hardware/node/). Every method is synchronous (Contracts: "Ports are synchronous,
// except Net"); bytes are Uint8Array.
//
// Two error channels (STYLE.md 7): misuse (wrong type, wrong length, out-of-range flash access,
// parameters outside the contract) throws a ZwError carrying a stable reason code from
// hardware/reasons.ts; hostile input (a bad signature, a failed AEAD tag) is a return value.
import type { PartitionName } from './layout.ts';
import type { SettingName } from './secure-format.ts';

/** Opaque reference to secret key material held by the platform. In zw-host the bytes live
 *  in native memory only and are wiped when the handle is collected; no method returns them. */
export interface KeyHandle {
  readonly kind: 'key-handle';
  /** Length of the key material in bytes (never the bytes). */
  readonly length: number;
}

/** A symmetric key: raw bytes (vectors, ephemeral keys) or a handle from the KeyStore. */
export type Key = Uint8Array | KeyHandle;

export interface Rng {
  /** Name of the source ("getrandom", "node:crypto"). Test doubles start with NONENTROPIC. */
  readonly name: string;
  /** `n` cryptographically random bytes, 0 <= n <= 65536 (else crypto.param). */
  bytes(n: number): Uint8Array;
}

export interface Clock {
  /** Wall-clock time, milliseconds since 1970-01-01T00:00:00Z. May be wrong; never trust it
   *  for freshness. */
  wallMs(): number;
  /** Monotonic time in milliseconds (fractional) from an arbitrary origin; never goes back. */
  monotonicMs(): number;
}

export type HashAlg = 'sha256' | 'sha512';

/** Streaming hash. `update` may be called any number of times; `digest` once, after which the
 *  object refuses further use (crypto.state). Digest: 32 bytes (SHA-256), 64 (SHA-512). */
export interface Hash {
  update(data: Uint8Array): Hash;
  digest(): Uint8Array;
}

export type AeadAlg = 'aes-256-gcm' | 'chacha20-poly1305';

export interface Crypto {
  hash(alg: HashAlg): Hash;
  /** One-shot helpers; same bytes as hash(alg).update(data).digest(). */
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (RFC 2104): any key length; 32-byte tag. */
  hmacSha256(key: Key, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869). salt may be empty (= 32 zero bytes); 1 <= length <= 8160 (255*32),
   *  else crypto.param. With a raw `ikm` it returns bytes; with a handle, a handle. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  hkdfSha256(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, length: number): KeyHandle;
  /** A handle on bytes [start, end) of a handle's key material (e.g. split an HKDF output
   *  into an encryption key and a MAC key). */
  keySlice(key: KeyHandle, start: number, end: number): KeyHandle;
  /** AEAD seal: key 32 bytes, nonce 12 bytes (96 bits), tag 16 bytes appended:
   *  returns ciphertext || tag (plaintext.length + 16 bytes). Other sizes: crypto.param. */
  aeadSeal(alg: AeadAlg, key: Key, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** AEAD open of ciphertext || tag: the plaintext, or null when authentication fails
   *  (including input shorter than the 16-byte tag). Wrong key/nonce sizes: crypto.param. */
  aeadOpen(alg: AeadAlg, key: Key, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
  /** AES-CTR (NIST SP 800-38A) with a 16-byte initial counter block (big-endian increment of
   *  the whole block, as OpenSSL and MCUboot do); key 16 or 32 bytes. Encrypt = decrypt. */
  aesCtr(key: Key, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** X25519 (RFC 7748) with a raw 32-byte private key and a 32-byte public u-coordinate.
   *  Returns the 32-byte shared secret, or null when it is all zero (low-order point). */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
  /** The X25519 public key of a raw 32-byte private key. */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** Ed25519 verify, strict RFC 8032 §5.1.7: 32-byte public key, 64-byte signature, canonical
   *  encodings only (S < L, canonical A and R). False on any failure, including wrong lengths. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** ECDSA P-256 with SHA-256 over `message` (FIPS 186-5). publicKey: SEC1 point, 65 bytes
   *  uncompressed or 33 compressed. signature: strict DER (X.690) or P1363 r||s (64 bytes).
   *  False on any failure. */
  p256Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, format: 'der' | 'p1363'): boolean;
  /** ECDSA P-256 over a digest the caller computed (MCUboot signs the image hash itself):
   *  32..64 bytes (else crypto.param), truncated to 256 bits as ECDSA specifies. Same keys,
   *  formats and failures as p256Verify. */
  p256VerifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array, format: 'der' | 'p1363'): boolean;
}

/** Names and algorithms of the device keys (DESIGN.md §Contracts "Secrets stay behind handles"). */
export type KeyName = 'attest' | 'tls' | 'storage' | 'image-enc';
export type KeyAlg = 'ed25519' | 'p256' | 'x25519' | 'secret32';

export interface KeyStore {
  /** True when the named key exists in `secure`. */
  has(name: KeyName): boolean;
  /** The key's algorithm, or null when absent. */
  algorithm(name: KeyName): KeyAlg | null;
  /** Generates the named key inside the platform and commits it to `secure` (power-fail-safe;
   *  durable when this returns). Allowed: attest=ed25519; tls=ed25519|p256; storage=secret32;
   *  image-enc=x25519. Refuses an existing key (keystore.exists) and a wrong algorithm
   *  (keystore.alg). Returns the public key (empty for secret32). */
  generate(name: KeyName, alg: KeyAlg): Uint8Array;
  /** Public key: ed25519 32 bytes; p256 65 bytes SEC1 uncompressed; x25519 32 bytes.
   *  keystore.absent if missing; keystore.alg for storage (it has no public half). */
  publicKey(name: KeyName): Uint8Array;
  /** Signs `message`: ed25519 → 64-byte RFC 8032 signature; p256 → SHA-256 + ECDSA,
   *  DER signature (as X.509 and CSRs carry it). Other algorithms: keystore.alg. */
  sign(name: KeyName, message: Uint8Array): Uint8Array;
  /** X25519 between the named x25519 key and a 32-byte peer public key: a handle on the
   *  32-byte shared secret; null when it is all zero. */
  agree(name: KeyName, peerPublic: Uint8Array): KeyHandle | null;
  /** HKDF-SHA256(ikm = storage root, salt = "zorgwacht/storage/v1", info = UTF-8 label,
   *  L = 32): a handle. label is 1..64 printable ASCII bytes (else crypto.param). */
  deriveKey(label: string): KeyHandle;
}

export type CounterName = 'agent' | 'firmware' | 'trust' | 'store-epoch';
export const COUNTER_NAMES: readonly CounterName[] = ['agent', 'firmware', 'trust', 'store-epoch'];
export const KEY_NAMES: readonly KeyName[] = ['attest', 'tls', 'storage', 'image-enc'];

export interface Counter {
  /** Current value, 0 when never set. Values are unsigned 32-bit (MCUboot SEC_CNT width). */
  read(name: CounterName): number;
  /** Raises the counter to `value` and commits it to `secure` (durable when this returns).
   *  value == current is a no-op; value < current throws counter.rollback; value outside
   *  0..0xffffffff throws counter.range. */
  advance(name: CounterName, value: number): void;
}

export interface Geometry {
  /** Erase granularity in bytes (4096). */
  readonly eraseBlock: number;
  /** Program granularity in bytes (16): offsets and lengths are multiples of it. */
  readonly programUnit: number;
  /** Value of an erased byte (0xff). */
  readonly erasedValue: number;
}

/** One partition of the flash device. Offsets are relative to the partition's start.
 *  Stricter than real flash: out-of-partition access (flash.range), misaligned program or
 *  erase (flash.align), programming a byte that is not erased (flash.unerased) throw. */
export interface Partition {
  readonly name: PartitionName;
  readonly size: number;
  /** `length` bytes at `offset` as the device holds them now (including unsynced writes). */
  read(offset: number, length: number): Uint8Array;
  /** Programs `data` at `offset`; both multiples of programUnit; every target byte erased. */
  program(offset: number, data: Uint8Array): void;
  /** Sets [offset, offset+length) to erasedValue; both multiples of eraseBlock. */
  erase(offset: number, length: number): void;
  /** Makes every program and erase before it durable, on every partition: the device has one
   *  write cache (Contracts "Durability model"). */
  sync(): void;
  /** SHA-256 of [offset, offset+length), read in bounded chunks by the platform (never the
   *  whole range in JS memory). */
  sha256(offset: number, length: number): Uint8Array;
}

export interface Flash {
  readonly geometry: Geometry;
  open(name: PartitionName): Partition;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogValue = string | number | boolean | null;

export interface Log {
  /** One structured line: level, a dotted event or reason code, flat fields. Never pass a
   *  secret; Uint8Array values are refused (log.field) so key bytes cannot slip in. */
  log(level: LogLevel, code: string, fields?: Record<string, LogValue>): void;
}

/** One TLS 1.3 connection to the broker. */
export interface NetConnection {
  /** Queues bytes for sending; never blocks (the host's event loop writes them out). After
   *  close or the end of the connection: net.closed. */
  write(data: Uint8Array): void;
  /** Receives each chunk as it arrives, in order. Set it before returning to the event loop. */
  onData: ((data: Uint8Array) => void) | null;
  /** Called once when the connection ends: null after close() or an orderly shutdown by the
   *  peer, else the reason code (net.reset, net.timeout, net.tls.*). */
  onClose: ((reason: string | null) => void) | null;
  /** Sends close_notify and closes; onClose(null) follows. */
  close(): void;
}

export interface NetConnectOptions {
  /** An IPv4 or IPv6 literal: a statically linked gateway cannot resolve names (DESIGN.md
   *  §Contracts "Identities and topics"). The server certificate must carry it as an IP SAN. */
  readonly host: string;
  readonly port: number;
  /** For the TCP connect and the TLS handshake together. */
  readonly timeoutMs: number;
}

/** The only asynchronous port (DESIGN.md §Contracts: "Ports are synchronous, except Net"). */
export interface Net {
  /** TCP, then TLS 1.3 only: presents the `device` certificate chain from `secure` with the
   *  `tls` key (which never becomes a JS value), verifies the server against the `ca`
   *  certificate from `secure` and `host` as an IP SAN. Rejects with a ZwError: net.refused,
   *  net.timeout, net.tls.verify (server certificate), net.tls.version (not TLS 1.3),
   *  net.tls.handshake (any other handshake failure, e.g. the server refused our certificate),
   *  net.cert.absent (no device certificate or CA installed). */
  connect(opts: NetConnectOptions): Promise<NetConnection>;
}

/** Everything the pure code is given when the system is put together. */
/** Who the gateway is and how the hospital configured it: the DEVICE_ID and SETTING entries
 *  `zw provision` wrote into `secure` (hardware/secure-format.md). */
export interface Device {
  /** The device id (DESIGN.md §Contracts "Identities"); secure.empty when not provisioned. */
  id(): string;
  /** A provisioned setting's text (`broker`, `listen-allow`, `oemid`, `hwmodel`), or null. */
  setting(name: SettingName): string | null;
}

/** The gateway files the posture checks read, by fixed source name (never a path). */
export type PostureSource =
  | 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'passwd' | 'shadow' | 'cmdline' | 'inittab' | 'sshd-config' | 'mounts'
  | 'os-release' | 'sbom-spdx' | 'sbom-cyclonedx';

export interface Posture {
  /** The source's bytes, or null when the file does not exist; over 256 KiB throws posture.size,
   *  another failure posture.read. */
  read(source: PostureSource): Uint8Array | null;
  /** SHA-256 of the whole file (streamed by the platform), or null when it does not exist. */
  sha256(source: PostureSource): Uint8Array | null;
}

export interface Ports {
  readonly rng: Rng;
  readonly clock: Clock;
  readonly crypto: Crypto;
  readonly keys: KeyStore;
  readonly counters: Counter;
  readonly flash: Flash;
  readonly log: Log;
  readonly net: Net;
  readonly device: Device;
  readonly posture: Posture;
}
