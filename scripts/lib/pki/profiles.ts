// Certificate and CRL profiles of the hospital PKI (RFC 5280): what each kind of certificate
// may do is fixed here, once. The CA signs certificates and nothing else; the broker's is a
// TLS server certificate for its IP addresses; the verifier's and every device's are TLS client
// certificates whose CN is the MQTT username (DESIGN.md §"Broker recipe": use_identity_as_username).
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import type { webcrypto } from 'node:crypto';
import type { PkiAlg } from './store.ts';
import { SIGNING, x509 } from './x509.ts';

type Flags = x509.KeyUsageFlags;
const KU = x509.KeyUsageFlags;

/** Certificates start an hour in the past, so a gateway or broker whose clock runs a little
 *  behind does not refuse a certificate issued a moment ago. */
export const BACKDATE_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface Validity { notBefore: Date; notAfter: Date }

export function validityDays(days: number, now: Date): Validity {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** A subject of one CN, as UTF8String (RFC 5280 §4.1.2.6). */
export function cnName(cn: string): x509.Name {
  return new x509.Name([{ CN: [{ utf8String: cn }] }]);
}

export interface CaSelfParams { alg: PkiAlg; cn: string; validity: Validity; serial: string; keys: webcrypto.CryptoKeyPair }

export async function selfSignedCa(p: CaSelfParams): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: p.serial,
    name: cnName(p.cn),
    ...p.validity,
    keys: p.keys,
    signingAlgorithm: SIGNING[p.alg],
    extensions: [
      // RFC 5280 §4.2.1.9: critical, cA; pathLen 0 — the hospital CA issues end entities only.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(p.keys.publicKey),
    ],
  });
}

export interface Issuer { alg: PkiAlg; cert: x509.X509Certificate; key: webcrypto.CryptoKey }

export type EndEntity =
  | { kind: 'broker'; cn: string; ips: string[]; dns: string[] }
  | { kind: 'verifier'; cn: 'verifier' }
  | { kind: 'device'; cn: string };

function usage(e: EndEntity): { ku: Flags; eku: x509.ExtendedKeyUsage } {
  // RFC 8446 §4.4.3: TLS 1.3 authenticates with signatures only, so digitalSignature suffices.
  return e.kind === 'broker'
    ? { ku: KU.digitalSignature, eku: x509.ExtendedKeyUsage.serverAuth }
    : { ku: KU.digitalSignature, eku: x509.ExtendedKeyUsage.clientAuth };
}

function altNames(e: EndEntity): x509.JsonGeneralNames {
  if (e.kind === 'broker') return [...e.ips.map((value) => ({ type: 'ip' as const, value })), ...e.dns.map((value) => ({ type: 'dns' as const, value }))];
  // DESIGN.md §Contracts "Identities": the device id is the CN and a DNS SAN.
  if (e.kind === 'device') return [{ type: 'dns', value: e.cn }];
  return [];
}

export async function issueCert(ca: Issuer, e: EndEntity, subjectKey: x509.PublicKey, serial: string, validity: Validity): Promise<x509.X509Certificate> {
  const { ku, eku } = usage(e);
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const sans = altNames(e);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(ku, true),
    new x509.ExtendedKeyUsageExtension([eku], false),
    await x509.SubjectKeyIdentifierExtension.create(subjectKey),
    caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  // RFC 5280 §4.2.1.6: with a non-empty subject the SAN extension is not critical.
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  return x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: cnName(e.cn),
    issuer: ca.cert.subjectName,
    ...validity,
    publicKey: subjectKey,
    signingKey: ca.key,
    signingAlgorithm: SIGNING[ca.alg],
    extensions,
  });
}

export interface CrlEntry { serial: string; at: Date; reason: x509.X509CrlReason }

/** A v2 CRL (RFC 5280 §5) with the CRL number and the authority key identifier. */
export async function signCrl(ca: Issuer, number: bigint, entries: CrlEntry[], thisUpdate: Date, nextUpdate: Date): Promise<x509.X509Crl> {
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: ca.key,
    signingAlgorithm: SIGNING[ca.alg],
    extensions: [
      caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      crlNumberExtension(number),
    ],
    // A reason is always given: the generator writes an empty (invalid) entry-extensions
    // sequence for an entry without one.
    entries: entries.map((e) => ({ serialNumber: e.serial, revocationDate: e.at, reason: e.reason })),
  });
}

function crlNumberExtension(n: bigint): x509.Extension {
  // RFC 5280 §5.2.3: a monotonically increasing sequence number for the CRL.
  return new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(Number(n))));
}
