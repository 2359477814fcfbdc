// The transport benchmark program inside zw-host (scripts/bench/transport-workload.ts over hw,
// on the provisioned gateway given with --flash). Arguments: handshake N host port id |
// publish N size host port id. Prints `ZW-BENCH <json>`; timed inside the host.
import * as hwdev from 'hwdev';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { benchHandshakes, benchPublish } from './transport-workload.ts';

const [what, ...rest] = hwdev.args();
const report = (o: object) => console.log('ZW-BENCH ' + JSON.stringify({ what, ...o }));
const fail = (e: unknown) => console.log('ZW-BENCH-ERROR ' + String(e));

if (what === 'handshake') {
  const [n, host, port, deviceId] = rest;
  benchHandshakes(hwPorts, { deviceId: deviceId!, host: host!, port: Number(port) }, Number(n)).then(report, fail);
} else if (what === 'publish') {
  const [n, size, host, port, deviceId] = rest;
  benchPublish(hwPorts, { deviceId: deviceId!, host: host!, port: Number(port) }, Number(n), Number(size)).then(report, fail);
} else {
  throw new Error(`unknown transport benchmark ${String(what)}`);
}
