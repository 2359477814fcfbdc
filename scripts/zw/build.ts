import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildAgentImage } from '../lib/agent-image.ts';
import { ROOT } from '../lib/host.ts';
import { EXIT, parse, UsageError, type Command } from './cli.ts';

export const buildCommand: Command = {
  name: 'build',
  summary: 'bundle the agent, compile it to bytecode and sign it as an MCUboot image',
  usage: `zw build --key PEM --version MAJ.MIN.REV+BUILD --security-counter N [-o FILE] [--entry FILE.ts]

Bundles the agent (hardware/hw/agent-main.ts, or --entry), compiles it to QuickJS bytecode and
signs it as an MCUboot image (imgtool format: 32-byte header, SEC_CNT in the protected area,
SHA256, KEYHASH, ED25519 or ECDSA_SIG) with the manufacturer key PEM. The security counter is
the agent's anti-rollback value: a gateway whose agent counter is higher refuses the image.
Install it with zw provision --agent FILE. Default output: build/agent.img.`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      key: { type: 'string' },
      version: { type: 'string' },
      'security-counter': { type: 'string' },
      output: { type: 'string', short: 'o', default: join(ROOT, 'build', 'agent.img') },
      entry: { type: 'string' },
    }, false);
    if (positionals.length) throw new UsageError('unexpected arguments');
    if (!values.key || !values.version || values['security-counter'] === undefined) throw new UsageError('--key, --version and --security-counter are required');
    const sc = Number(values['security-counter']);
    if (!/^\d+$/.test(values['security-counter']) || sc > 0xffffffff) throw new UsageError('--security-counter must be 0..4294967295');
    const out = values.output;
    mkdirSync(dirname(out), { recursive: true });
    const { image, bytecode } = await buildAgentImage({
      key: readFileSync(values.key), version: values.version, securityCounter: sc, workDir: dirname(out), ...(values.entry ? { entry: values.entry } : {}),
    });
    writeFileSync(out, image);
    process.stdout.write(`agent image ${out}: ${bytecode.length} bytes of bytecode, ${image.length} bytes signed, version ${values.version}, security counter ${sc}\n`);
    return EXIT.OK;
  },
};
