// Bytecode benchmark programs: one module, the measurement picked by the first argument.
// Prints `ZW-BENCH <json>`; timing inside the host with the monotonic clock.
import * as hwdev from 'hwdev';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { hex, toHex } from '../../test/support/bytes.ts';
import { partitionReader } from '../../bootloader-verify/reader.ts';
import { trustedKey } from '../../bootloader-verify/trust.ts';
import { verifyImage, type Verdict } from '../../bootloader-verify/verify.ts';

const { crypto, flash, clock } = hwPorts;
const [what, arg, reps] = hwdev.args();
const report = (o: object) => console.log('ZW-BENCH ' + JSON.stringify(o));

// RFC 8032 §7.1 TEST 3.
const PUB = hex('fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025');
const MSG = hex('af82');
const SIG = hex('6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a');

function time(n: number, f: () => void): number {
  const t0 = clock.monotonicMs();
  for (let i = 0; i < n; i++) f();
  return (clock.monotonicMs() - t0) / n;
}

if (what === 'hw-sha256') {
  const size = Number(arg);
  const slot = flash.open('slot-a');
  let digest: Uint8Array = new Uint8Array(0);
  const ms = Math.min(...Array.from({ length: Number(reps ?? 3) }, () => time(1, () => (digest = slot.sha256(0, size)))));
  report({ what, bytes: size, ms, digest: toHex(digest) });
} else if (what === 'noble-sha256') {
  const data = new Uint8Array(Number(arg)).map((_, i) => i & 0xff);
  let digest: Uint8Array = new Uint8Array(0);
  const ms = time(1, () => (digest = nobleSha256(data)));
  report({ what, bytes: data.length, ms, same: toHex(digest) === toHex(crypto.sha256(data)) });
} else if (what === 'hw-ed25519') {
  const n = Number(arg);
  if (!crypto.ed25519Verify(PUB, MSG, SIG)) throw new Error('hw verify failed');
  report({ what, n, msPerVerify: time(n, () => crypto.ed25519Verify(PUB, MSG, SIG)) });
} else if (what === 'noble-ed25519') {
  const n = Number(arg);
  if (!ed25519.verify(SIG, MSG, PUB, { zip215: false })) throw new Error('noble verify failed');
  report({ what, n, msPerVerify: time(n, () => ed25519.verify(SIG, MSG, PUB, { zip215: false })) });
} else if (what === 'verify-slot') {
  const keys = [trustedKey(hex(arg!), crypto)!];
  let v: Verdict | undefined;
  const ms = Math.min(...Array.from({ length: Number(reps ?? 3) }, () => time(1, () => (v = verifyImage(partitionReader(flash.open('slot-a'), crypto), crypto, { trust: { keys, revoked: [] }, minSecurityCounter: 0 })))));
  report({ what, ms, verdict: v!.ok ? 'accept' : v!.reason });
} else {
  throw new Error(`unknown benchmark ${String(what)}`);
}
