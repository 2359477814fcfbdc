// The hospital's verifier process: one MQTT v5 session over mutual TLS (the verifier's own
// certificate, CN verifier) that reads zw/v1/+/# and drives the Verifier core (verifier.ts).
// A device coming online is challenged at once (nonce on zw/v1/<id>/challenge, Response Topic
// zw/v1/<id>/attest, Correlation Data), and every few minutes after; every token that arrives
// is verified, appraised and stored; a report id seen before is dropped (devices resend after
// a lost PUBACK); an enrolled device with no verified token for `overdueMs` is reported overdue.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Appraisal } from './appraise.ts';
import { deviceOfTopic, type Verifier } from './verifier.ts';

export interface ServiceOptions {
  readonly broker: { readonly host: string; readonly port: number };
  /** PEM: the hospital CA, the verifier's certificate and key (zw pki issue-verifier). */
  readonly ca: string | Buffer;
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly verifier: Verifier;
  /** The enrolled device ids (those the verifier expects to hear from). */
  readonly enrolled: () => readonly string[];
  readonly challengeEveryMs?: number;
  readonly overdueMs?: number;
  /** The MQTT client id (default `verifier`): its persistent session keeps what arrived while
   *  the verifier was away. Two verifier processes need two ids. */
  readonly clientId?: string;
}

export type ServiceEvent =
  | { readonly type: 'result'; readonly appraisal: Appraisal; readonly topic: string; readonly answered: boolean; readonly token: Uint8Array }
  | { readonly type: 'online' | 'offline'; readonly deviceId: string }
  | { readonly type: 'challenge'; readonly deviceId: string }
  | { readonly type: 'overdue'; readonly deviceId: string; readonly sinceMs: number }
  | { readonly type: 'duplicate'; readonly deviceId: string; readonly reportId: string };

const SEEN_PER_DEVICE = 1024;

export class VerifierService {
  readonly #seen = new Map<string, Set<string>>();
  /** Last verified token per device (ms), and when the service started. */
  readonly #lastVerified = new Map<string, number>();
  readonly #started = Date.now();
  readonly #overdueSaid = new Set<string>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #listeners: ((e: ServiceEvent) => void)[] = [];

  private constructor(private readonly client: MqttClient, private readonly o: ServiceOptions) {}

  static async start(o: ServiceOptions): Promise<VerifierService> {
    const client = mqtt.connect({
      host: o.broker.host, port: o.broker.port, protocol: 'mqtts', protocolVersion: 5, clientId: o.clientId ?? 'verifier',
      ca: o.ca, cert: o.cert, key: o.key, clean: false, properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 1000, connectTimeout: 10_000,
    });
    const s = new VerifierService(client, o);
    client.on('message', (topic, payload, packet) => s.#message(topic, new Uint8Array(payload), packet.properties ?? {}));
    await new Promise<void>((ok, ko) => { client.once('connect', () => ok()); client.once('error', ko); });
    await client.subscribeAsync(['zw/v1/+/attest', 'zw/v1/+/status', 'zw/v1/+/inventory', 'zw/v1/+/event'], { qos: 1 });
    s.#timers.push(setInterval(() => s.#challengeAll(), o.challengeEveryMs ?? 5 * 60_000));
    s.#timers.push(setInterval(() => s.#checkOverdue(), Math.min(1000, o.overdueMs ?? 1000)));
    return s;
  }

  on(listener: (e: ServiceEvent) => void): void {
    this.#listeners.push(listener);
  }

  #emit(e: ServiceEvent): void {
    for (const l of this.#listeners) l(e);
  }

  /** Publishes a fresh nonce on the device's challenge topic; the answer comes on its attest topic. */
  async challenge(deviceId: string): Promise<void> {
    const nonce = this.o.verifier.challenge(deviceId);
    this.#emit({ type: 'challenge', deviceId });
    await this.client.publishAsync(`zw/v1/${deviceId}/challenge`, Buffer.from(nonce), {
      qos: 1, properties: { responseTopic: `zw/v1/${deviceId}/attest`, correlationData: randomBytes(16) },
    });
  }

  #challengeAll(): void {
    for (const id of this.o.enrolled()) void this.challenge(id).catch(() => undefined);
  }

  #checkOverdue(): void {
    const limit = this.o.overdueMs ?? 10 * 60_000;
    const now = Date.now();
    for (const id of this.o.enrolled()) {
      const since = now - (this.#lastVerified.get(id) ?? this.#started);
      if (since > limit && !this.#overdueSaid.has(id)) {
        this.#overdueSaid.add(id);
        this.#emit({ type: 'overdue', deviceId: id, sinceMs: since });
      }
    }
  }

  /** True the first time a device's report id is seen. */
  #firstTime(deviceId: string, reportId: string | undefined): boolean {
    if (reportId === undefined) return true;
    const s = this.#seen.get(deviceId) ?? new Set<string>();
    this.#seen.set(deviceId, s);
    if (s.has(reportId)) return false;
    s.add(reportId);
    if (s.size > SEEN_PER_DEVICE) s.delete(s.values().next().value!);
    return true;
  }

  #message(topic: string, payload: Uint8Array, p: { userProperties?: Record<string, string | string[]>; correlationData?: Buffer }): void {
    const [, , id, leaf] = topic.split('/');
    if (!id || !leaf) return;
    if (leaf === 'status') {
      const online = Buffer.from(payload).toString() === 'online';
      this.#emit({ type: online ? 'online' : 'offline', deviceId: id });
      if (online && this.o.enrolled().includes(id)) void this.challenge(id).catch(() => undefined);
      return;
    }
    if (leaf !== 'attest' || deviceOfTopic(topic) === null) return;
    const rid = p.userProperties?.['report-id'];
    const reportId = Array.isArray(rid) ? rid[0] : rid;
    if (!this.#firstTime(id, reportId)) {
      this.#emit({ type: 'duplicate', deviceId: id, reportId: reportId! });
      return;
    }
    const appraisal = this.o.verifier.receive(id, payload);
    if (appraisal.verified) {
      this.#lastVerified.set(id, Date.now());
      this.#overdueSaid.delete(id);
    }
    this.#emit({ type: 'result', appraisal, topic, answered: p.correlationData !== undefined, token: payload });
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.client.endAsync().catch(() => undefined);
  }
}
