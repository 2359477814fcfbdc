// The gateway's side of enrolment (DESIGN.md §Contracts "Provisioning"): a PKCS#10 request
// signed inside the KeyStore by the `tls` key (its private half is never read out), and the
// checks a certificate passes before it is written into `secure`.
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Attribute, Name, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { KeyStore } from '../../../hardware/ports.ts';
import { ZwError } from '../../../hardware/errors.ts';
import { dnsNames, MAX_PKI_FILE, singleCn } from './csr.ts';
import { cnName } from './profiles.ts';
import type { PkiAlg } from './store.ts';
import { hexOf, x509 } from './x509.ts';

// RFC 8410 §3 (Ed25519) and RFC 5758 §3.2 (ecdsa-with-SHA256): parameters absent.
const SIG_OID: Record<PkiAlg, string> = { ed25519: '1.3.101.112', p256: '1.2.840.10045.4.3.2' };

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** The JWK (RFC 8037 / RFC 7518) of a raw public key as the KeyStore returns it. */
export function publicJwk(alg: PkiAlg, pub: Uint8Array): JsonWebKey {
  if (alg === 'ed25519') return { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) };
  // SEC1 uncompressed: 0x04 || X (32) || Y (32).
  return { kty: 'EC', crv: 'P-256', x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) };
}

/** The DER SubjectPublicKeyInfo of a raw Ed25519 or P-256 public key. */
export function spkiOf(alg: PkiAlg, pub: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: publicJwk(alg, pub), format: 'jwk' });
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}

/** A CSR for `id` (subject CN=id, extension request SAN DNS:id) over the KeyStore's `tls` key. */
export function deviceCsr(keys: KeyStore, id: string): string {
  const alg = keys.algorithm('tls');
  if (alg !== 'ed25519' && alg !== 'p256') throw new ZwError('keystore.absent', 'the device has no tls key (Ed25519 or P-256) in secure');
  const san = new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: id }], false);
  const info = new CertificationRequestInfo({
    subject: AsnConvert.parse(cnName(id).toArrayBuffer(), Name),
    subjectPKInfo: AsnConvert.parse(spkiOf(alg, keys.publicKey('tls')), SubjectPublicKeyInfo),
    // RFC 2986 §4.1 attributes; RFC 2985 §5.4.2 extensionRequest.
    attributes: new Attributes([AsnConvert.parse(new x509.ExtensionsAttribute([san]).rawData, Attribute)]),
  });
  const tbs = new Uint8Array(AsnConvert.serialize(info));
  // KeyStore.sign: Ed25519 gives the 64-byte signature, P-256 a DER ECDSA-Sig-Value over
  // SHA-256(tbs) — exactly the BIT STRING contents RFC 8410 / RFC 5758 define.
  const signature = keys.sign('tls', tbs);
  const req = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: SIG_OID[alg] }),
    signature: signature.slice().buffer,
  });
  return x509.PemConverter.encode(AsnConvert.serialize(req), 'CERTIFICATE REQUEST') + '\n';
}

export function parseCerts(text: string, what: string): x509.X509Certificate[] {
  if (text.length > MAX_PKI_FILE) throw new ZwError('pki.cert.malformed', `${what} of ${text.length} bytes exceeds ${MAX_PKI_FILE}`);
  try {
    const certs = x509.PemConverter.decodeWithHeaders(text).filter((b) => b.type === 'CERTIFICATE').map((b) => new x509.X509Certificate(b.rawData));
    if (certs.length) return certs;
  } catch {
    // reported below
  }
  throw new ZwError('pki.cert.malformed', `${what} holds no X.509 certificate in PEM`);
}

export interface DeviceFacts { id: string; tlsAlg: PkiAlg; tlsPublic: Uint8Array }
export type CertCheck = { ok: true; leaf: x509.X509Certificate; ca: x509.X509Certificate } | { ok: false; reason: 'pki.cert.chain' | 'pki.cert.id' | 'pki.cert.key' | 'pki.cert.validity' | 'pki.cert.usage'; detail: string };

async function issuedBy(leaf: x509.X509Certificate, cas: x509.X509Certificate[]): Promise<x509.X509Certificate | null> {
  for (const ca of cas) {
    const bc = ca.getExtension(x509.BasicConstraintsExtension);
    const ku = ca.getExtension(x509.KeyUsagesExtension);
    // RFC 5280 §6.1.4 (k), (n): the issuer is a CA allowed to sign certificates.
    if (!bc?.ca || (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign))) continue;
    if (leaf.issuer !== ca.subject) continue;
    if (await leaf.verify({ publicKey: ca, signatureOnly: true }).catch(() => false)) return ca;
  }
  return null;
}

const validAt = (c: x509.X509Certificate, now: Date) => c.notBefore.getTime() <= now.getTime() && now.getTime() <= c.notAfter.getTime();

/** The checks before `secure` takes a certificate; accept is granted once, at the end. */
export async function checkDeviceCert(leaf: x509.X509Certificate, cas: x509.X509Certificate[], dev: DeviceFacts, now = new Date()): Promise<CertCheck> {
  const ca = await issuedBy(leaf, cas);
  if (!ca) return { ok: false, reason: 'pki.cert.chain', detail: `issuer ${leaf.issuer} is not a CA in the given file, or its signature does not verify` };
  const cn = singleCn(leaf.subjectName);
  const sanExt = leaf.extensions.find((e) => e.type === '2.5.29.17');
  const dns = sanExt ? dnsNames(sanExt) : null;
  if (cn !== dev.id || !dns || dns.length !== 1 || dns[0] !== dev.id) {
    return { ok: false, reason: 'pki.cert.id', detail: `subject ${leaf.subject}, DNS names ${JSON.stringify(dns)}: the device is ${dev.id}` };
  }
  if (hexOf(leaf.publicKey.rawData) !== hexOf(spkiOf(dev.tlsAlg, dev.tlsPublic))) {
    return { ok: false, reason: 'pki.cert.key', detail: 'the certificate\'s public key is not the device\'s tls key' };
  }
  for (const [what, c] of [['certificate', leaf], ['CA certificate', ca]] as const) {
    if (!validAt(c, now)) return { ok: false, reason: 'pki.cert.validity', detail: `the ${what} is valid from ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}, not at ${now.toISOString()}` };
  }
  const ku = leaf.getExtension(x509.KeyUsagesExtension);
  const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
  if ((ku && !(ku.usages & x509.KeyUsageFlags.digitalSignature)) || !eku?.usages.includes(x509.ExtendedKeyUsage.clientAuth)) {
    return { ok: false, reason: 'pki.cert.usage', detail: 'the certificate does not allow TLS client authentication' };
  }
  return { ok: true, leaf, ca };
}

export interface CertSummary { subject: string; issuer: string; serial: string; notBefore: string; notAfter: string }

export function certSummary(c: x509.X509Certificate): CertSummary {
  return { subject: c.subject, issuer: c.issuer, serial: c.serialNumber.toLowerCase(), notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() };
}
