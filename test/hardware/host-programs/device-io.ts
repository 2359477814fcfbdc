// Reads what provisioning wrote, through the hw ports, and acts on the device: prints
// `ZW-DEVICE <json>` (public keys, counters, a signature), then applies the command line
// (`advance NAME VALUE`).
import * as hw from 'hw';
import * as hwdev from 'hwdev';
import { hwPorts } from '../../../hardware/hw/platform.ts';
import { KEY_NAMES, COUNTER_NAMES, type CounterName } from '../../../hardware/ports.ts';
import { toHex, utf8 } from '../../support/bytes.ts';

const { keys, counters } = hwPorts;
const out: Record<string, unknown> = { keys: {}, counters: {} };
for (const k of KEY_NAMES) {
  const alg = keys.algorithm(k);
  (out.keys as Record<string, unknown>)[k] = { alg, publicKey: alg === 'secret32' ? '' : alg ? toHex(keys.publicKey(k)) : null };
}
for (const c of COUNTER_NAMES) (out.counters as Record<string, number>)[c] = counters.read(c);
try {
  hw.flashRead('secure', 0, 64);
  out.secureRead = 'allowed';
} catch (e) {
  out.secureRead = (e as { reason?: string }).reason;
}
out.signature = toHex(keys.sign('attest', utf8('signed in zw-host')));
const [cmd, name, value] = hwdev.args();
if (cmd === 'advance') counters.advance(name as CounterName, Number(value));
console.log('ZW-DEVICE ' + JSON.stringify(out));
