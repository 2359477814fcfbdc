// A device's certificate request, as zw pki sign-device accepts it: a PKCS#10 CSR (RFC 2986)
// whose signature verifies with its own key (proof of possession), an Ed25519 or P-256 key, a
// subject of exactly one CN holding a valid device id, and no subject alternative name except
// DNS:<that id>. Everything else the request asks for is ignored: the CA's profile decides.
import { checkDeviceId } from '../../../agent/identity.ts';
import { ZwError } from '../../../hardware/errors.ts';
import type { PkiAlg } from './store.ts';
import { algOfSpki, x509 } from './x509.ts';

/** Bound on a CSR or certificate file, checked before it is parsed. */
export const MAX_PKI_FILE = 64 * 1024;

export interface DeviceRequest { id: string; alg: PkiAlg; publicKey: x509.PublicKey }

function parseCsr(bytes: Uint8Array): x509.Pkcs10CertificateRequest {
  if (bytes.length > MAX_PKI_FILE) throw new ZwError('pki.csr.malformed', `request of ${bytes.length} bytes exceeds ${MAX_PKI_FILE}`);
  const text = new TextDecoder().decode(bytes);
  try {
    return new x509.Pkcs10CertificateRequest(text.includes('-----BEGIN') ? text : bytes);
  } catch (e) {
    throw new ZwError('pki.csr.malformed', `not a PKCS#10 certificate request: ${(e as Error).message}`);
  }
}

/** The one CN of a subject, or null when the subject holds anything else. */
export function singleCn(name: x509.Name): string | null {
  const rdns = name.toJSON();
  if (rdns.length !== 1) return null;
  const attrs = Object.entries(rdns[0]!);
  if (attrs.length !== 1) return null;
  const [type, values] = attrs[0]!;
  return type === 'CN' && values.length === 1 ? values[0]! : null;
}

/** The DNS names of a SAN extension; null when it names anything but DNS names. */
export function dnsNames(ext: x509.Extension): string[] | null {
  const names = new x509.SubjectAlternativeNameExtension(ext.rawData).names.toJSON();
  return names.every((n) => n.type === 'dns') ? names.map((n) => n.value) : null;
}

export async function checkDeviceRequest(bytes: Uint8Array): Promise<DeviceRequest> {
  const csr = parseCsr(bytes);
  const alg = algOfSpki(csr.publicKey.rawData);
  if (!alg) throw new ZwError('pki.csr.alg', `the request's key (${csr.publicKey.algorithm.name}) is not Ed25519 or ECDSA P-256`);
  let verified = false;
  try {
    verified = await csr.verify();
  } catch {
    verified = false;
  }
  // RFC 2986 §3: the signature proves the requester holds the private key.
  if (!verified) throw new ZwError('pki.csr.signature', 'the request\'s signature does not verify with its own public key');
  const cn = singleCn(csr.subjectName);
  if (cn === null) throw new ZwError('pki.csr.subject', `subject ${JSON.stringify(csr.subject)} is not exactly one CN`);
  const id = checkDeviceId(cn);
  if (!id.ok) throw new ZwError('device.id', `the request's CN ${id.detail}`);
  for (const ext of csr.extensions.filter((e) => e.type === '2.5.29.17')) {
    const dns = dnsNames(ext);
    if (!dns || dns.length !== 1 || dns[0] !== id.id) {
      throw new ZwError('pki.csr.san', `the request's subject alternative names (${JSON.stringify(new x509.SubjectAlternativeNameExtension(ext.rawData).names.toJSON())}) are not exactly DNS:${id.id}`);
    }
  }
  return { id: id.id, alg, publicKey: csr.publicKey };
}
