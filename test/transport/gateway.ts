// A gateway for the transport tests, the same program on Node ports and as bytecode in zw-host:
// it opens the store, starts the MQTT client with a challenge handler, and takes one JSON
// command per line (report, burst, stop); it prints what happens as `ZW-EV <json>` lines.
import type { Ports } from '../../hardware/ports.ts';
import type { SessionOptions } from '../../agent/mqtt/config.ts';
import { MqttClient } from '../../agent/transport/client.ts';
import { openStore } from '../../agent/store/store.ts';

export interface GatewayConfig {
  deviceId: string;
  host: string;
  port: number;
  session?: SessionOptions;
}

export type Command = { op: 'report'; payload: string } | { op: 'burst'; n: number; size: number } | { op: 'stop' };

export interface Io {
  print(line: string): void;
  /** The next command line, or null at the end of input. */
  line(): Promise<string | null>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export async function runGateway(ports: Ports, cfg: GatewayConfig, io: Io): Promise<void> {
  const t0 = ports.clock.monotonicMs();
  const ev = (e: Record<string, unknown>) => io.print('ZW-EV ' + JSON.stringify({ ...e, ms: Math.round(ports.clock.monotonicMs() - t0) }));
  const o = openStore(ports);
  if (!o.ok) { ev({ type: 'error', reason: o.reason, detail: o.detail }); return; }
  let burst: { left: number; started: number; n: number; bytes: number } | null = null;
  const client = new MqttClient(ports, o.store, {
    deviceId: cfg.deviceId,
    broker: { host: cfg.host, port: cfg.port },
    ...(cfg.session ? { session: cfg.session } : {}),
    onChallenge: (c) => ({ payload: enc.encode(`answer:${dec.decode(c.payload)}`), contentType: 'application/eat+cwt' }),
    onAction: (a) => {
      if (a.type === 'acked') {
        ev({ type: 'acked', id: a.reportId, queued: client.queued });
        if (burst && --burst.left === 0) {
          ev({ type: 'burst-done', n: burst.n, bytes: burst.bytes, elapsedMs: ports.clock.monotonicMs() - burst.started });
          burst = null;
        }
      } else if (a.type === 'connected') ev({ type: 'connected', sessionPresent: a.sessionPresent, queued: client.queued });
      else if (a.type === 'lost') ev({ type: 'lost', reason: a.reason, detail: a.detail });
      else if (a.type === 'publish-failed') ev({ type: 'publish-failed', id: a.reportId, reason: a.reason, detail: a.detail });
      else if (a.type === 'subscribed') ev({ type: 'subscribed', results: a.results });
      else if (a.type === 'deliver') ev({ type: 'deliver', topic: a.message.topic });
    },
  });
  ev({ type: 'started', queued: client.queued });
  client.start();
  for (let line = await io.line(); line !== null; line = await io.line()) {
    const cmd = JSON.parse(line) as Command;
    if (cmd.op === 'report') {
      const q = client.report(enc.encode(cmd.payload));
      ev({ type: 'queued', payload: cmd.payload, ...q });
    } else if (cmd.op === 'burst') {
      const started = ports.clock.monotonicMs();
      burst = { left: cmd.n, started, n: cmd.n, bytes: cmd.size };
      for (let i = 0; i < cmd.n; i++) client.report(new Uint8Array(cmd.size).fill(0x61 + (i % 26)));
      ev({ type: 'burst-queued', n: cmd.n, elapsedMs: ports.clock.monotonicMs() - started });
    } else if (cmd.op === 'stop') {
      await client.stop();
      ev({ type: 'stopped', queued: client.queued });
    }
  }
}

/** Splits a stream of chunks into lines. */
export function lineReader(read: () => Promise<Uint8Array | null>): () => Promise<string | null> {
  let buf = '';
  let eof = false;
  return async () => {
    for (;;) {
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) return line;
        continue;
      }
      if (eof) return null;
      const chunk = await read();
      if (chunk === null) { eof = true; if (buf.trim()) { buf += '\n'; } continue; }
      buf += dec.decode(chunk);
    }
  };
}
