// The campaign workload inside zw-host: prints `ZW-STEP <json>` after each durable step.
import { hwPorts } from '../../hardware/hw/platform.ts';
import { workload } from './workload.ts';

workload(hwPorts, (s) => console.log('ZW-STEP ' + JSON.stringify(s)));
console.log('ZW-DONE');
