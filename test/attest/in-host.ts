// Inside zw-host: the fixed tokens (test/attest/fixture.ts) made by the real bytecode over the
// hw ports, printed as `ZW-TOKEN <json>` for the Node side to verify, then the refusal cases as
// `ZW-CASE <json>` lines. Argument: `provisioned` (an attest key in secure) or `blank`.
import * as hwdev from 'hwdev';
import { makeToken } from '../../agent/attest/token.ts';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { runCase } from '../contracts/harness.ts';
import { toHex } from '../support/bytes.ts';
import { attestCases, noKeyCases } from './cases.ts';
import { FIXTURES } from './fixture.ts';

const [mode] = hwdev.args();
if (mode === 'provisioned') {
  for (const [name, input] of Object.entries(FIXTURES)) {
    const r = makeToken(hwPorts, input);
    console.log('ZW-TOKEN ' + JSON.stringify(r.ok ? { name, hex: toHex(r.token) } : { name, reason: r.reason, detail: r.detail }));
  }
}
for (const c of mode === 'provisioned' ? attestCases : noKeyCases) console.log('ZW-CASE ' + JSON.stringify(runCase(c, hwPorts)));
console.log('ZW-DONE');
