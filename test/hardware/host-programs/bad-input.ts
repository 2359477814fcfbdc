// Calls every hw function with wrong types, wrong lengths and out-of-range values. Each call
// must return or throw an Error carrying a reason code: anything else (a crash, an untyped
// error) fails. Prints `ZW-BAD-INPUT {calls, typed, returned, untyped: [...]}`.
import * as hw from 'hw';

const big = new Uint8Array(70000);
const values: unknown[] = [
  undefined, null, 0, -1, 1.5, NaN, 2 ** 53, 'sha256', 'attest', 'data', {}, [], [1, 2],
  new Uint8Array(0), new Uint8Array(12), new Uint8Array(16), new Uint8Array(32), new Uint8Array(65), big,
  new Uint16Array(8), new ArrayBuffer(32), { kind: 'key-handle', length: 32 }, () => 1, Symbol('s'), 10n,
];
const skip = new Set(['exit']);
const untyped: string[] = [];
let calls = 0, typed = 0, returned = 0;
let seed = 12345;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
};

for (const [name, fn] of Object.entries(hw)) {
  if (typeof fn !== 'function' || skip.has(name)) continue;
  for (let i = 0; i < 300; i++) {
    const args = Array.from({ length: rand(6) }, () => values[rand(values.length)]);
    calls++;
    try {
      const r = (fn as (...a: unknown[]) => unknown)(...args);
      if (r && typeof (r as { digest?: unknown }).digest === 'function') (r as hw.HwHash).digest();
      returned++;
    } catch (e) {
      if (e instanceof Error && typeof (e as { reason?: unknown }).reason === 'string') typed++;
      else untyped.push(`${name}(${args.map((a) => typeof a).join(',')}): ${String(e)}`);
    }
  }
}
console.log('ZW-BAD-INPUT ' + JSON.stringify({ calls, typed, returned, untyped: untyped.slice(0, 20) }));
