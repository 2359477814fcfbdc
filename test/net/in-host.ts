// Runs the Net contract cases for one device against the hw port inside zw-host and prints one
// `ZW-CASE <json>` line per case, then `ZW-DONE`; test/net/net.test.ts starts the servers and
// passes `{device, env}` as the first argument.
import { args } from 'hwdev';
import { hwNet } from '../../hardware/hw/platform.ts';
import { NET_CASES, runNetCase, type DeviceKind, type NetEnv } from './cases.ts';

async function main(): Promise<void> {
  const { device, env } = JSON.parse(args()[0] ?? '{}') as { device: DeviceKind; env: NetEnv };
  for (const c of NET_CASES) {
    if (c.devices.includes(device)) console.log('ZW-CASE ' + JSON.stringify(await runNetCase(c, hwNet, env)));
  }
  console.log('ZW-DONE');
}
void main();
