// A hospital on one machine, for the tests, the benchmarks and `zw demo`: a CA made with the zw
// pki library, the broker's certificate for 127.0.0.1 and 10.0.2.2 (this machine as a QEMU
// guest sees it), the verifier's certificate, the real
// Mosquitto of scripts/lib/broker.ts, and gateways provisioned as `zw provision` does (keys in
// secure, a CSR signed by the tls key, the certificate and CA installed back into secure, the
// enrolment record beside the flash).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SettingName } from '../../hardware/secure-format.ts';
import { Broker } from './broker.ts';
import { HospitalCa } from './pki/ca.ts';
import { installCertificate, provision, requestCertificate } from './provision.ts';

export interface Hospital { dir: string; ca: HospitalCa; caPem: string; broker: Broker; verifier: { cert: string; key: string } }

export async function hospital(): Promise<Hospital> {
  const dir = mkdtempSync(join(tmpdir(), 'zw-hospital-'));
  const pki = join(dir, 'pki');
  const ca = await HospitalCa.init(pki, { alg: 'ed25519', days: 365, cn: 'Zorgwacht hospital CA (one machine)' });
  const files = { ca: join(pki, 'ca.pem'), cert: join(dir, 'broker.pem'), key: join(dir, 'broker.key.pem'), crl: join(pki, 'crl.pem') };
  await ca.issueWithKey({ kind: 'broker', cn: 'broker', ips: ['127.0.0.1', '10.0.2.2'], dns: [] }, { alg: 'ed25519', validity: { days: 30 }, out: files.cert, keyOut: files.key });
  const verifier = { cert: join(dir, 'verifier.pem'), key: join(dir, 'verifier.key.pem') };
  await ca.issueWithKey({ kind: 'verifier', cn: 'verifier' }, { alg: 'p256', validity: { days: 30 }, out: verifier.cert, keyOut: verifier.key });
  const broker = await Broker.start(files);
  return { dir, ca, caPem: ca.cert.toString('pem'), broker, verifier };
}

export async function closeHospital(h: Hospital | undefined): Promise<void> {
  if (!h) return;
  await h.broker.dispose();
  rmSync(h.dir, { recursive: true, force: true });
}

/** A provisioned gateway flash with its device certificate and the CA in secure. */
export async function gateway(h: Hospital, id: string, o: { trustKeys?: string[]; settings?: [SettingName, string][] } = {}): Promise<string> {
  const flash = join(h.dir, `${id}.flash`);
  let trust = o.trustKeys;
  if (!trust) {
    trust = [join(h.dir, 'trust.pem')];
    writeFileSync(trust[0]!, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  }
  provision({ id, flash, trustKeys: trust, settings: o.settings ?? [] });
  const { csr } = await requestCertificate(flash);
  const issued = await h.ca.signDevice(new TextEncoder().encode(csr), { validity: { days: 30 } });
  const cert = join(h.dir, `${id}.pem`);
  const ca = join(h.dir, 'ca-cert.pem');
  writeFileSync(cert, issued.certPem);
  writeFileSync(ca, h.caPem);
  await installCertificate({ flash, cert, ca, enrolment: join(h.dir, `${id}.enrolment.json`) });
  return flash;
}

