// Types of the native module `hw` that zw-host registers (hardware/native/README.md).
declare module 'hw' {
  export interface HwKey { readonly kind: 'key-handle'; readonly length: number }
  export interface HwHash { update(data: Uint8Array): HwHash; digest(): Uint8Array }
  type Key = Uint8Array | HwKey;
  export function randomBytes(n: number): Uint8Array;
  export function wallMs(): number;
  export function monotonicMs(): number;
  export function hashNew(alg: string): HwHash;
  export function sha256(data: Uint8Array): Uint8Array;
  export function sha512(data: Uint8Array): Uint8Array;
  export function hmacSha256(key: Key, data: Uint8Array): Uint8Array;
  export function hkdfSha256(ikm: Key, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array | HwKey;
  export function keySlice(key: HwKey, start: number, end: number): HwKey;
  export function aeadSeal(alg: string, key: Key, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  export function aeadOpen(alg: string, key: Key, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
  export function aesCtr(key: Key, iv: Uint8Array, data: Uint8Array): Uint8Array;
  export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
  export function x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  export function p256Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, format: string): boolean;
  export function p256VerifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array, format: string): boolean;
  export function keyHas(name: string): boolean;
  export function keyAlgorithm(name: string): string | null;
  export function keyGenerate(name: string, alg: string): Uint8Array;
  export function keyPublic(name: string): Uint8Array;
  export function keySign(name: string, message: Uint8Array): Uint8Array;
  export function keyAgree(name: string, peerPublic: Uint8Array): HwKey | null;
  export function keyDerive(label: string): HwKey;
  export function counterRead(name: string): number;
  export function counterAdvance(name: string, value: number): void;
  export function flashSize(part: string): number;
  export function flashRead(part: string, offset: number, length: number): Uint8Array;
  export function flashProgram(part: string, offset: number, data: Uint8Array): void;
  export function flashErase(part: string, offset: number, length: number): void;
  export function flashSync(part: string): void;
  export function flashSha256(part: string, offset: number, length: number): Uint8Array;
  export function log(level: string, code: string, fieldsJson: string): void;
  export function exit(code: number): never;
  /** The measurement log zw-host kept at boot: fresh copies, one record per verified image. */
  export function measurements(): Record<string, unknown>[];
  export function deviceId(): string;
  export function setting(name: string): string | null;
  export function postureRead(source: string): Uint8Array | null;
  export function postureSha256(source: string): Uint8Array | null;
  /** One TLS 1.3 client connection (hardware/native/hw_net.c); closed when collected. */
  export interface HwNet { readonly kind: 'net-connection' }
  /** Events from the event loop, in order: 'open' (value null) once the server has accepted the
   *  device; 'data' (bytes); 'close' last, exactly once: value null after netClose or the
   *  peer's close_notify, else a reason code, with a detail. A 'close' before 'open' is a
   *  refused connection. */
  export type NetEvent = 'open' | 'data' | 'close';
  export function netConnect(host: string, port: number, timeoutMs: number,
    onEvent: (type: NetEvent, value: Uint8Array | string | null, detail?: string) => void): HwNet;
  export function netWrite(conn: HwNet, data: Uint8Array): void;
  export function netClose(conn: HwNet): void;
}

declare module 'hwdev' {
  export function args(): string[];
  export function readStdin(): Promise<Uint8Array | null>;
}

/** Available only to the verifier zw-host runs at boot (hardware/native/boot.c). */
declare module 'boot' {
  export function imageSize(): number;
  export function imageRead(offset: number, length: number): Uint8Array;
  export function imageSha256(offset: number, length: number): Uint8Array;
  export function trustKeys(): Uint8Array[];
  /** The TRUST_DOC entry of secure (an applied trust update), or null. */
  export function trustDocument(): Uint8Array | null;
  export function agentVerdict(ok: boolean, reason: string, hashedLength: number, payloadOffset: number, payloadLength: number, sha256: Uint8Array): void;
  export function record(json: string): void;
}
