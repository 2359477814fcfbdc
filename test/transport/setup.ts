// The verifier's side for the transport tests (the hospital itself: scripts/lib/hospital.ts): an
// MQTT.js client with the verifier certificate that collects reports, de-duplicates them by
// report id and sends challenges with Response Topic and Correlation Data.
import mqtt, { type MqttClient } from 'mqtt';
import type { Hospital } from '../../scripts/lib/hospital.ts';

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
