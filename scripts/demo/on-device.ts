// The demo program: runs as bytecode in zw-host and shows what the platform verifies, through
// the ports only. Prints one line per check and "DEMO OK" when every check passed.
import rfc8032 from '../../../shared/vectors/rfc8032/rfc8032_ed25519_7_1.json';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { openStore } from '../../agent/store/store.ts';
import { hex, toHex, utf8 } from '../../test/support/bytes.ts';

const { crypto, keys, counters, flash, clock } = hwPorts;
let failed = 0;
function report(ok: boolean, what: string): void {
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${what}`);
}

const vectors = rfc8032.vectors;
const good = vectors.filter((v) => crypto.ed25519Verify(hex(v.public_key), hex(v.message), hex(v.signature))).length;
report(good === vectors.length, `Ed25519 (RFC 8032 §7.1): ${good}/${vectors.length} signatures verified natively`);
const forged = hex(vectors[0]!.signature);
forged[0]! ^= 1;
report(!crypto.ed25519Verify(hex(vectors[0]!.public_key), hex(vectors[0]!.message), forged), 'Ed25519: a forged signature is refused');

const msg = utf8(`zorgwacht demo ${clock.wallMs()}`);
const sig = keys.sign('attest', msg);
report(crypto.ed25519Verify(keys.publicKey('attest'), msg, sig), `attest key in secure signs; public key ${toHex(keys.publicKey('attest')).slice(0, 16)}…`);

// The store on the data partition: the second run (aarch64) reopens what the first wrote.
const opened = openStore(hwPorts);
if (!opened.ok) throw new Error(`store: ${opened.reason}: ${opened.detail}`);
const store = opened.store;
const r = opened.report;
report(r.lost.length === 0, `store opened: ${r.blank ? 'a new store' : `${r.records} records recovered`}, epoch ${r.epochNow} (bound to the store-epoch counter)`);
const boots = store.get('demo/boots');
const n = boots.ok && boots.value ? Number(new TextDecoder().decode(boots.value)) + 1 : 1;
store.put('demo/boots', utf8(String(n)));
store.enqueue(utf8(`report from run ${n}`));
store.audit({ eventType: 'demo.run', subject: 'gw-demo-01', actor: 'demo', source: 'console', objects: [], outcome: 'success' });
const committed = store.commit();
const chain = store.verifyAudit();
report(committed.ok && chain.ok, `committed run ${n}: ${store.queueLength()} report(s) queued, audit chain of ${chain.ok ? chain.count : '?'} record(s) verifies`);

console.log(`      counters: agent=${counters.read('agent')} firmware=${counters.read('firmware')} trust=${counters.read('trust')}`);
const slot = flash.open('slot-a');
const t0 = clock.monotonicMs();
const digest = slot.sha256(0, slot.size);
const ms = clock.monotonicMs() - t0;
report(digest.length === 32, `SHA-256 of slot-a (16 MiB, streamed natively) in ${ms.toFixed(1)} ms: ${toHex(digest).slice(0, 16)}…`);
console.log(failed === 0 ? 'DEMO OK' : `DEMO FAILED (${failed})`);
if (failed) throw new Error('demo checks failed');
