// What the transport tests share: a hospital PKI made with the zw pki library (CA, broker
// certificate for 127.0.0.1, verifier certificate), the real Mosquitto of scripts/lib/broker.ts,
// gateways provisioned as `zw provision` does (keys in secure, CSR signed by the tls key,
// certificate and CA installed into secure), and the verifier's side as an MQTT.js client with
// the verifier certificate: it collects reports, de-duplicates them by report id and sends
// challenges with Response Topic and Correlation Data.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { HospitalCa } from '../../scripts/lib/pki/ca.ts';
import { installCertificate, provision, requestCertificate } from '../../scripts/lib/provision.ts';
import { Broker } from '../../scripts/lib/broker.ts';
import type { SettingName } from '../../hardware/secure-format.ts';

export interface Hospital { dir: string; ca: HospitalCa; caPem: string; broker: Broker; verifier: { cert: string; key: string } }

export async function hospital(): Promise<Hospital> {
  const dir = mkdtempSync(join(tmpdir(), 'zw-transport-'));
  const pki = join(dir, 'pki');
  const ca = await HospitalCa.init(pki, { alg: 'ed25519', days: 365, cn: 'Zorgwacht transport test CA' });
  const files = { ca: join(pki, 'ca.pem'), cert: join(dir, 'broker.pem'), key: join(dir, 'broker.key.pem'), crl: join(pki, 'crl.pem') };
  await ca.issueWithKey({ kind: 'broker', cn: 'broker', ips: ['127.0.0.1'], dns: [] }, { alg: 'ed25519', validity: { days: 30 }, out: files.cert, keyOut: files.key });
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
export async function gateway(h: Hospital, id: string, o: { trustKey?: string; settings?: [SettingName, string][] } = {}): Promise<string> {
  const flash = join(h.dir, `${id}.flash`);
  let trust = o.trustKey;
  if (!trust) {
    trust = join(h.dir, 'trust.pem');
    writeFileSync(trust, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  }
  provision({ id, flash, trustKeys: [trust], settings: o.settings ?? [] });
  const { csr } = await requestCertificate(flash);
  const issued = await h.ca.signDevice(new TextEncoder().encode(csr), { validity: { days: 30 } });
  const cert = join(h.dir, `${id}.pem`);
  const ca = join(h.dir, 'ca-cert.pem');
  writeFileSync(cert, issued.certPem);
  writeFileSync(ca, h.caPem);
  await installCertificate({ flash, cert, ca, enrolment: join(h.dir, `${id}.enrolment.json`) });
  return flash;
}

export interface Received { topic: string; payload: string; reportId: string | null; correlationData: string | null; contentType: string | null }

/** The verifier: a persistent MQTT v5 session over mutual TLS that reads zw/v1/<id>/#. */
export class Receiver {
  readonly all: Received[] = [];
  private constructor(readonly client: MqttClient) {}

  static async connect(h: Hospital, id: string): Promise<Receiver> {
    const { readFileSync } = await import('node:fs');
    const client = mqtt.connect({
      host: h.broker.host, port: h.broker.port, protocol: 'mqtts', protocolVersion: 5, clientId: 'verifier',
      ca: h.caPem, cert: readFileSync(h.verifier.cert), key: readFileSync(h.verifier.key),
      clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 250, connectTimeout: 5000,
    });
    const r = new Receiver(client);
    client.on('message', (topic, payload, packet) => {
      const p = packet.properties ?? {};
      const user = p.userProperties?.['report-id'];
      r.all.push({
        topic, payload: payload.toString(), reportId: user === undefined ? null : String(user),
        correlationData: p.correlationData ? Buffer.from(p.correlationData).toString() : null, contentType: p.contentType ?? null,
      });
    });
    await new Promise<void>((ok, ko) => { client.once('connect', () => ok()); client.once('error', ko); });
    await client.subscribeAsync(`zw/v1/${id}/#`, { qos: 1 });
    return r;
  }

  /** Reports on `leaf`, the first of each report id only, in arrival order. */
  unique(topic: string): Received[] {
    const seen = new Set<string>();
    return this.all.filter((m) => m.topic === topic && m.reportId !== null && !seen.has(m.reportId) && (seen.add(m.reportId), true));
  }

  async until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`the verifier never saw ${what}; got ${JSON.stringify(this.all.map((m) => [m.topic, m.payload, m.reportId]))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  challenge(id: string, nonce: string, correlation: string): Promise<unknown> {
    return this.client.publishAsync(`zw/v1/${id}/challenge`, nonce, { qos: 1, properties: { responseTopic: `zw/v1/${id}/attest`, correlationData: Buffer.from(correlation) } });
  }

  close(): Promise<void> {
    return this.client.endAsync(true).then(() => undefined, () => undefined);
  }
}
