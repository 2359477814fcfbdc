// Try the platform in one line:  npx zw run --arch aarch64 examples/hello-hw.ts
// (add --flash FILE made by `zw provision` to reach keys, counters and partitions).
import { hwPorts } from '../hardware/hw/platform.ts';
import { toHex } from '../test/support/bytes.ts';

const { rng, clock, crypto } = hwPorts;
console.log(`random:  ${toHex(rng.bytes(16))} (${rng.name})`);
console.log(`clock:   ${new Date(clock.wallMs()).toISOString()}, monotonic ${clock.monotonicMs().toFixed(3)} ms`);
console.log(`sha256:  ${toHex(crypto.sha256(new TextEncoder().encode('abc')))}`);
