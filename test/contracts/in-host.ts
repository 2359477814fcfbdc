// Runs every contract case against the hw ports inside zw-host and prints one
// `ZW-CASE <json>` line per case, then `ZW-DONE`; test/contracts/contracts.test.ts reads them.
import { hwPorts } from '../../hardware/hw/platform.ts';
import { ALL_CASES } from './all.ts';
import { runCase } from './harness.ts';

async function main(): Promise<void> {
  for (const c of ALL_CASES) {
    console.log('ZW-CASE ' + JSON.stringify(runCase(c, hwPorts)));
    await new Promise((r) => setTimeout(r, 0)); // yield: each case gets its own watchdog budget
  }
  console.log('ZW-DONE');
}
void main();
