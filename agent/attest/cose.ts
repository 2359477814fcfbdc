// COSE_Sign1 (RFC 9052 §4.2) with one signer: the message is signed through a callback, so on
// the device the private key stays in the KeyStore (`ports.keys.sign('attest', …)`) and only
// the test vectors sign with a raw key. Encoded with the deterministic encoder
// (bootloader-verify/cbor.ts, RFC 8949 §4.2.1).
import { CborMap, CborTag, encodeCbor, headLength } from '../../bootloader-verify/cbor.ts';

/** RFC 9052 §4.2: the CBOR tag of a tagged COSE_Sign1. */
export const COSE_SIGN1_TAG = 18;
/** RFC 9052 §3.1 common header parameters. */
export const HEADER = { alg: 1, contentType: 3, kid: 4 } as const;
/** RFC 9053 §2.2: EdDSA. */
export const ALG_EDDSA = -8;

export type Signer = (toBeSigned: Uint8Array) => Uint8Array;

export interface Sign1Message {
  readonly protectedHeader: CborMap;
  readonly unprotectedHeader: CborMap;
  readonly payload: Uint8Array;
  /** Externally supplied data (RFC 9052 §4.3); empty when absent. */
  readonly externalAad?: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** RFC 9052 §3: the protected bucket is the encoded map, or a zero-length string for an
 *  empty map. */
export function protectedBytes(h: CborMap): Uint8Array {
  return h.size === 0 ? EMPTY : encodeCbor(h);
}

/** RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload]. */
export function sigStructure(body: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = EMPTY): Uint8Array {
  return encodeCbor(['Signature1', body, externalAad, payload]);
}

/** The encoded length of the tagged COSE_Sign1 of `m` with a signature of `signatureLength`
 *  bytes, known before signing so that an oversized token is refused unsigned. */
export function sign1Length(m: Sign1Message, signatureLength: number): number {
  const prot = protectedBytes(m.protectedHeader).length;
  const unprot = encodeCbor(m.unprotectedHeader).length;
  const str = (n: number) => headLength(n) + n;
  return headLength(COSE_SIGN1_TAG) + headLength(4) + str(prot) + unprot + str(m.payload.length) + str(signatureLength);
}

/** The tagged COSE_Sign1: 18([protected, unprotected, payload, signature]). */
export function encodeSign1(m: Sign1Message, sign: Signer): Uint8Array {
  const body = protectedBytes(m.protectedHeader);
  const signature = sign(sigStructure(body, m.payload, m.externalAad ?? EMPTY));
  return encodeCbor(new CborTag(COSE_SIGN1_TAG, [body, m.unprotectedHeader, m.payload, signature]));
}
