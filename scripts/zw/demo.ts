import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hospitalDemo } from '../demo/hospital.ts';
import { ARCHES, ROOT } from '../lib/host.ts';
import { EXIT, parse, type Command } from './cli.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'a hospital on this machine: a gateway attested affirming, then contraindicated, then overdue',
  usage: `zw demo [--x86-only]

In build/demo/: a manufacturer key signs the agent image and firmware 2.1.0 and makes reference
values (zw refvalues); the hospital's CA (zw pki), a real Mosquitto (TLS 1.3, client
certificates, per-device ACL) and the verifier start; a gateway is provisioned (keys made inside
secure, certificate from the hospital CA, broker setting) and booted in the release zw-host, on
x86_64 and on aarch64 (qemu-user): it verifies its agent, connects, answers the verifier's
challenge and is attested affirming. Then slot A gets firmware signed by a key the gateway
trusts but the hospital never approved: after a reboot the result is contraindicated, with the
finding that says why. Then one byte of the agent image changes: the gateway refuses to load it,
never connects, and the verifier reports it overdue. Exit 0 when all three happened.`,
  async run(argv) {
    const { values } = parse(argv, { 'x86-only': { type: 'boolean' } });
    const dir = join(ROOT, 'build', 'demo');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const ok = await hospitalDemo(dir, values['x86-only'] ? ['x86_64'] : ARCHES);
    process.stdout.write(ok ? '\ndemo: all three outcomes as expected\n' : '\ndemo: an outcome was not as expected\n');
    return ok ? EXIT.OK : EXIT.REJECT;
  },
};
