// A stand-in agent for the boot tests: prints what the host measured, tries to change the
// measurement log, and prints it again (it must not change).
import * as hw from 'hw';

const first = hw.measurements();
console.log('ZW-AGENT-RAN ' + JSON.stringify(first));
(first[0] as Record<string, unknown>).status = 'forged';
first.push({ component: 'forged' });
console.log('ZW-AGENT-AGAIN ' + JSON.stringify(hw.measurements()));
