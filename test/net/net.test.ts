// One contract suite for the Net port (STYLE.md 13, 15): the cases of test/net/cases.ts against
// the Node implementation in this process, and as bytecode in zw-host on x86_64 and on aarch64
// under qemu-user, all talking to TLS servers this process runs on 127.0.0.1. The hosts run
// asynchronously so that the servers keep answering meanwhile.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { certEntry, type Entry } from '../../hardware/secure-format.ts';
import { ARCHES, buildBytecode, hostCommand, ROOT, type Arch } from '../../scripts/lib/host.ts';
import { provision } from '../../scripts/lib/provision.ts';
import type { CaseResult } from '../contracts/harness.ts';
import { NET_CASES, runNetCase, type DeviceKind, type NetEnv } from './cases.ts';
import { spkiPem, TestPki } from './pki.ts';
import { startServers, type Servers } from './servers.ts';
import { caseResults } from '../support/host-cases.ts';

const DEVICES: readonly DeviceKind[] = ['ed25519', 'p256', 'bare'];
const deviceId = (d: DeviceKind) => `gw-net-${d}`;
const dir = mkdtempSync(join(tmpdir(), 'zw-net-'));
const flashOf = (d: DeviceKind) => join(dir, `${d}.flash`);
let servers: Servers | undefined;

function commit(flash: string, entries: Entry[]): void {
  const f = new NodeFlash(flash);
  try {
    new SecureState(f.openSecure()).commit(...entries);
  } finally {
    f.close();
  }
}

const envOf = (d: DeviceKind): NetEnv => ({ deviceId: deviceId(d), host: '127.0.0.1', ports: servers!.ports, timeoutMs: 20_000 });

beforeAll(async () => {
  const trust = join(dir, 'trust.pem');
  writeFileSync(trust, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const pki = new TestPki(dir);
  const hospital = pki.ca('Zorgwacht test hospital CA');
  const other = pki.ca('Another hospital CA');
  const server = (ca: typeof hospital, san: string, days?: number) =>
    pki.issue(ca, { cn: 'broker', san, usage: 'serverAuth', ...(days !== undefined ? { days } : {}) });
  servers = await startServers({
    hospital, other,
    good: server(hospital, 'IP:127.0.0.1,IP:10.0.2.2'),
    otherCa: server(other, 'IP:127.0.0.1'),
    wrongIp: server(hospital, 'IP:127.0.0.2'),
    expired: server(hospital, 'IP:127.0.0.1', -1),
  });
  for (const d of DEVICES) {
    const summary = provision({ id: deviceId(d), flash: flashOf(d), trustKeys: [trust], tlsAlg: d === 'p256' ? 'p256' : 'ed25519' });
    const entries = [certEntry('ca', hospital.cert)];
    if (d !== 'bare') {
      const pub = Uint8Array.from(Buffer.from(summary.keys.tls!.publicKey, 'hex'));
      const device = pki.issue(hospital, { cn: deviceId(d), san: `DNS:${deviceId(d)}`, usage: 'clientAuth', publicKey: spkiPem(pub) });
      entries.push(certEntry('device', device.cert));
    }
    commit(flashOf(d), entries);
  }
});

afterAll(async () => {
  await servers?.close();
  rmSync(dir, { recursive: true, force: true });
});

const runs = (d: DeviceKind) => NET_CASES.filter((c) => c.devices.includes(d));

describe('Net on Node (node:tls)', () => {
  const platforms = new Map<DeviceKind, NodePlatform>();
  beforeAll(() => {
    for (const d of DEVICES) {
      copyFileSync(flashOf(d), join(dir, `node-${d}.flash`));
      platforms.set(d, nodePlatform(join(dir, `node-${d}.flash`), { log: makeNodeLog(() => {}) }));
    }
  });
  afterAll(() => platforms.forEach((p) => p.close()));
  for (const d of DEVICES) {
    for (const c of runs(d)) {
      it.skipIf(c.hostOnly !== undefined)(`${c.name} [${d}]${c.hostOnly ? ` (zw-host only: ${c.hostOnly})` : ''}`, async () => {
        const r = await runNetCase(c, platforms.get(d)!.net, envOf(d));
        expect(r.error ?? 'ok').toBe('ok');
      });
    }
  }
});

interface HostRun { status: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

/** Runs bytecode in zw-host-dev without blocking this process's event loop (the servers). */
function runHost(arch: Arch, bytecode: string, flash: string, arg: string, timeoutMs = 600_000): Promise<HostRun> {
  const [cmd, args] = hostCommand(arch, 'zw-host-dev', ['--flash', flash, '--bytecode', bytecode, '--', arg]);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

const bytecode = join(dir, 'net.qjsbc');
let built: Promise<void> | undefined;
const buildOnce = () => (built ??= buildBytecode(join(ROOT, 'test/net/in-host.ts'), bytecode));

for (const arch of ARCHES) {
  describe(`Net in zw-host (${arch})`, () => {
    const results = new Map<string, CaseResult>();
    const transcripts = new Map<DeviceKind, string>();
    beforeAll(async () => {
      await buildOnce();
      for (const d of DEVICES) {
        const flash = join(dir, `${arch}-${d}.flash`);
        copyFileSync(flashOf(d), flash);
        const r = await runHost(arch, bytecode, flash, JSON.stringify({ device: d, env: envOf(d) }));
        const transcript = `${arch} ${d}: status ${r.status} signal ${r.signal} in ${Math.round(r.ms)} ms\n${r.stderr.slice(-2000)}`;
        transcripts.set(d, transcript);
        console.log(transcript.split('\n')[0]);
        for (const c of caseResults(r.stdout)) results.set(`${d}: ${c.name}`, c);
        expect(r.stdout, transcript).toContain('ZW-DONE');
        expect(r.status, transcript).toBe(0);
      }
    });
    for (const d of DEVICES) {
      for (const c of runs(d)) {
        it(`${c.name} [${d}]`, () => {
          const r = results.get(`${d}: ${c.name}`);
          expect(r, `no result reported; ${transcripts.get(d)}`).toBeDefined();
          expect(r!.error ?? 'ok').toBe('ok');
        });
      }
    }
  });
}
