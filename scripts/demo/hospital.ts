// The demo's story, on one machine: a manufacturer signs the agent and a firmware release and
// publishes reference values; a hospital runs its CA, a real Mosquitto and the verifier; a
// gateway (the release zw-host booting the signed agent from its provisioned flash) is
// challenged and attested affirming. Then firmware signed by a key the gateway trusts but the
// hospital never approved turns the result contraindicated, and a tampered agent never
// connects: the verifier reports the gateway overdue.
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { partitionSpec } from '../../hardware/layout.ts';
import { VerifierDb } from '../../verifier/db.ts';
import { readEnrolment } from '../../verifier/enrolment.ts';
import { readPolicy } from '../../verifier/policy.ts';
import { referenceOf } from '../../verifier/refvalues-image.ts';
import { makeRefValues, openRefValues } from '../../verifier/refvalues.ts';
import { VerifierService, type ServiceEvent } from '../../verifier/service.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { buildAgentImage } from '../lib/agent-image.ts';
import { closeHospital, gateway, hospital, type Hospital } from '../lib/hospital.ts';
import { hostCommand, type Arch } from '../lib/host.ts';
import { signImage } from '../lib/imgtool/sign.ts';
import { installAgent } from '../lib/install-agent.ts';
import { parseSetting } from '../lib/provision.ts';
import { writeGatewayTree } from './gateway-tree.ts';

const say = (s: string) => process.stdout.write(s + '\n');
type Result = Extract<ServiceEvent, { type: 'result' }>;

function keyPair(dir: string, name: string): { priv: string; pub: string } {
  const k = generateKeyPairSync('ed25519');
  const priv = join(dir, `${name}.pem`), pub = join(dir, `${name}.pub.pem`);
  writeFileSync(priv, k.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  writeFileSync(pub, k.publicKey.export({ format: 'pem', type: 'spki' }));
  return { priv, pub };
}

const firmware = (key: string, version: string) => signImage(new Uint8Array(256 * 1024).fill(0x5a), {
  key: readFileSync(key), headerSize: 32, padHeader: true, align: 4, version, securityCounter: 3, slotSize: 16 * 1024 * 1024,
});

function writeAt(flash: string, part: 'slot-a' | 'agent', bytes: Uint8Array, at = 0): void {
  const fd = openSync(flash, 'r+');
  writeSync(fd, bytes, 0, bytes.length, partitionSpec(part)!.offset + at);
  closeSync(fd);
}

class Demo {
  readonly events: ServiceEvent[] = [];
  constructor(readonly h: Hospital, readonly flash: string, readonly root: string) {}

  boot(arch: Arch): ChildProcess {
    const [cmd, args] = hostCommand(arch, 'zw-host', ['--flash', this.flash, '--root', this.root]);
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.startsWith('zw-host:')) say(`  gateway console: ${l}`);
    });
    return p;
  }

  async wait<T extends ServiceEvent>(test: (e: ServiceEvent) => e is T, ms: number): Promise<T | null> {
    const from = this.events.length;
    const deadline = Date.now() + ms;
    for (;;) {
      const e = this.events.slice(from).find(test);
      if (e || Date.now() > deadline) return e ?? null;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Boots the gateway until the verifier appraised its answer to a challenge. */
  async attest(arch: Arch): Promise<Result | null> {
    const p = this.boot(arch);
    const r = await this.wait((e): e is Result => e.type === 'result' && e.answered, 120_000);
    p.kill('SIGKILL');
    if (r) {
      say(`  verifier: ${r.appraisal.status.toUpperCase()} (${r.appraisal.fresh ? 'fresh answer to its challenge' : 'not fresh'})`);
      for (const f of r.appraisal.findings) say(`    ${f.severity.padEnd(15)} ${f.id}: ${f.reason}`);
    }
    return r;
  }
}

export async function hospitalDemo(work: string, arches: readonly Arch[]): Promise<boolean> {
  say('== the manufacturer signs the agent and firmware 2.1.0, and publishes reference values');
  const approved = keyPair(work, 'manufacturer'), other = keyPair(work, 'other-manufacturer');
  const agent = (await buildAgentImage({ key: readFileSync(approved.priv), version: '0.7.0+1', securityCounter: 1, workDir: work })).image;
  const fw = firmware(approved.priv, '2.1.0+3');
  const refs = makeRefValues([referenceOf('agent', agent, 'agent', null), referenceOf('firmware', fw, 'firmware', null)], { agent: 1, firmware: 3 }, createPrivateKey(readFileSync(approved.priv)), Math.floor(Date.now() / 1000));
  const h = await hospital();
  try {
    say(`== the hospital: its CA, Mosquitto on ${h.broker.host}:${h.broker.port} (TLS 1.3, client certificates), the verifier`);
    writeFileSync(join(work, 'policy.json'), JSON.stringify({ version: 1, id: 'demo-hospital-2026', refvalueSigners: [{ pem: approved.pub }], freshnessSeconds: 60 }, null, 2));
    const policy = readPolicy(join(work, 'policy.json'));
    const opened = openRefValues(refs, policy.refvalueSigners);
    if (!opened.ok) throw new Error(opened.detail);
    const id = 'gw-demo-01';
    const flash = await gateway(h, id, {
      trustKeys: [approved.pub, other.pub],
      settings: [parseSetting(`broker=${h.broker.host}:${h.broker.port}`), parseSetting('listen-allow=tcp/22,udp/68')],
    });
    installAgent(flash, agent);
    writeAt(flash, 'slot-a', fw);
    say(`== gateway ${id}: provisioned (keys inside secure, certificate from the hospital CA, agent 0.7.0, firmware 2.1.0 in slot A)`);
    const enrolment = readEnrolment(join(h.dir, `${id}.enrolment.json`));
    const verifier = new Verifier({ db: await VerifierDb.open(join(work, 'verifier.sqlite')), policy, refs: opened.refs, enrolment: (d) => (d === id ? enrolment : null) });
    const service = await VerifierService.start({
      broker: h.broker, ca: h.caPem, cert: readFileSync(h.verifier.cert), key: readFileSync(h.verifier.key), verifier,
      enrolled: () => [id], challengeEveryMs: 60_000, overdueMs: 5000,
    });
    const demo = new Demo(h, flash, writeGatewayTree(join(work, 'gateway-root')));
    service.on((e) => demo.events.push(e));
    try {
      return await story(demo, arches, other.priv);
    } finally {
      await service.stop();
    }
  } finally {
    await closeHospital(h);
  }
}

async function story(demo: Demo, arches: readonly Arch[], otherKey: string): Promise<boolean> {
  let ok = true;
  for (const arch of arches) {
    say(`\n== boot the gateway (release zw-host, ${arch}${arch === 'aarch64' ? ' under qemu-user' : ''}): it verifies the agent, connects, is challenged`);
    ok = (await demo.attest(arch))?.appraisal.status === 'affirming' && ok;
  }
  say('\n== slot A now holds firmware 2.1.0 signed by a manufacturer key the gateway trusts but the hospital never approved; reboot');
  writeAt(demo.flash, 'slot-a', firmware(otherKey, '2.1.0+3'));
  const bad = await demo.attest('x86_64');
  ok = bad?.appraisal.status === 'contraindicated' && bad.appraisal.findings.some((f) => f.id === 'sw.signer.unapproved') && ok;
  say('\n== one byte of the agent image is changed in flash; reboot');
  writeAt(demo.flash, 'agent', Uint8Array.of(0x00), 4096);
  demo.boot('x86_64');
  const overdue = await demo.wait((e): e is Extract<ServiceEvent, { type: 'overdue' }> => e.type === 'overdue', 20_000);
  say(overdue ? `  verifier: ${overdue.deviceId} OVERDUE — no verified token for ${Math.round(overdue.sinceMs / 1000)} s` : '  verifier: no overdue report (unexpected)');
  return ok && overdue !== null;
}
