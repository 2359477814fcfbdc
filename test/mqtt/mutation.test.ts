// Random damage to valid packets — bit flips, byte writes, truncations, length edits, inserted,
// deleted and spliced runs — fed to the streaming decoder in chunks of random sizes: every
// outcome is a valid packet (which re-encodes to itself) or a typed reject with an MQTT 5
// reason code. Nothing is ever thrown. ZW_MQTT_MUTATIONS sets the count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decoder } from '../../agent/mqtt/decoder.ts';
import { encodePacket } from '../../agent/mqtt/encode.ts';
import type { Packet } from '../../agent/mqtt/packets.ts';
import { mulberry32 } from '../../hardware/node/fault.ts';
import { anyPacket } from './arbitraries.ts';
import { canon, hitsEmptyUserPropertyQuirk, theirGenerate } from './oracle.ts';

const RUNS = Number(process.env.ZW_MQTT_MUTATIONS ?? 100_000);
const CODES = new Set([0x81, 0x82, 0x94, 0x95]);
const REASONS = new Set(['mqtt.malformed', 'mqtt.protocol', 'mqtt.too-large', 'mqtt.unsupported', 'mqtt.topic-alias']);

const packets: Packet[] = fc.sample(anyPacket, { seed: 20260417, numRuns: 600 });
const corpus: Uint8Array[] = [
  ...packets.map(encodePacket),
  // mqtt-packet's encodings too: its choices of short forms differ from ours.
  ...packets.filter((p) => !hitsEmptyUserPropertyQuirk(p) && (p.type !== 'connect' || ((p.password === null || p.username !== null) && (p.clientId !== '' || p.cleanStart))))
    .slice(0, 200).map((p) => theirGenerate(p)),
];

type Rnd = () => number;
const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[r() % xs.length]!;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** One random edit of `b`; the name says which kind. */
function mutate(r: Rnd, b: Uint8Array): [string, Uint8Array] {
  const at = b.length ? r() % b.length : 0;
  switch (r() % 8) {
    case 0: { const c = b.slice(); if (c.length) c[at]! ^= 1 << (r() % 8); return ['bit flip', c]; }
    case 1: { const c = b.slice(); if (c.length) c[at] = r() & 0xff; return ['byte write', c]; }
    case 2: return ['truncation', b.slice(0, at)];
    case 3: {
      // A length edit: the Remaining Length, or a two-byte length or identifier field anywhere.
      const c = b.slice();
      if (c.length > 2 && r() % 2 === 0) c[1] = r() % 3 === 0 ? r() & 0xff : Math.max(0, c[1]! + (r() % 9) - 4);
      else if (c.length > at + 1) { const v = r() % 3 === 0 ? r() & 0xffff : r() % 64; c[at] = v >> 8; c[at + 1] = v & 0xff; }
      return ['length edit', c];
    }
    case 4: { const ins = new Uint8Array(1 + (r() % 8)).map(() => r() & 0xff); return ['insertion', concat([b.subarray(0, at), ins, b.subarray(at)])]; }
    case 5: return ['deletion', concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + (r() % 8)))])];
    case 6: {
      const o = pick(r, corpus);
      const from = o.length ? r() % o.length : 0;
      return ['splice', concat([b.subarray(0, at), o.subarray(from, from + 1 + (r() % 16)), b.subarray(at)])];
    }
    default: return ['property block', (() => { const c = b.slice(); for (let i = 0; i < 3 && c.length; i++) c[r() % c.length] = pick(r, [0x00, 0x01, 0x0b, 0x23, 0x26, 0x7f, 0x80, 0xff]); return c; })()];
  }
}

describe('MQTT decoder under random mutation', () => {
  it(`${RUNS} mutated streams: only valid packets or typed rejects, never a throw`, () => {
    const r = mulberry32(0x6d717474);
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    const t0 = performance.now();
    for (let run = 0; run < RUNS; run++) {
      let bytes = concat(Array.from({ length: 1 + (r() % 3) }, () => pick(r, corpus)));
      const kinds: string[] = [];
      for (let k = 1 + (r() % 3); k > 0; k--) {
        const [kind, next] = mutate(r, bytes);
        kinds.push(kind);
        bytes = next;
      }
      const d = new Decoder(r() % 4 === 0 ? 16 + (r() % 512) : 1024 * 1024);
      try {
        for (let at = 0; at < bytes.length;) {
          const n = r() % 5 === 0 ? bytes.length : 1 + (r() % 32);
          for (const x of d.push(bytes.subarray(at, at + n))) {
            if (x.ok) {
              // Whatever is accepted is a packet we could have sent: it re-encodes to itself.
              const again = new Decoder(1024 * 1024).push(encodePacket(x.packet));
              expect(again.length === 1 && again[0]!.ok && canon(again[0]!.packet)).toEqual(canon(x.packet));
              count(`packet ${x.packet.type}`);
            } else {
              expect(CODES.has(x.code) && REASONS.has(x.reason), JSON.stringify(x)).toBe(true);
              count(`reject 0x${x.code.toString(16)} ${x.reason}`);
            }
          }
          at += n;
        }
      } catch (e) {
        throw new Error(`run ${run} (${kinds.join(', ')}): ${Buffer.from(bytes).toString('hex')}: ${String(e)}`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`mqtt mutations: ${RUNS} streams in ${seconds.toFixed(1)} s`, Object.fromEntries([...outcomes].sort()));
    for (const code of ['0x81', '0x82', '0x95']) expect([...outcomes.keys()].some((k) => k.startsWith(`reject ${code}`)), code).toBe(true);
  });
});
