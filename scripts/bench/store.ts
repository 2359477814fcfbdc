// The store benchmark program inside zw-host (scripts/bench/store-workload.ts over hw, on the
// provisioned device given with --flash). Arguments: commits N | fill N | open REPS | compact.
// Prints `ZW-BENCH <json>`; timed inside the host with the monotonic clock.
import * as hwdev from 'hwdev';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { benchCommits, benchCompact, benchOpen, fillRecords } from './store-workload.ts';

const [what, arg] = hwdev.args();
const report = (o: object) => console.log('ZW-BENCH ' + JSON.stringify({ what, ...o }));

if (what === 'commits') report(benchCommits(hwPorts, Number(arg)));
else if (what === 'fill') report(fillRecords(hwPorts, Number(arg)));
else if (what === 'open') report(benchOpen(hwPorts, Number(arg)));
else if (what === 'compact') report(benchCompact(hwPorts));
else throw new Error(`unknown store benchmark ${String(what)}`);
