// The scripted flash workload of the power-cut campaign: programs, erases and syncs on data
// partitions interleaved with Counter and KeyStore commits to `secure`. Pure (ports only), so
// the same code runs in Node and as bytecode in zw-host. After each durable step it reports
// what is now committed; after a cut, the checker holds the device to those reports.
import type { CounterName, KeyName, Ports } from '../../hardware/ports.ts';
import { toHex } from '../support/bytes.ts';

export type Step =
  | { kind: 'counter'; name: CounterName; value: number }
  | { kind: 'key'; name: KeyName; publicKey: string }
  | { kind: 'sync' };

export const pattern = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed * 29 + (i >> 8)) & 0xff);

export function workload(p: Ports, committed: (s: Step) => void): void {
  const data = p.flash.open('data');
  const slot = p.flash.open('slot-a');
  const counter = (name: CounterName, value: number) => {
    p.counters.advance(name, value);
    committed({ kind: 'counter', name, value });
  };
  const key = (name: KeyName, alg: 'ed25519' | 'x25519' | 'secret32') => {
    committed({ kind: 'key', name, publicKey: toHex(p.keys.generate(name, alg)) });
  };
  const sync = () => {
    data.sync();
    committed({ kind: 'sync' });
  };

  data.erase(0, 3 * 4096);
  data.program(0, pattern(64, 1));
  data.program(4096 - 48, pattern(96, 2)); // straddles a page boundary
  sync();
  counter('agent', 1);
  key('attest', 'ed25519');
  slot.erase(0, 2 * 4096);
  slot.program(4096 + 32, pattern(4096, 3)); // unsynced until the next commit's sync
  data.program(8192, pattern(512, 4));
  counter('firmware', 7);
  data.erase(0, 4096); // rewrite a synced block
  data.program(0, pattern(4096, 5));
  key('storage', 'secret32');
  counter('agent', 2);
  slot.erase(4096, 4096);
  slot.program(4096, pattern(256, 6));
  sync();
  counter('trust', 3);
  data.program(8192 + 512, pattern(1024, 7)); // never synced: lands only at a clean exit
}
