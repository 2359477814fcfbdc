// Runs the store cases against the hw ports inside zw-host; test/store/store.test.ts reads the
// `ZW-CASE <json>` lines.
import { hwPorts } from '../../hardware/hw/platform.ts';
import { runCase } from '../contracts/harness.ts';
import { storeCases } from './cases.ts';

async function main(): Promise<void> {
  for (const c of storeCases) {
    console.log('ZW-CASE ' + JSON.stringify(runCase(c, hwPorts)));
    await new Promise((r) => setTimeout(r, 0));
  }
  console.log('ZW-DONE');
}
void main();
