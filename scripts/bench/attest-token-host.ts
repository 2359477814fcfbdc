// The attestation-token benchmark inside zw-host (scripts/bench/attest-token-workload.ts over
// hw, on the provisioned device given with --flash). Argument: N. Prints `ZW-BENCH <json>`.
import * as hwdev from 'hwdev';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { benchTokens } from './attest-token-workload.ts';

const [n] = hwdev.args();
console.log('ZW-BENCH ' + JSON.stringify(benchTokens(hwPorts, Number(n))));
