// The reconnect storm of npm run bench: STORM gateways, each provisioned with its own device
// certificate and flash file, each running the agent's client (agent/transport/client.ts) on
// the Node ports in this process with the session's default backoff (agent/mqtt/limits.ts
// DEFAULT_BACKOFF: jittered exponential). All connected, the broker restarts (SIGTERM, then the
// same port and persistence); the figure is how long until every one is connected again, and
// the spread of the reconnects, which the jitter should keep from arriving as one herd.
import { rmSync } from 'node:fs';
import { DEFAULT_BACKOFF } from '../../agent/mqtt/limits.ts';
import { MqttClient } from '../../agent/transport/client.ts';
import { openStore } from '../../agent/store/store.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { gateway, type Hospital } from '../lib/hospital.ts';

export const STORM = 200;
/** The window in which the most reconnects landed: the herd measure. */
const WINDOW_MS = 100;

interface Gw { id: string; flash: string; p: NodePlatform; client: MqttClient; connectedAt: number[]; opens: number[]; lost: number[] }

/** The nearest-rank quantile `q` of `xs`. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

async function until(test: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`reconnect storm: ${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function benchStorm(h: Hospital, row: (what: string, figure: string, note?: string) => void): Promise<void> {
  const gws: Gw[] = [];
  try {
    for (let i = 0; i < STORM; i++) {
      const id = `gw-storm-${String(i).padStart(3, '0')}`;
      const flash = await gateway(h, id);
      const p = nodePlatform(flash, { log: makeNodeLog(() => {}) });
      const o = openStore(p);
      if (!o.ok) throw new Error(`${id}: ${o.reason}`);
      const g: Gw = { id, flash, p, connectedAt: [], opens: [], lost: [], client: null! };
      g.client = new MqttClient(p, o.store, {
        deviceId: id, broker: { host: h.broker.host, port: h.broker.port },
        onAction: (a) => {
          if (a.type === 'connected') g.connectedAt.push(performance.now());
          else if (a.type === 'open') g.opens.push(performance.now());
          else if (a.type === 'lost') g.lost.push(performance.now());
        },
      });
      gws.push(g);
    }
    for (const g of gws) g.client.start();
    await until(() => gws.every((g) => g.connectedAt.length === 1), `all ${STORM} first connections`, 120_000);
    const opensBefore = gws.map((g) => g.opens.length);
    const down = performance.now();
    await h.broker.restart();
    const up = performance.now();
    await until(() => gws.every((g) => g.connectedAt.length >= 2), `all ${STORM} reconnections`, 600_000);
    const after = gws.map((g) => g.connectedAt[1]! - up).sort((a, b) => a - b);
    const attempts = gws.map((g, i) => g.opens.length - opensBefore[i]!);
    // The first attempt after the loss: the jittered backoff's delay, before any handshake.
    const waits = gws.map((g, i) => g.opens[opensBefore[i]!]! - (g.lost.find((t) => t >= down) ?? down)).sort((a, b) => a - b);
    let herd = 0;
    for (let i = 0, j = 0; i < after.length; i++) {
      while (after[i]! - after[j]! > WINDOW_MS) j++;
      herd = Math.max(herd, i - j + 1);
    }
    const all = Math.max(...gws.map((g) => g.connectedAt[1]!)) - down;
    const b = DEFAULT_BACKOFF;
    row(`reconnect storm: ${STORM} agent clients (Node ports, one process, own certificate and flash each), broker restarted: all connected again`,
      `${(all / 1000).toFixed(2)} s`, `from SIGTERM; the broker took ${((up - down) / 1000).toFixed(2)} s to stop and accept again; backoff base ${b.baseMs} ms, cap ${b.capMs} ms, jitter ${b.jitter}`);
    row(`reconnect storm: first attempt after the connection was lost, min / p50 / p95 / max`,
      `${waits[0]!.toFixed(0)} / ${quantile(waits, 0.5).toFixed(0)} / ${quantile(waits, 0.95).toFixed(0)} / ${waits.at(-1)!.toFixed(0)} ms`,
      `the jittered backoff's first delay, drawn from [${b.baseMs * (1 - b.jitter)}, ${b.baseMs}] ms`);
    row(`reconnect storm: connected again after the broker accepted again, min / p50 / p95 / max`,
      `${after[0]!.toFixed(0)} / ${quantile(after, 0.5).toFixed(0)} / ${quantile(after, 0.95).toFixed(0)} / ${after.at(-1)!.toFixed(0)} ms`,
      `at most ${herd} of ${STORM} within any ${WINDOW_MS} ms; ${(attempts.reduce((x, y) => x + y, 0) / STORM).toFixed(2)} connection attempts each on average (max ${Math.max(...attempts)})`);
    await Promise.all(gws.map((g) => g.client.stop()));
  } finally {
    for (const g of gws) {
      g.p.close();
      rmSync(g.flash, { force: true });
    }
  }
}
