import type { Command } from './cli.ts';
import { EXIT, parse } from './cli.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure native vs OpenSSL vs noble speed, the store, binary sizes and peak RSS',
  usage: `zw bench [--write]

Builds the benchmark bytecode and prints: SHA-256 of 16 MiB through hw in zw-host vs openssl
dgst, noble SHA-256 inside QuickJS, Ed25519 verify through hw vs noble vs OpenSSL, the store
(commits/s of single 256-byte puts, open/recovery of 10,000 records, compaction of a full tail
segment) in zw-host on x86_64 and aarch64 (qemu-user, emulated) vs the Node implementation,
binary sizes and peak RSS. --write records the figures in BENCHMARKS.md with the machine.`,
  async run(argv) {
    parse(argv, { write: { type: 'boolean' } }, false);
    const { runBench } = await import('../bench.ts');
    return (await runBench()) ? EXIT.OK : EXIT.REJECT;
  },
};
