import type { Command } from './cli.ts';
import { EXIT } from './cli.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure native vs OpenSSL vs noble speed, binary sizes and peak RSS',
  usage: 'zw bench [--write]',
  async run() {
    const { runBench } = await import('../bench.ts');
    return (await runBench()) ? EXIT.OK : EXIT.REJECT;
  },
};
