// A real Mosquitto for tests, benchmarks and the local demo (and the files `zw pki
// broker-config` writes for a hospital's own Mosquitto), configured exactly as DESIGN.md §"Broker
// recipe" says: one TLS 1.3 listener on 127.0.0.1 that requires a client certificate from the
// hospital CA, checks the CRL and takes the certificate's CN as the username; an ACL that gives
// each device its own zw/v1/<id>/ subtree and the verifier what §Contracts "Identities and
// topics" lists; persistence in the broker's folder; everything logged to a file. Started as an
// unprivileged user (the `mosquitto` account when we are root), stopped by its PID, reloadable
// (SIGHUP: a new CRL) and restartable on the same port with the same persistence (outage tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** PEM files issued by zw pki: the CA, the broker's certificate and key, the CRL. */
export interface BrokerFiles { ca: string; cert: string; key: string; crl: string }

export const ACL = `# Zorgwacht broker ACL (DESIGN.md §Contracts "Identities and topics"). The username is the
# client certificate's CN (use_identity_as_username): a device id, or verifier.
# Each device: its own subtree only. zw pki refuses ids with + # / (CVE-2017-7650).
pattern readwrite zw/v1/%u/#

# The verifier reads everything devices publish and sends challenges, commands and updates.
user verifier
topic read zw/v1/+/#
topic write zw/v1/+/challenge
topic write zw/v1/+/cmd
topic write zw/v1/+/update
`;

/** mosquitto.conf for a broker whose files live in `dir`, listening on `bind`:`port`. */
export function mosquittoConfig(dir: string, port: number, bind = '127.0.0.1'): string {
  return `# Zorgwacht broker (DESIGN.md §"Broker recipe"), checked with Mosquitto 2.0.11.
persistence true
persistence_location ${dir}/data/
log_dest file ${dir}/mosquitto.log
log_type all
log_timestamp true
log_timestamp_format %Y-%m-%dT%H:%M:%S
connection_messages true
allow_anonymous false
acl_file ${dir}/acl

listener ${port} ${bind}
cafile ${dir}/ca.pem
certfile ${dir}/broker.pem
keyfile ${dir}/broker.key.pem
crlfile ${dir}/crl.pem
require_certificate true
use_identity_as_username true
# A minimum: TLS 1.2 clients get alert 70 (protocol version).
tls_version tlsv1.3
# Small replies (CONNACK, PUBACK) go out at once instead of waiting ~40 ms for Nagle's algorithm.
set_tcp_nodelay true
`;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** uid/gid of the account Mosquitto's Debian package runs under, when we run as root. */
function brokerAccount(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mosquitto:'));
  if (!line) throw new Error('running as root and there is no mosquitto account to run the broker as (bash scripts/setup.sh installs it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(path: string, a: { uid: number; gid: number }): void {
  chownSync(path, a.uid, a.gid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p, a);
    else chownSync(p, a.uid, a.gid);
  }
}

async function portAccepts(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); ok(true); });
    s.once('error', () => ok(false));
  });
}

export class Broker {
  readonly host = '127.0.0.1';
  #child: ChildProcess | null = null;
  #stderr = '';
  #exit: Promise<void> = Promise.resolve();
  readonly #account = brokerAccount();

  private constructor(readonly dir: string, readonly port: number) {}

  /** Starts a broker with `files` on a free port (or `port`) in a new folder. */
  static async start(files: BrokerFiles, opts: { port?: number } = {}): Promise<Broker> {
    const dir = mkdtempSync(join(tmpdir(), 'zw-broker-'));
    const b = new Broker(dir, opts.port ?? (await freePort()));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'acl'), ACL);
    writeFileSync(join(dir, 'mosquitto.conf'), mosquittoConfig(dir, b.port));
    b.install(files);
    await b.launch();
    return b;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Copies the PEM files in (the key mode 0600), owned by the account the broker runs as. */
  install(files: Partial<BrokerFiles>): void {
    const names: Record<keyof BrokerFiles, string> = { ca: 'ca.pem', cert: 'broker.pem', key: 'broker.key.pem', crl: 'crl.pem' };
    for (const [k, src] of Object.entries(files) as [keyof BrokerFiles, string][]) {
      const dst = join(this.dir, names[k]);
      copyFileSync(src, dst);
      chmodSync(dst, k === 'key' ? 0o600 : 0o644);
    }
    if (this.#account) chownTree(this.dir, this.#account);
  }

  private async launch(): Promise<void> {
    this.#stderr = '';
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(this.#account ?? {}),
    });
    child.stderr!.on('data', (d: Buffer) => { this.#stderr += d.toString(); });
    this.#exit = new Promise((ok) => child.once('exit', () => ok()));
    this.#child = child;
    const gone = () => child.kill('SIGKILL');
    process.once('exit', gone);
    void this.#exit.then(() => process.off('exit', gone));
    const deadline = Date.now() + 10_000;
    while (!(await portAccepts(this.port))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(`mosquitto did not come up on ${this.host}:${this.port}:\n${this.#stderr}\n${this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The broker's log file so far. */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'mosquitto.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits until the log matches `re` (Mosquitto writes each line as it happens). */
  async waitForLog(re: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.log());
      if (m) return m[0];
      if (Date.now() > deadline) throw new Error(`broker log never matched ${re}:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops the broker by its PID (SIGTERM: it saves its persistence file), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.#exit;
      clearTimeout(t);
    }
  }

  /** Replaces PEM files (a new CRL after zw pki revoke) and sends SIGHUP: Mosquitto 2.0
   *  re-reads its configuration and the CRL without dropping connected clients. */
  async reload(files: Partial<BrokerFiles> = {}): Promise<void> {
    if (!this.#child) throw new Error('the broker is not running');
    const seen = (this.log().match(/Reloading config\./g) ?? []).length;
    this.install(files);
    this.#child.kill('SIGHUP');
    const deadline = Date.now() + 5000;
    while ((this.log().match(/Reloading config\./g) ?? []).length <= seen) {
      if (Date.now() > deadline) throw new Error(`mosquitto did not reload:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops and starts again on the same port with the same persistence; `files` replaces
   *  any of the PEM files first (a new CRL, another server certificate). */
  async restart(files: Partial<BrokerFiles> = {}): Promise<void> {
    await this.stop();
    this.install(files);
    await this.launch();
  }

  /** Stops the broker and removes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
