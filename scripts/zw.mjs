#!/usr/bin/env node
// The `zw` command (npx zw …): TypeScript sources run through tsx.
import { register } from 'tsx/esm/api';

register();
// `zw … | head`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('./zw/main.ts');
process.exitCode = await main(process.argv.slice(2));
