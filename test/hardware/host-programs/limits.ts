// Limits: an out-of-memory inside the limit is catchable and the runtime goes on; then, per
// the first argument, the script ends in an uncaught OOM, a loop that never yields, an uncaught
// exception or an unhandled rejection.
import * as hw from 'hw';
import * as hwdev from 'hwdev';

const mode = hwdev.args()[0];
function exhaust(): void {
  const keep: unknown[] = [];
  for (;;) keep.push(new Array(100000).fill(keep.length));
}
try {
  exhaust();
} catch (e) {
  console.log('ZW-LIMITS caught ' + (e instanceof Error ? e.name + ': ' + e.message : String(e)));
}
console.log('ZW-LIMITS alive ' + [1, 2, 3].map((x) => x * 2).join(','));
if (mode === 'oom') exhaust();
if (mode === 'loop') for (;;) { /* never yields */ }
if (mode === 'loop-in-timer') setTimeout(() => { for (;;) { /* never yields */ } }, 1);
if (mode === 'throw') throw new RangeError('boom');
if (mode === 'reject') void Promise.reject(new Error('nobody catches this'));
if (mode === 'exit') hw.exit(7);
