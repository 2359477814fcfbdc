// zw pki show: the CA, every certificate it issued with its status now, and the CRL. Reads
// the certificate, the index and the CRL only (never the CA key), so an auditor can run it.
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import { ZwError } from '../../../hardware/errors.ts';
import { EXIT, printJson } from '../../zw/cli.ts';
import { FILES, pkiPath, readIndex, readText, type IssuedCert } from './store.ts';
import { hexOf, x509 } from './x509.ts';

export type CertStatus = 'valid' | 'expired' | 'revoked';

export interface PkiView {
  ca: { subject: string; alg: string; serial: string; notBefore: string; notAfter: string; sha256: string };
  certificates: (IssuedCert & { status: CertStatus })[];
  crl: { number: string | null; thisUpdate: string; nextUpdate: string | null; revoked: string[]; expired: boolean };
}

export function statusOf(c: IssuedCert, now: Date): CertStatus {
  if (c.revoked) return 'revoked';
  return new Date(c.notAfter).getTime() <= now.getTime() ? 'expired' : 'valid';
}

export async function viewCa(dir: string, now = new Date()): Promise<PkiView> {
  const index = readIndex(dir);
  let cert: x509.X509Certificate, crl: x509.X509Crl;
  try {
    cert = new x509.X509Certificate(readText(pkiPath(dir, FILES.caCert), 'CA certificate'));
    crl = new x509.X509Crl(readText(pkiPath(dir, FILES.crl), 'CRL'));
  } catch (e) {
    if (e instanceof ZwError) throw e;
    throw new ZwError('pki.ca', `${dir}: ${(e as Error).message}`);
  }
  const num = crl.extensions.find((e) => e.type === id_ce_cRLNumber);
  const next = crl.nextUpdate;
  return {
    ca: {
      subject: cert.subject, alg: index.alg, serial: cert.serialNumber.toLowerCase(),
      notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(),
      sha256: hexOf(await cert.getThumbprint('SHA-256')),
    },
    certificates: index.certificates.map((c) => ({ ...c, status: statusOf(c, now) })),
    crl: {
      number: num ? String(AsnConvert.parse(num.value, CRLNumber).value) : null,
      thisUpdate: crl.thisUpdate.toISOString(),
      nextUpdate: next?.toISOString() ?? null,
      revoked: crl.entries.map((e) => e.serialNumber.toLowerCase()),
      expired: next !== undefined && next.getTime() < now.getTime(),
    },
  };
}

export async function showCa(dir: string, json: boolean): Promise<number> {
  const v = await viewCa(dir);
  if (json) printJson(v);
  else {
    const out = process.stdout;
    out.write(`CA        ${v.ca.subject} (${v.ca.alg}), serial ${v.ca.serial}, ${v.ca.notBefore} .. ${v.ca.notAfter}\n`);
    out.write(`          SHA-256 ${v.ca.sha256}\n`);
    out.write(`CRL       number ${v.crl.number ?? '?'}, ${v.crl.revoked.length} revoked, next update ${v.crl.nextUpdate ?? '(none)'}${v.crl.expired ? '  EXPIRED: zw pki crl' : ''}\n`);
    if (v.certificates.length) out.write(`${'serial'.padEnd(8)}  ${'kind'.padEnd(8)}  ${'status'.padEnd(8)}  ${'not after'.padEnd(24)}  CN\n`);
    for (const c of v.certificates) {
      const why = c.revoked ? ` (${c.revoked.reason})` : '';
      out.write(`${c.serial.padEnd(8)}  ${c.kind.padEnd(8)}  ${c.status.padEnd(8)}  ${c.notAfter.padEnd(24)}  ${c.cn}${why}\n`);
    }
  }
  return v.crl.expired ? EXIT.WARNING : EXIT.OK;
}
