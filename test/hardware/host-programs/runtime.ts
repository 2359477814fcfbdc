// What the host adds to QuickJS: timers, microtasks, TextEncoder/TextDecoder, stdin through
// the event loop, module arguments. Prints `ZW-RUNTIME <json>` with what it observed.
import * as hwdev from 'hwdev';

const order: string[] = [];
const out: Record<string, unknown> = {};
const enc = new TextEncoder(), dec = new TextDecoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

out.encode = hex(enc.encode('zé€😀'));
out.loneSurrogate = hex(enc.encode('a\ud800b'));
out.decode = dec.decode(new Uint8Array([0x7a, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]));
out.decodeInvalid = dec.decode(new Uint8Array([0x61, 0xff, 0x62, 0xc3]));
out.decodeOverlong = dec.decode(new Uint8Array([0xc0, 0xaf]));
out.decodeEmpty = dec.decode();
try {
  new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff]));
  out.fatal = 'no error';
} catch (e) {
  out.fatal = e instanceof TypeError ? 'TypeError' : String(e);
}
out.args = hwdev.args();

setTimeout(() => order.push('timeout 20'), 20);
setTimeout(() => order.push('timeout 0'), 0);
const cancelled = setTimeout(() => order.push('cancelled'), 5);
clearTimeout(cancelled);
let ticks = 0;
const iv = setInterval(() => {
  order.push(`interval ${++ticks}`);
  if (ticks === 3) clearInterval(iv);
}, 1);
queueMicrotask(() => order.push('microtask'));
void Promise.resolve().then(() => order.push('promise'));
order.push('sync');

async function main(): Promise<void> {
  const chunks: string[] = [];
  for (;;) {
    const c = await hwdev.readStdin();
    if (c === null) break;
    chunks.push(dec.decode(c));
  }
  out.stdin = chunks.join('');
  await new Promise((r) => setTimeout(r, 40));
  out.order = order;
  console.log('ZW-RUNTIME ' + JSON.stringify(out));
}
void main();
