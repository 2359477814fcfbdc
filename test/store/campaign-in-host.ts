// The store campaign's workload inside zw-host: prints `ZW-STEP <json>` after each commit
// returns, then `ZW-DONE` (test/store/campaign.test.ts cuts the power under it with ZW_FAULT).
import { hwPorts } from '../../hardware/hw/platform.ts';
import { storeWorkload } from './campaign-workload.ts';

storeWorkload(hwPorts, (s) => console.log('ZW-STEP ' + JSON.stringify(s)));
console.log('ZW-DONE');
