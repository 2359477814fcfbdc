// The agent's MQTT client: one session (agent/mqtt) driven over the Net port (STYLE.md 1). It
// carries out the session's actions in order on one TLS connection and one timer, feeds the
// received bytes, the connection's end and the timer's ticks back, and keeps the store's
// report queue flowing: a report is committed before it is sent, published at QoS 1 under its
// queue id (also the `report-id` User Property, for the receiver to drop duplicates), and
// removed from the queue once the broker's PUBACK came. Challenges on zw/v1/<id>/challenge are
// answered on their Response Topic with their Correlation Data (DESIGN.md §Contracts).
import { reasonOf } from '../../hardware/errors.ts';
import type { NetConnection, Ports } from '../../hardware/ports.ts';
import { sessionConfig, type SessionOptions } from '../mqtt/config.ts';
import { initialSession, step } from '../mqtt/session.ts';
import type { Delivered, SessionAction, SessionEvent, SessionState } from '../mqtt/state.ts';
import { deviceTopic, parseDeviceTopic, type Leaf } from '../mqtt/topics.ts';
import type { Store } from '../store/store.ts';
import { CONNECT_TIMEOUT_MS, MAX_CORRELATION, REPORT_ID_PROPERTY, REPORT_WINDOW } from './limits.ts';
import { ReportQueue, type Pending, type Queued } from './reports.ts';

export type TransportPorts = Pick<Ports, 'net' | 'clock' | 'rng' | 'log'>;

/** A challenge's payload and Correlation Data; the handler's answer goes to its Response Topic. */
export interface Challenge { readonly payload: Uint8Array; readonly correlationData: Uint8Array | null }
export interface Answer { readonly payload: Uint8Array; readonly contentType?: string }
export type ChallengeHandler = (c: Challenge) => Answer | null | Promise<Answer | null>;

export interface ClientOptions {
  readonly deviceId: string;
  /** An IP literal and port: the gateway resolves no names (DESIGN.md §Contracts). */
  readonly broker: { readonly host: string; readonly port: number };
  readonly connectTimeoutMs?: number;
  readonly session?: SessionOptions;
  readonly window?: number;
  readonly onChallenge?: ChallengeHandler;
  /** Sees each step's actions once they were carried out and the acknowledged reports left
   *  the queue (tests, metrics). */
  readonly onAction?: (a: SessionAction) => void;
}

export interface ReportOptions {
  readonly leaf?: Leaf;
  readonly contentType?: string;
  readonly correlationData?: Uint8Array;
}

type EventIn = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> : never) : never;

/** Uniform in [0, 1) from the platform's random bytes: the backoff's jitter. */
const uniform = (ports: TransportPorts) => (): number => {
  const b = ports.rng.bytes(4);
  return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 2 ** 32;
};

export class MqttClient {
  #state: SessionState;
  readonly #queue: ReportQueue;
  readonly #events: EventIn[] = [];
  #draining = false;
  #conn: NetConnection | null = null;
  /** The connection being opened; `abandon` once the session asked to close it meanwhile. */
  #opening: { abandon: boolean } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Queue ids handed to the session and not yet acknowledged or refused. */
  readonly #handed = new Set<number>();
  #idle: (() => void)[] = [];
  readonly #window: number;

  constructor(private readonly ports: TransportPorts, store: Store, private readonly options: ClientOptions) {
    this.#state = initialSession(sessionConfig(options.deviceId, uniform(ports), options.session ?? {}));
    this.#queue = new ReportQueue(store, ports.log);
    this.#window = options.window ?? REPORT_WINDOW;
  }

  get phase(): SessionState['phase'] {
    return this.#state.phase;
  }

  /** Reports still in the store's queue (not yet acknowledged by the broker). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Subscribes to the challenge topic, hands the queue to the session and connects. */
  start(): void {
    this.#fire({ type: 'subscribe', filters: [{ topicFilter: deviceTopic(this.options.deviceId, 'challenge'), qos: 1 }] });
    this.#refill();
    this.#fire({ type: 'connect' });
  }

  /** Disconnects with the Will ("offline"); resolves once the transport is down. */
  stop(): Promise<void> {
    const done = new Promise<void>((ok) => this.#idle.push(ok));
    this.#fire({ type: 'disconnect' });
    return done;
  }

  /** Queues a report (default leaf: event) and commits it before anything is sent. */
  report(payload: Uint8Array, o: ReportOptions = {}): Queued {
    const q = this.#queue.add({ leaf: o.leaf ?? 'event', payload, contentType: o.contentType ?? null, correlationData: o.correlationData ?? null });
    if (q.ok) this.#refill();
    return q;
  }

  #now(): number {
    return this.ports.clock.monotonicMs();
  }

  /** Events are stepped one at a time, in order, even when an action causes another event. */
  #fire(e: EventIn): void {
    this.#events.push(e);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#events.shift(); next; next = this.#events.shift()) {
        const [s, actions] = step(this.#state, { ...next, now: this.#now() } as SessionEvent);
        this.#state = s;
        this.#carryOut(actions);
      }
    } finally {
      this.#draining = false;
    }
    if (this.#state.phase === 'idle') this.#settleIdle();
  }

  #carryOut(actions: readonly SessionAction[]): void {
    const done: number[] = [];
    for (const a of actions) {
      switch (a.type) {
        case 'send': this.#send(a.bytes); break;
        case 'open': this.#open(); break;
        case 'close': this.#close(); break;
        case 'timer': this.#arm(a.at); break;
        case 'deliver': this.#deliver(a.message); break;
        case 'acked': done.push(a.reportId); this.#handed.delete(a.reportId); break;
        case 'publish-failed': this.#failed(a, done); break;
        case 'connected': this.ports.log.log('info', 'mqtt.connected', { sessionPresent: a.sessionPresent, queued: this.#queue.length }); break;
        case 'lost': this.ports.log.log('warn', a.reason, { code: a.code, detail: a.detail, reasonString: a.reasonString }); break;
        case 'subscribed': break;
        case 'log': this.ports.log.log(a.level, a.code, a.fields); break;
      }
    }
    if (done.length) this.#queue.remove(done);
    if (this.options.onAction) for (const a of actions) this.options.onAction(a);
    if (done.length) this.#refill();
  }

  /** Hands the oldest queued reports not yet handed to the session, up to the window. */
  #refill(): void {
    for (const p of this.#queue.next(this.#handed, this.#window - this.#handed.size)) {
      this.#handed.add(p.id);
      this.#fire({ type: 'publish', request: this.#request(p) });
    }
  }

  #request({ id, report: r }: Pending) {
    return {
      topic: deviceTopic(this.options.deviceId, r.leaf), payload: r.payload, qos: 1 as const, reportId: id,
      properties: {
        ...(r.contentType !== null ? { contentType: r.contentType } : {}),
        ...(r.correlationData !== null ? { correlationData: r.correlationData } : {}),
        userProperties: [[REPORT_ID_PROPERTY, String(id)] as const],
      },
    };
  }

  /** A full outbox gives the report back to the queue; any other refusal is final (the broker
   *  will not take it however often it is sent), so it leaves the queue with an error line. */
  #failed(a: SessionAction & { type: 'publish-failed' }, done: number[]): void {
    this.#handed.delete(a.reportId);
    this.ports.log.log(a.reason === 'mqtt.outbox-full' ? 'warn' : 'error', a.reason, { reportId: a.reportId, code: a.code, detail: a.detail });
    if (a.reason !== 'mqtt.outbox-full') done.push(a.reportId);
  }

  #send(bytes: Uint8Array): void {
    try {
      this.#conn?.write(bytes);
    } catch (e) {
      // The connection is ending; its onClose brings the session the transport-down.
      this.ports.log.log('debug', reasonOf(e) ?? 'net.closed', { detail: String(e) });
    }
  }

  #open(): void {
    const attempt = { abandon: false };
    this.#opening = attempt;
    const { host, port } = this.options.broker;
    const timeoutMs = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    new Promise<NetConnection>((ok, ko) => { this.ports.net.connect({ host, port, timeoutMs }).then(ok, ko); }).then((conn) => {
      if (this.#opening === attempt) this.#opening = null;
      if (attempt.abandon) {
        conn.onClose = () => this.#fire({ type: 'transport-down', reason: null });
        conn.close();
        return;
      }
      this.#conn = conn;
      conn.onData = (data) => { if (this.#conn === conn) this.#fire({ type: 'bytes', data }); };
      conn.onClose = (reason) => {
        if (this.#conn !== conn) return;
        this.#conn = null;
        this.#fire({ type: 'transport-down', reason });
      };
      this.#fire({ type: 'transport-up' });
    }, (e: unknown) => {
      if (this.#opening === attempt) this.#opening = null;
      this.#fire({ type: 'transport-down', reason: `${reasonOf(e) ?? 'net.reset'}: ${e instanceof Error ? e.message : String(e)}` });
    });
  }

  #close(): void {
    if (this.#conn) this.#conn.close();
    else if (this.#opening) this.#opening.abandon = true;
  }

  #arm(at: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#fire({ type: 'tick' });
    }, Math.max(0, at - this.#now()));
  }

  #settleIdle(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const ok of this.#idle.splice(0)) ok();
  }

  /** A challenge with a Response Topic of ours goes to the handler, outside this step; its
   *  answer is a report like any other (committed, then published on the Response Topic). */
  #deliver(m: Delivered): void {
    const handler = this.options.onChallenge;
    if (m.leaf !== 'challenge' || !handler) {
      this.ports.log.log('info', 'mqtt.message', { topic: m.topic, bytes: m.payload.length });
      return;
    }
    const leaf = m.response ? parseDeviceTopic(m.response.topic)?.leaf : undefined;
    const cd = m.response?.correlationData ?? null;
    if (!leaf || (cd && cd.length > MAX_CORRELATION)) {
      this.ports.log.log('warn', 'mqtt.response-topic', { topic: m.topic, detail: leaf ? `Correlation Data of ${cd!.length} bytes` : 'no Response Topic of ours' });
      return;
    }
    void Promise.resolve()
      .then(() => handler({ payload: m.payload, correlationData: cd }))
      .then((answer) => {
        if (!answer) return;
        const q = this.report(answer.payload, { leaf, ...(answer.contentType !== undefined ? { contentType: answer.contentType } : {}), ...(cd ? { correlationData: cd } : {}) });
        if (!q.ok) this.ports.log.log('error', q.reason, { detail: q.detail, topic: m.topic });
      })
      .catch((e: unknown) => this.ports.log.log('error', reasonOf(e) ?? 'mqtt.usage', { topic: m.topic, detail: String(e) }));
  }
}
