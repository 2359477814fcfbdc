// Where image bytes come from: a flash partition (on the gateway) or a byte array (tools and
// tests). Reads are bounded by the caller; digests stream in READ_CHUNK pieces, natively where
// the platform hashes a partition range itself.
import type { Crypto, HashAlg, Partition } from '../hardware/ports.ts';
import { READ_CHUNK } from './limits.ts';

export interface ImageReader {
  /** Bytes available: the partition size or the file length. */
  readonly size: number;
  /** `length` bytes at `offset`; the caller keeps offset + length <= size. */
  read(offset: number, length: number): Uint8Array;
  /** Digest of [offset, offset + length), streamed. */
  digest(alg: HashAlg, offset: number, length: number): Uint8Array;
}

/** Digest of [offset, offset + length) read in READ_CHUNK pieces through `read`. */
export function streamed(crypto: Crypto, read: (o: number, n: number) => Uint8Array, alg: HashAlg, offset: number, length: number): Uint8Array {
  const h = crypto.hash(alg);
  for (let at = 0; at < length; at += READ_CHUNK) h.update(read(offset + at, Math.min(READ_CHUNK, length - at)));
  return h.digest();
}

export function partitionReader(part: Partition, crypto: Crypto): ImageReader {
  return {
    size: part.size,
    read: (o, n) => part.read(o, n),
    digest: (alg, o, n) => (alg === 'sha256' ? part.sha256(o, n) : streamed(crypto, (a, b) => part.read(a, b), alg, o, n)),
  };
}

export function bytesReader(bytes: Uint8Array, crypto: Crypto): ImageReader {
  return {
    size: bytes.length,
    read: (o, n) => bytes.subarray(o, o + n),
    digest: (alg, o, n) => streamed(crypto, (a, b) => bytes.subarray(a, a + b), alg, o, n),
  };
}
