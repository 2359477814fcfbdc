#!/usr/bin/env node
// The `zw` command (npx zw …): TypeScript sources run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./zw/main.ts');
process.exitCode = await main(process.argv.slice(2));
