import { REASONS } from '../../hardware/reasons.ts';
import { EXIT, parse, printJson, type Command } from './cli.ts';

export const reasonsCommand: Command = {
  name: 'reasons',
  summary: 'list every reason code with its meaning',
  usage: `zw reasons [--json] [PREFIX]

Prints the registry of stable reason codes (hardware/reasons.ts). PREFIX keeps only codes
that start with it (e.g. "flash.").`,
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    const prefix = positionals[0] ?? '';
    const rows = Object.entries(REASONS).filter(([code]) => code.startsWith(prefix));
    if (values.json) printJson(Object.fromEntries(rows));
    else {
      const w = Math.max(...rows.map(([c]) => c.length), 4);
      for (const [code, meaning] of rows) process.stdout.write(`${code.padEnd(w)}  ${meaning}\n`);
    }
    return rows.length > 0 ? EXIT.OK : EXIT.REJECT;
  },
};
