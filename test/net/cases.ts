// The contract suite of the Net port (STYLE.md 13): async cases that run against the Node
// implementation in the test process and as bytecode inside zw-host (test/net/in-host.ts), each
// against TLS servers the test process runs (test/net/servers.ts).
import { reasonOf } from '../../hardware/errors.ts';
import type { Net, NetConnection } from '../../hardware/ports.ts';
import { CheckFailed, check, eq, throwsReason, type CaseResult } from '../contracts/harness.ts';

/** The devices a case runs on: provisioned with an Ed25519 or a P-256 tls key and enrolled
 *  (device certificate and hospital CA in secure), or provisioned with no device certificate. */
export type DeviceKind = 'ed25519' | 'p256' | 'bare';
export type ServerName =
  | 'echo' | 'whoami' | 'truncate' | 'otherCa' | 'wrongIp' | 'expired' | 'tls12' | 'clientOtherCa' | 'silent' | 'closed';

export interface NetEnv {
  readonly deviceId: string;
  readonly host: string;
  readonly ports: Readonly<Record<ServerName, number>>;
  /** Generous: the aarch64 host runs under qemu-user. */
  readonly timeoutMs: number;
}

export interface NetCase {
  readonly name: string;
  readonly devices: readonly DeviceKind[];
  /** Why the Node implementation cannot keep this case (it runs in zw-host only). */
  readonly hostOnly?: string;
  readonly run: (net: Net, env: NetEnv) => Promise<void>;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Bytes whose every position differs from its neighbours' (a reordering shows). */
function pattern(n: number, salt: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i ^ (i >>> 8) ^ (i >>> 16) ^ salt) & 0xff;
  return b;
}

/** What one connection received and how it ended. */
class Sink {
  chunks: Uint8Array[] = [];
  length = 0;
  closed: string | null | undefined = undefined;
  #wake: (() => void)[] = [];

  constructor(conn: NetConnection) {
    conn.onData = (d) => {
      this.chunks.push(d.slice());
      this.length += d.length;
      this.#notify();
    };
    conn.onClose = (r) => {
      check(this.closed === undefined, 'onClose called twice');
      this.closed = r;
      this.#notify();
    };
  }

  #notify(): void {
    for (const w of this.#wake.splice(0)) w();
  }

  /** Resolves when `cond` holds, checked after every event; fails after `ms`. */
  until(cond: () => boolean, what: string, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckFailed(`${what}: not within ${ms} ms (received ${this.length} bytes, closed ${String(this.closed)})`)), ms);
      const test = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.#wake.push(test);
        }
      };
      test();
    });
  }

  closedWith(ms: number): Promise<string | null> {
    return this.until(() => this.closed !== undefined, 'onClose', ms).then(() => this.closed as string | null);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

function sameBytes(got: Uint8Array, want: Uint8Array, what: string): void {
  eq(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new CheckFailed(`${what}: first difference at byte ${i}`);
  }
}

/** `p` must reject with `reason`; a connection that opens instead is closed and fails. */
async function rejectsWith(p: Promise<NetConnection>, reason: string, what: string): Promise<void> {
  let conn: NetConnection;
  try {
    conn = await p;
  } catch (e) {
    const got = reasonOf(e);
    if (got !== reason) throw new CheckFailed(`${what}: expected ${reason}, got ${got ?? String(e)}`);
    return;
  }
  conn.close();
  throw new CheckFailed(`${what}: expected ${reason}, the connection opened`);
}

const to = (env: NetEnv, server: ServerName, timeoutMs = env.timeoutMs) => ({ host: env.host, port: env.ports[server], timeoutMs });

async function echo(net: Net, env: NetEnv, data: Uint8Array, piece: number): Promise<void> {
  const conn = await net.connect(to(env, 'echo'));
  const sink = new Sink(conn);
  for (let at = 0; at < data.length; at += piece) conn.write(data.subarray(at, at + piece));
  await sink.until(() => sink.length >= data.length || sink.closed !== undefined, 'echo', env.timeoutMs * 4);
  sameBytes(sink.bytes(), data, 'echoed bytes');
  conn.close();
  eq(await sink.closedWith(env.timeoutMs), null, 'onClose after close()');
}

export const NET_CASES: readonly NetCase[] = [
  {
    name: 'echo: a small message comes back, close() ends with onClose(null)',
    devices: ['ed25519', 'p256'],
    run: (net, env) => echo(net, env, utf8('hello from the ward gateway'), 1024),
  },
  {
    name: 'echo: 1 MiB both ways, in order',
    devices: ['ed25519'],
    run: (net, env) => echo(net, env, pattern(1 << 20, 0x5a), 64 * 1024),
  },
  {
    name: 'three connections at once keep their data apart',
    devices: ['ed25519'],
    run: async (net, env) => {
      await Promise.all([1, 2, 3].map((i) => echo(net, env, pattern(100_000 + i * 777, i), 10_000)));
    },
  },
  {
    name: 'mutual TLS: the server sees the device certificate; its close is onClose(null)',
    devices: ['ed25519', 'p256'],
    run: async (net, env) => {
      const conn = await net.connect(to(env, 'whoami'));
      const sink = new Sink(conn);
      const want = `CN=${env.deviceId}`;
      await sink.until(() => sink.length >= want.length || sink.closed !== undefined, 'the server\'s answer', env.timeoutMs);
      eq(sink.text(), want, 'what the server saw');
      conn.write(utf8('bye')); // the server closes when it reads this
      eq(await sink.closedWith(env.timeoutMs), null, 'onClose after the server closed');
      throwsReason(() => conn.write(utf8('late')), 'net.closed', 'write after the server closed');
    },
  },
  {
    name: 'a peer that closes without close_notify (net.reset)',
    devices: ['ed25519'],
    hostOnly: 'node:tls reports a TCP end without close_notify as an orderly end',
    run: async (net, env) => {
      const conn = await net.connect(to(env, 'truncate'));
      const sink = new Sink(conn);
      conn.write(utf8('go')); // the server drops the connection when it reads this
      eq(await sink.closedWith(env.timeoutMs), 'net.reset', 'onClose after a truncated connection');
    },
  },
  {
    name: 'write after close() is refused (net.closed)',
    devices: ['ed25519'],
    run: async (net, env) => {
      const conn = await net.connect(to(env, 'echo'));
      const sink = new Sink(conn);
      conn.write(utf8('before'));
      conn.close();
      throwsReason(() => conn.write(utf8('after')), 'net.closed', 'write while closing');
      eq(await sink.closedWith(env.timeoutMs), null, 'onClose after close()');
      throwsReason(() => conn.write(utf8('after')), 'net.closed', 'write after onClose');
      conn.close(); // a second close is harmless
    },
  },
  {
    name: 'refuses a server certificate from another CA (net.tls.verify)',
    devices: ['ed25519'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'otherCa')), 'net.tls.verify', 'other CA'),
  },
  {
    name: 'refuses a server certificate for another IP address (net.tls.verify)',
    devices: ['ed25519'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'wrongIp')), 'net.tls.verify', 'IP SAN 127.0.0.2'),
  },
  {
    name: 'refuses an expired server certificate (net.tls.verify)',
    devices: ['ed25519'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'expired')), 'net.tls.verify', 'expired'),
  },
  {
    name: 'refuses a server without TLS 1.3 (net.tls.version)',
    devices: ['ed25519'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'tls12')), 'net.tls.version', 'TLS 1.2 server'),
  },
  {
    name: 'a server that refuses the device certificate fails the connect (net.tls.handshake)',
    devices: ['ed25519', 'p256'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'clientOtherCa')), 'net.tls.handshake', 'client CA of another hospital'),
  },
  {
    name: 'nothing listening on the port (net.refused)',
    devices: ['ed25519'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'closed')), 'net.refused', 'closed port'),
  },
  {
    name: 'a server that never answers the handshake (net.timeout after timeoutMs)',
    devices: ['ed25519'],
    run: async (net, env) => {
      const t0 = Date.now();
      await rejectsWith(net.connect(to(env, 'silent', 1000)), 'net.timeout', 'silent server');
      const took = Date.now() - t0;
      check(took >= 950 && took < env.timeoutMs, `timed out after ${took} ms, expected about 1000`);
    },
  },
  {
    name: 'no device certificate installed (net.cert.absent)',
    devices: ['bare'],
    run: (net, env) => rejectsWith(net.connect(to(env, 'echo')), 'net.cert.absent', 'bare device'),
  },
  {
    name: 'a host name instead of an IP literal, a bad port or timeout (input.range)',
    devices: ['ed25519'],
    run: async (net, env) => {
      await rejectsWith(net.connect({ ...to(env, 'echo'), host: 'localhost' }), 'input.range', 'host name');
      await rejectsWith(net.connect({ ...to(env, 'echo'), port: 0 }), 'input.range', 'port 0');
      await rejectsWith(net.connect({ ...to(env, 'echo'), timeoutMs: 0 }), 'input.range', 'timeout 0');
    },
  },
];

/** Runs one case to a result; a case that hangs fails after its budget. */
export async function runNetCase(c: NetCase, net: Net, env: NetEnv): Promise<CaseResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`the case did not finish within ${env.timeoutMs * 5} ms`)), env.timeoutMs * 5);
  });
  try {
    await Promise.race([c.run(net, env), budget]);
    return { suite: 'net', name: c.name, ok: true };
  } catch (e) {
    return { suite: 'net', name: c.name, ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}
