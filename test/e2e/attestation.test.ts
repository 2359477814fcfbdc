// Attestation end to end, against the real Mosquitto: the signed agent in the release zw-host
// (x86_64; aarch64 under qemu-user) is challenged by the verifier process's core
// (verifier/service.ts) over MQTT, answers with an EAT, and the verifier appraises it against
// the manufacturer's reference values (made by `zw refvalues`) and the hospital's policy. Then
// firmware signed by a key the gateway trusts but the hospital never approved turns the result
// contraindicated, and a tampered agent never connects: the verifier reports the gateway overdue.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionSpec } from '../../hardware/layout.ts';
import { buildAgentImage } from '../../scripts/lib/agent-image.ts';
import { ARCHES, hostCommand, ROOT } from '../../scripts/lib/host.ts';
import { signImage } from '../../scripts/lib/imgtool/sign.ts';
import { installAgent } from '../../scripts/lib/install-agent.ts';
import { parseSetting } from '../../scripts/lib/provision.ts';
import { VerifierDb } from '../../verifier/db.ts';
import { readEnrolment } from '../../verifier/enrolment.ts';
import { readPolicy } from '../../verifier/policy.ts';
import { openRefValues } from '../../verifier/refvalues.ts';
import { VerifierService, type ServiceEvent } from '../../verifier/service.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { ALLOW, CLEAN, writeTree } from '../posture/fixtures.ts';
import { closeHospital, gateway, hospital, type Hospital } from '../../scripts/lib/hospital.ts';

const KEYS = join(ROOT, '../shared/vectors/imgtool/keys');
const SLOT = 16 * 1024 * 1024;
let h: Hospital;
let service: VerifierService;
const events: ServiceEvent[] = [];
const enrolments = new Map<string, ReturnType<typeof readEnrolment>>();
let agentImage: Uint8Array;
const firmware = (key: string, version: string) =>
  signImage(new Uint8Array(64 * 1024).fill(0x5a), { key: readFileSync(join(KEYS, key)), headerSize: 32, padHeader: true, align: 4, version, securityCounter: 3, slotSize: SLOT });
const approved = () => firmware('ed25519_a.pem', '2.1.0+3');

function zw(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...args], { encoding: 'utf8', cwd: h.dir });
  if (r.status !== 0) throw new Error(`zw ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  h = await hospital();
  agentImage = (await buildAgentImage({ key: readFileSync(join(KEYS, 'ed25519_a.pem')), version: '0.7.0+1', securityCounter: 1, workDir: h.dir })).image;
  writeFileSync(join(h.dir, 'agent.img'), agentImage);
  writeFileSync(join(h.dir, 'fw.img'), approved());
  zw('refvalues', '--key', join(KEYS, 'ed25519_a.pem'), '-o', join(h.dir, 'refs.cose'), '--agent', 'agent.img', '--firmware', 'fw.img');
  writeFileSync(join(h.dir, 'policy.json'), JSON.stringify({
    version: 1, id: 'ziekenhuis-oost-2026', refvalueSigners: [{ pem: join(KEYS, 'ed25519_a.pub.pem') }], freshnessSeconds: 60,
  }));
  writeTree(join(h.dir, 'root'), CLEAN);
  const policy = readPolicy(join(h.dir, 'policy.json'));
  const refs = openRefValues(new Uint8Array(readFileSync(join(h.dir, 'refs.cose'))), policy.refvalueSigners);
  if (!refs.ok) throw new Error(refs.detail);
  const verifier = new Verifier({ db: await VerifierDb.open(null), policy, refs: refs.refs, enrolment: (id) => enrolments.get(id) ?? null });
  service = await VerifierService.start({
    broker: h.broker, ca: h.caPem, cert: readFileSync(h.verifier.cert), key: readFileSync(h.verifier.key), verifier,
    enrolled: () => [...enrolments.keys()], challengeEveryMs: 60_000, overdueMs: 4000,
  });
  service.on((e) => events.push(e));
}, 180_000);

afterAll(async () => {
  await service?.stop();
  await closeHospital(h);
});

async function provisioned(id: string): Promise<string> {
  const flash = await gateway(h, id, {
    // The gateway also trusts a second manufacturer key; the hospital's policy does not.
    trustKeys: [join(KEYS, 'ed25519_a.pub.pem'), join(KEYS, 'ed25519_b.pub.pem')],
    settings: [parseSetting(`broker=${h.broker.host}:${h.broker.port}`), parseSetting(`listen-allow=${ALLOW}`)],
  });
  installAgent(flash, agentImage);
  writeAt(flash, 'slot-a', approved());
  enrolments.set(id, readEnrolment(join(h.dir, `${id}.enrolment.json`)));
  return flash;
}

function writeAt(flash: string, part: 'slot-a' | 'agent', bytes: Uint8Array, at = 0): void {
  const fd = openSync(flash, 'r+');
  writeSync(fd, bytes, 0, bytes.length, partitionSpec(part)!.offset + at);
  closeSync(fd);
}

function boot(arch: (typeof ARCHES)[number], flash: string): { proc: ChildProcess; out: () => string } {
  const [cmd, args] = hostCommand(arch, 'zw-host', ['--flash', flash, '--root', join(h.dir, 'root')]);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, out: () => out };
}

const stop = (p: ChildProcess) => new Promise<void>((ok) => { if (p.exitCode !== null) ok(); else { p.once('exit', () => ok()); p.kill('SIGKILL'); } });

async function until<T extends ServiceEvent>(test: (e: ServiceEvent) => e is T, what: string, ms: number, log: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = events.find(test);
    if (e) return e;
    if (Date.now() > deadline) throw new Error(`never saw ${what}; events ${JSON.stringify(events.map((x) => x.type === 'result' ? [x.appraisal.deviceId, x.appraisal.status, x.answered] : x))}\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Result = Extract<ServiceEvent, { type: 'result' }>;
const answerFrom = (id: string, after: number) => (e: ServiceEvent): e is Result =>
  e.type === 'result' && e.answered && e.appraisal.deviceId === id && events.indexOf(e) >= after;

/** Boots the gateway until the verifier has appraised an answer to its challenge. */
async function attested(arch: (typeof ARCHES)[number], id: string, flash: string): Promise<Result> {
  const from = events.length;
  const g = boot(arch, flash);
  try {
    return await until(answerFrom(id, from), `an answer from ${id}`, 90_000, g.out);
  } finally {
    await stop(g.proc);
  }
}

for (const arch of ARCHES) {
  describe(`attestation end to end (${arch})`, () => {
    const id = `gw-attest-${arch === 'x86_64' ? 'x86' : 'arm'}`;
    let flash: string;
    beforeAll(async () => { flash = await provisioned(id); }, 60_000);

    it('the gateway answers the challenge with a token the verifier appraises as affirming, fresh', async () => {
      const r = await attested(arch, id, flash);
      expect(r.appraisal.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(r.appraisal).toMatchObject({ status: 'affirming', verified: true, fresh: true });
      expect(r.appraisal.claims?.components.map((c) => [c.type, c.version])).toEqual([['agent', '0.7.0+1'], ['firmware', '2.1.0+3'], ['firmware', undefined]]);
      const boot = events.find((e): e is Result => e.type === 'result' && !e.answered && e.appraisal.deviceId === id);
      expect(boot?.appraisal.verified).toBe(true);
      expect(boot?.appraisal.fresh).toBe(false);
    }, 120_000);

    if (arch === 'x86_64') {
      it('firmware signed by a key the hospital never approved: contraindicated, and the finding says why', async () => {
        writeAt(flash, 'slot-a', firmware('ed25519_b.pem', '2.1.0+3'));
        const r = await attested(arch, id, flash);
        expect(r.appraisal.status).toBe('contraindicated');
        expect(r.appraisal.findings.map((f) => f.id)).toContain('sw.signer.unapproved');
      }, 120_000);

      it('a tampered agent never connects: the verifier reports the gateway overdue', async () => {
        writeAt(flash, 'agent', Uint8Array.of(agentImage[4096]! ^ 0x01), 4096);
        const g = boot(arch, flash);
        const code = await new Promise<number | null>((ok) => g.proc.once('exit', (c) => ok(c)));
        expect(code).toBe(1);
        expect(g.out()).toContain('agent image refused');
        await until((e): e is Extract<ServiceEvent, { type: 'overdue' }> => e.type === 'overdue' && e.deviceId === id, `${id} overdue`, 20_000, g.out);
      }, 60_000);
    }
  });
}
