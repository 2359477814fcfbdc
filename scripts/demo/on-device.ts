// The demo program: runs as bytecode in zw-host and shows what the platform verifies, through
// the ports only. Prints one line per check and "DEMO OK" when every check passed.
import rfc8032 from '../../../shared/vectors/rfc8032/rfc8032_ed25519_7_1.json';
import { hwPorts } from '../../hardware/hw/platform.ts';
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

const k = keys.deriveKey('demo/records');
const sealed = crypto.aeadSeal('aes-256-gcm', k, new Uint8Array(12), utf8('patient-free telemetry'), utf8('hdr'));
report(crypto.aeadOpen('aes-256-gcm', k, new Uint8Array(12), sealed, utf8('hdr')) !== null, 'storage key derived inside the host seals and opens a record (AES-256-GCM)');
sealed[3]! ^= 1;
report(crypto.aeadOpen('aes-256-gcm', k, new Uint8Array(12), sealed, utf8('hdr')) === null, 'a tampered record is refused');

console.log(`      counters: agent=${counters.read('agent')} firmware=${counters.read('firmware')} trust=${counters.read('trust')}`);
const slot = flash.open('slot-a');
const t0 = clock.monotonicMs();
const digest = slot.sha256(0, slot.size);
const ms = clock.monotonicMs() - t0;
report(digest.length === 32, `SHA-256 of slot-a (16 MiB, streamed natively) in ${ms.toFixed(1)} ms: ${toHex(digest).slice(0, 16)}…`);
console.log(failed === 0 ? 'DEMO OK' : `DEMO FAILED (${failed})`);
if (failed) throw new Error('demo checks failed');
