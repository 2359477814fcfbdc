// Runs the Device and Posture cases against the hw ports inside zw-host (ZW-CASE lines).
import { hwPorts } from '../../hardware/hw/platform.ts';
import { runCase } from '../contracts/harness.ts';
import { deviceCases } from './cases.ts';

for (const c of deviceCases) console.log('ZW-CASE ' + JSON.stringify(runCase(c, hwPorts)));
console.log('ZW-DONE');
