// The transport benchmarks of npm run bench: the agent's MQTT client (agent/transport/client.ts)
// over any ports, so the same code runs inside zw-host over hw (scripts/bench/transport-host.ts)
// and in Node over the device file (scripts/bench/transport.ts), against the broker of the
// broker recipe with the gateway's certificate from `secure`.
import type { Ports } from '../../hardware/ports.ts';
import type { SessionAction } from '../../agent/mqtt/state.ts';
import { MqttClient } from '../../agent/transport/client.ts';
import { openStore, type Store } from '../../agent/store/store.ts';

export type TransportPorts = Ports;
export interface BrokerAt { readonly deviceId: string; readonly host: string; readonly port: number }

function open(ports: TransportPorts): Store {
  const o = openStore(ports);
  if (!o.ok) throw new Error(`open: ${o.reason}: ${o.detail}`);
  return o.store;
}

function client(ports: TransportPorts, store: Store, at: BrokerAt, onAction: (a: SessionAction) => void): MqttClient {
  return new MqttClient(ports, store, { deviceId: at.deviceId, broker: { host: at.host, port: at.port }, onAction });
}

/** A failure the benchmark cannot measure through: the session lost its connection or refused
 *  a report. */
function trouble(a: SessionAction): string | null {
  if (a.type === 'lost') return `lost: ${a.reason} ${a.detail ?? ''}`;
  if (a.type === 'publish-failed') return `publish-failed: ${a.reason} ${a.detail ?? ''}`;
  return null;
}

/** `n` times: a new client, start() (TCP, TLS 1.3 with the device certificate, CONNECT) until
 *  the CONNACK was accepted, then stop(). Milliseconds of each, in order. */
export async function benchHandshakes(ports: TransportPorts, at: BrokerAt, n: number): Promise<{ n: number; ms: number[] }> {
  const store = open(ports);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    let t0 = 0;
    let settle: { ok: (ms: number) => void; ko: (e: Error) => void } | null = null;
    const up = new Promise<number>((ok, ko) => { settle = { ok, ko }; });
    const c = client(ports, store, at, (a) => {
      if (a.type === 'connected') settle!.ok(ports.clock.monotonicMs() - t0);
      const bad = trouble(a);
      if (bad) settle!.ko(new Error(bad));
    });
    t0 = ports.clock.monotonicMs();
    c.start();
    try {
      ms.push(await up);
    } finally {
      await c.stop();
    }
  }
  return { n, ms };
}

/** Connects, then `n` reports of `size` bytes: each committed to the store (client.report), then
 *  published at QoS 1 through the report window and removed from the queue at its PUBACK.
 *  Timed from the first report to the last PUBACK's removal. */
export async function benchPublish(ports: TransportPorts, at: BrokerAt, n: number, size: number): Promise<Record<string, number>> {
  const store = open(ports);
  let acked = 0;
  let t0 = 0;
  let fail: ((e: Error) => void) | null = null;
  let connected: (() => void) | null = null;
  let finished: ((ms: number) => void) | null = null;
  const c = client(ports, store, at, (a) => {
    if (a.type === 'connected') connected?.();
    if (a.type === 'acked' && ++acked === n) finished?.(ports.clock.monotonicMs() - t0);
    const bad = trouble(a);
    if (bad) fail?.(new Error(bad));
  });
  const before = c.queued;
  if (before !== 0) throw new Error(`the device's queue holds ${before} reports already`);
  await new Promise<void>((ok, ko) => { connected = ok; fail = ko; c.start(); });
  const all = new Promise<number>((ok, ko) => { finished = ok; fail = ko; });
  t0 = ports.clock.monotonicMs();
  for (let i = 0; i < n; i++) {
    const q = c.report(new Uint8Array(size).fill(0x61 + (i % 26)));
    if (!q.ok) throw new Error(`report ${i}: ${q.reason}: ${q.detail}`);
  }
  const committedMs = ports.clock.monotonicMs() - t0;
  const ms = await all;
  const left = c.queued;
  await c.stop();
  if (left !== 0) throw new Error(`${left} reports still queued after the last PUBACK`);
  return { n, size, committedMs, ms, reportsPerS: n / (ms / 1000) };
}
