// Library calls QuickJS 2021-03-27 lacks and esbuild does not lower (DESIGN.md §Runtime
// "Bundle"). Every bytecode bundle starts with this; zw-host adds console, timers,
// queueMicrotask and TextEncoder/TextDecoder natively.
/* eslint-disable no-extend-native */
function define(target: object, name: string, value: unknown): void {
  if (!(name in target)) Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

define(Object, 'hasOwn', (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k));

function at(this: { length: number; [i: number]: unknown }, i: number): unknown {
  const n = Math.trunc(i) || 0;
  const k = n < 0 ? this.length + n : n;
  return k < 0 || k >= this.length ? undefined : this[k];
}
function findLast(this: unknown[], f: (v: unknown, i: number, a: unknown[]) => boolean, t?: unknown): unknown {
  for (let i = this.length - 1; i >= 0; i--) if (f.call(t, this[i], i, this)) return this[i];
  return undefined;
}
function findLastIndex(this: unknown[], f: (v: unknown, i: number, a: unknown[]) => boolean, t?: unknown): number {
  for (let i = this.length - 1; i >= 0; i--) if (f.call(t, this[i], i, this)) return i;
  return -1;
}
const typed = Object.getPrototypeOf(Uint8Array.prototype) as object;
for (const proto of [Array.prototype, String.prototype, typed]) define(proto, 'at', at);
for (const proto of [Array.prototype, typed]) {
  define(proto, 'findLast', findLast);
  define(proto, 'findLastIndex', findLastIndex);
}
