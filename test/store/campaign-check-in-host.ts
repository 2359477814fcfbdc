// The reboot after a cut, inside zw-host: opens the store, commits once more, opens it again,
// and prints both views as `ZW-REBOOT <json>` (test/store/campaign.test.ts compares them with
// the oracle and with the same reboot on Node).
import { hwPorts } from '../../hardware/hw/platform.ts';
import { rebootViews } from './campaign-workload.ts';

console.log('ZW-REBOOT ' + JSON.stringify(rebootViews(hwPorts)));
console.log('ZW-DONE');
