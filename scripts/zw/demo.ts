import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { provision } from '../lib/provision.ts';
import { ARCHES, buildBytecode, hostCommand, ROOT } from '../lib/host.ts';
import { EXIT, parse, type Command } from './cli.ts';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'provision a gateway flash and run a bytecode program in zw-host on x86_64 and aarch64',
  usage: `zw demo

Provisions build/demo/gw-demo-01.flash (trust key: the imgtool test key from ../shared/vectors),
compiles scripts/demo/on-device.ts to QuickJS bytecode once, and runs that same bytecode in
zw-host-dev on x86_64 and on aarch64 (qemu-aarch64-static). It prints what it verified.`,
  async run(argv) {
    parse(argv, {}, false);
    const dir = join(ROOT, 'build', 'demo');
    mkdirSync(dir, { recursive: true });
    const flash = join(dir, 'gw-demo-01.flash');
    rmSync(flash, { force: true });
    const trust = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem');
    const dev = provision({ id: 'gw-demo-01', flash, trustKeys: [trust], counters: { agent: 1, firmware: 3 } });
    console.log(`provisioned ${dev.id} in ${flash}: attest key ${dev.keys.attest?.publicKey.slice(0, 16)}…, trust key ${dev.trustKeys[0]?.keyHash.slice(0, 16)}…`);
    const bc = join(dir, 'on-device.qjsbc');
    await buildBytecode(join(ROOT, 'scripts/demo/on-device.ts'), bc);
    let status = EXIT.OK as number;
    for (const arch of ARCHES) {
      console.log(`\n== zw-host ${arch}${arch === 'aarch64' ? ' (qemu-aarch64-static)' : ''}: same bytecode ==`);
      const [cmd, args] = hostCommand(arch, 'zw-host-dev', ['--flash', flash, '--bytecode', bc]);
      const r = spawnSync(cmd, args, { stdio: 'inherit' });
      if (r.status !== 0) status = EXIT.REJECT;
    }
    return status;
  },
};
