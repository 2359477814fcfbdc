// `zw verifier run`, the hospital's verifier as a process: it connects with the verifier
// certificate, challenges an enrolled gateway that comes online, prints each result's EAR
// (--json), keeps it in its SQLite file, and stops cleanly on SIGTERM. Bad arguments are usage
// errors (exit 2).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AttestationLab } from '../../scripts/lib/attest-lab.ts';
import { hostCommand, ROOT } from '../../scripts/lib/host.ts';
import { CLEAN_GATEWAY, writeTree } from '../../scripts/lib/gateway-tree.ts';

const work = mkdtempSync(join(tmpdir(), 'zw-verifier-cli-'));
let lab: AttestationLab;
beforeAll(async () => {
  writeTree(join(work, 'root'), CLEAN_GATEWAY);
  lab = await AttestationLab.start(work);
}, 120_000);
afterAll(async () => {
  await lab?.close();
  rmSync(work, { recursive: true, force: true });
});

const ZW = join(ROOT, 'scripts/zw.mjs');

it('refuses missing or malformed arguments as usage errors', () => {
  expect(spawnSync(process.execPath, [ZW, 'verifier', 'run'], { encoding: 'utf8' }).status).toBe(2);
  expect(spawnSync(process.execPath, [ZW, 'verifier', 'run', '--broker', 'broker.local:8883', '--pki', 'x', '--enrolments', 'x', '--refvalues', 'x', '--policy', 'x'], { encoding: 'utf8' }).status).toBe(2);
  expect(spawnSync(process.execPath, [ZW, 'verifier', 'run', '--help'], { encoding: 'utf8' }).stdout).toContain('--enrolments');
});

it('challenges an enrolled gateway that comes online and prints its EAR, affirming', async () => {
  const id = 'gw-verifier-cli';
  const flash = await lab.gateway(id);
  const pki = join(lab.h.dir, 'pki-for-cli');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync(pki);
  copyFileSync(join(lab.h.dir, 'pki/ca.pem'), join(pki, 'ca.pem'));
  copyFileSync(lab.h.verifier.cert, join(pki, 'verifier.pem'));
  copyFileSync(lab.h.verifier.key, join(pki, 'verifier.key.pem'));
  const db = join(work, 'results.sqlite');
  const v = spawn(process.execPath, [ZW, 'verifier', 'run', '--broker', `${lab.h.broker.host}:${lab.h.broker.port}`, '--pki', pki,
    '--enrolments', join(lab.h.dir, `${id}.enrolment.json`), '--refvalues', join(work, 'refs.cose'), '--policy', join(work, 'policy.json'),
    '--db', db, '--client-id', 'verifier-cli', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  v.stdout!.on('data', (d) => (out += d));
  v.stderr!.on('data', (d) => (err += d));
  const until = async (test: () => boolean, what: string) => {
    for (const end = Date.now() + 60_000; !test(); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > end) throw new Error(`never ${what}:\n${out}\n${err}`);
    }
  };
  await until(() => err.includes('connected'), 'connected');
  const [cmd, args] = hostCommand('x86_64', 'zw-host', ['--flash', flash, '--root', join(work, 'root')]);
  const g = spawn(cmd, args, { stdio: 'ignore' });
  try {
    // The lab's own verifier challenges the gateway too; its answer reaches this process as well,
    // with a nonce this one never issued (nonce.unknown). This process's own challenge is answered
    // affirming.
    const statuses = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; answered?: boolean; ear?: { submods: Record<string, { 'ear.status': string }> } })
      .filter((e) => e.type === 'result' && e.answered).map((e) => e.ear!.submods[id]!['ear.status']);
    await until(() => statuses().includes('affirming'), 'an affirming answer');
  } finally {
    g.kill('SIGKILL');
  }
  v.kill('SIGTERM');
  expect(await new Promise((ok) => v.once('exit', ok))).toBe(0);
  expect(existsSync(db)).toBe(true);
}, 120_000);
