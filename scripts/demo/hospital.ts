// The demo's story, on one machine (scripts/lib/attest-lab.ts sets the scene): a gateway — the
// release zw-host booting the signed agent from its provisioned flash — is challenged and
// attested affirming; firmware signed by a key the gateway trusts but the hospital never
// approved turns the result contraindicated; a tampered agent never connects and the verifier
// reports the gateway overdue.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { AGENT_VERSION, AttestationLab, firmware, FIRMWARE_VERSION, writeAt, type Result } from '../lib/attest-lab.ts';
import { hostCommand, type Arch } from '../lib/host.ts';
import { CLEAN_GATEWAY, writeTree } from '../lib/gateway-tree.ts';

const say = (s: string) => process.stdout.write(s + '\n');

function boot(arch: Arch, flash: string, root: string): ChildProcess {
  const [cmd, args] = hostCommand(arch, 'zw-host', ['--flash', flash, '--root', root]);
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n')) if (l.startsWith('zw-host:')) say(`  gateway console: ${l}`);
  });
  return p;
}

function show(r: Result | null): Result | null {
  if (!r) say('  verifier: no answer (unexpected)');
  else {
    say(`  verifier: ${r.appraisal.status.toUpperCase()} (${r.appraisal.fresh ? 'fresh answer to its challenge' : 'not fresh'})`);
    for (const f of r.appraisal.findings) say(`    ${f.severity.padEnd(15)} ${f.id}: ${f.reason}`);
  }
  return r;
}

export async function hospitalDemo(work: string, arches: readonly Arch[]): Promise<boolean> {
  say('== the manufacturer signs the agent and a firmware release, and publishes reference values;');
  say('   the hospital starts its CA, Mosquitto (TLS 1.3, client certificates, per-device ACL) and the verifier');
  const lab = await AttestationLab.start(work, { db: join(work, 'verifier.sqlite') });
  try {
    const id = 'gw-demo-01';
    const flash = await lab.gateway(id);
    const root = writeTree(join(work, 'gateway-root'), CLEAN_GATEWAY);
    say(`== gateway ${id}: keys made inside secure, certificate from the hospital CA, agent ${AGENT_VERSION}, firmware ${FIRMWARE_VERSION} in slot A`);
    const attest = async (arch: Arch) => {
      const from = lab.events.length;
      const p = boot(arch, flash, root);
      const r = show(await lab.answer(id, 120_000, from));
      p.kill('SIGKILL');
      return r;
    };
    let ok = true;
    for (const arch of arches) {
      say(`\n== boot the gateway (release zw-host, ${arch}${arch === 'aarch64' ? ' under qemu-user' : ''}): it verifies its agent, connects, is challenged`);
      ok = (await attest(arch))?.appraisal.status === 'affirming' && ok;
    }
    say(`\n== slot A now holds firmware ${FIRMWARE_VERSION} signed by a key the gateway trusts but the hospital never approved; reboot`);
    writeAt(flash, 'slot-a', firmware(lab.other.priv));
    const bad = await attest('x86_64');
    ok = bad?.appraisal.status === 'contraindicated' && bad.appraisal.findings.some((f) => f.id === 'sw.signer.unapproved') && ok;
    say('\n== one byte of the agent image is changed in flash; reboot');
    writeAt(flash, 'agent', Uint8Array.of(0x00), 4096);
    boot('x86_64', flash, root);
    const overdue = await lab.wait((e): e is Extract<typeof e, { type: 'overdue' }> => e.type === 'overdue', 20_000);
    say(overdue ? `  verifier: ${overdue.deviceId} OVERDUE — no verified token for ${Math.round(overdue.sinceMs / 1000)} s` : '  verifier: no overdue report (unexpected)');
    return ok && overdue !== null;
  } finally {
    await lab.close();
  }
}
