// The `secure` partition record format, version 1 — hardware/secure-format.md is the spec and
// hardware/native/secure.c the other implementation. Pure: bytes in, bytes out, over the
// Partition and Crypto ports.
import { ZwError } from './errors.ts';
import { PARTITIONS } from './layout.ts';
import type { Crypto, Partition } from './ports.ts';

export const BANK_SIZE = 512 * 1024;
export const MAX_BODY = 65536;
const HEADER = 32;
const DIGEST = 32;
const MAGIC = [0x5a, 0x57, 0x53, 0x45, 0x43, 0x55, 0x52, 0x45]; // "ZWSECURE"

export const ENTRY = { DEVICE_ID: 0x0001, LAYOUT: 0x0002, KEY: 0x0010, COUNTER: 0x0020, TRUST_KEY: 0x0030, TRUST_DOC: 0x0031, CERT: 0x0040, SETTING: 0x0050 } as const;
export const ALG_CODE = { ed25519: 1, p256: 2, x25519: 3, secret32: 4 } as const;

export interface Entry { readonly type: number; readonly value: Uint8Array }
export interface Snapshot { readonly bank: 0 | 1; readonly seq: number; readonly entries: Entry[] }

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
}

/** Encodes a snapshot with its digest, padded with 0xFF to the 16-byte program unit. */
export function encodeSnapshot(crypto: Crypto, seq: number, entries: readonly Entry[]): Uint8Array {
  const body = entries.reduce((n, e) => n + 4 + e.value.length, 0);
  if (body > MAX_BODY) throw new ZwError('secure.full', `secure state of ${body} bytes exceeds ${MAX_BODY}`);
  const used = HEADER + body + DIGEST;
  const out = new Uint8Array(Math.ceil(used / 16) * 16).fill(0xff);
  out.set(MAGIC, 0);
  out[8] = 1; out[9] = 0; out[10] = 0; out[11] = 0;
  putU32(out, 12, body);
  putU32(out, 16, seq % 0x100000000);
  putU32(out, 20, Math.floor(seq / 0x100000000));
  out.fill(0, 24, 32);
  let at = HEADER;
  for (const e of entries) {
    if (e.value.length > 0xffff) throw new ZwError('secure.full', 'entry longer than 65535 bytes');
    out[at] = e.type & 0xff; out[at + 1] = e.type >>> 8;
    out[at + 2] = e.value.length & 0xff; out[at + 3] = e.value.length >>> 8;
    out.set(e.value, at + 4);
    at += 4 + e.value.length;
  }
  out.set(crypto.sha256(out.subarray(0, HEADER + body)), HEADER + body);
  return out;
}

/** Reads of a bank that fails its checks before it counts as invalid: a bit flipped on the way
 *  must not make the newer snapshot look invalid (hardware/native/secure.c does the same). */
export const SNAPSHOT_READS = 8;

/** Reads and checks the snapshot at the start of a bank, again while it fails; null when it is
 *  not valid. */
export function readSnapshot(part: Partition, crypto: Crypto, bank: 0 | 1): Snapshot | null {
  for (let attempt = 0; attempt < SNAPSHOT_READS; attempt++) {
    const s = readSnapshotOnce(part, crypto, bank);
    if (s) return s;
  }
  return null;
}

function readSnapshotOnce(part: Partition, crypto: Crypto, bank: 0 | 1): Snapshot | null {
  const base = bank * BANK_SIZE;
  const h = part.read(base, HEADER);
  for (let i = 0; i < 8; i++) if (h[i] !== MAGIC[i]) return null;
  if (u16(h, 8) !== 1 || u16(h, 10) !== 0 || u32(h, 24) !== 0 || u32(h, 28) !== 0) return null;
  const body = u32(h, 12);
  if (body > MAX_BODY) return null; // bounded before it sizes any read
  const rest = part.read(base + HEADER, body + DIGEST);
  const all = new Uint8Array(HEADER + body);
  all.set(h, 0);
  all.set(rest.subarray(0, body), HEADER);
  const want = crypto.sha256(all);
  for (let i = 0; i < DIGEST; i++) if (rest[body + i] !== want[i]) return null;
  const entries: Entry[] = [];
  for (let at = 0; at < body; ) {
    if (at + 4 > body) return null;
    const type = u16(rest, at), len = u16(rest, at + 2);
    if (at + 4 + len > body) return null;
    entries.push({ type, value: rest.slice(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  const seq = u32(h, 16) + u32(h, 20) * 0x100000000;
  return { bank, seq, entries };
}

/** The current snapshot: the valid one with the highest sequence number. */
export function currentSnapshot(part: Partition, crypto: Crypto): Snapshot | null {
  const a = readSnapshot(part, crypto, 0);
  const b = readSnapshot(part, crypto, 1);
  if (a && b) return a.seq >= b.seq ? a : b;
  return a ?? b;
}

/** Commits `entries` as the next snapshot into the bank not holding `cur`: one erase, one
 *  program, one sync (hardware/secure-format.md "Writing"). */
export function commitSnapshot(part: Partition, crypto: Crypto, cur: Snapshot | null, entries: readonly Entry[]): Snapshot {
  const seq = cur ? cur.seq + 1 : 1;
  const bank: 0 | 1 = cur ? (cur.bank === 0 ? 1 : 0) : 0;
  const bytes = encodeSnapshot(crypto, seq, entries);
  part.erase(bank * BANK_SIZE, Math.ceil(bytes.length / 4096) * 4096);
  part.program(bank * BANK_SIZE, bytes);
  part.sync();
  return { bank, seq, entries: entries.slice() };
}

/** Entries named by (type, name): KEY, COUNTER, CERT and SETTING values start with a
 *  length-prefixed name. */
export function entryName(e: Entry): string | null {
  if (e.type !== ENTRY.KEY && e.type !== ENTRY.COUNTER && e.type !== ENTRY.CERT && e.type !== ENTRY.SETTING) return null;
  const n = e.value[0] ?? 0;
  return String.fromCharCode(...e.value.subarray(1, 1 + n));
}

/** Replaces the entry with the same identity in place, or appends it (the spec's update rule). */
export function upsert(entries: readonly Entry[], e: Entry): Entry[] {
  const single = e.type === ENTRY.DEVICE_ID || e.type === ENTRY.LAYOUT || e.type === ENTRY.TRUST_DOC;
  const name = entryName(e);
  const i = entries.findIndex((x) => x.type === e.type && (single || (name !== null && entryName(x) === name)));
  if (i < 0 || e.type === ENTRY.TRUST_KEY) return [...entries, e];
  const out = entries.slice();
  out[i] = e;
  return out;
}

export function nameBytes(name: string): Uint8Array {
  const b = new Uint8Array(1 + name.length);
  b[0] = name.length;
  for (let i = 0; i < name.length; i++) b[1 + i] = name.charCodeAt(i);
  return b;
}

/** An entry holding a name and UTF-8 text (CERT, SETTING). */
function namedText(type: number, name: string, text: string): Entry {
  const n = nameBytes(name);
  const body = new TextEncoder().encode(text);
  const v = new Uint8Array(n.length + body.length);
  v.set(n, 0);
  v.set(body, n.length);
  return { type, value: v };
}

/** The text after the name of a CERT or SETTING entry. */
export function entryText(e: Entry): string {
  return new TextDecoder().decode(e.value.subarray(1 + e.value[0]!));
}

/** A CERT entry: `device` (the TLS client certificate chain) or `ca` (the hospital CA), PEM. */
export function certEntry(name: 'device' | 'ca', pem: string): Entry {
  return namedText(ENTRY.CERT, name, pem);
}

export const certPem = entryText;

/** The device settings `zw provision` writes (secure-format.md SETTING). */
export const SETTING_NAMES = ['broker', 'listen-allow', 'oemid', 'hwmodel'] as const;
export type SettingName = (typeof SETTING_NAMES)[number];
export const MAX_SETTING = 1024;

export function settingEntry(name: SettingName, value: string): Entry {
  return namedText(ENTRY.SETTING, name, value);
}

export function counterEntry(name: string, value: number): Entry {
  const n = nameBytes(name);
  const v = new Uint8Array(n.length + 4);
  v.set(n, 0);
  putU32(v, n.length, value);
  return { type: ENTRY.COUNTER, value: v };
}

export function counterValue(e: Entry): number {
  return u32(e.value, 1 + e.value[0]!);
}

export interface KeyRecord { alg: keyof typeof ALG_CODE; priv: Uint8Array; pub: Uint8Array }

export function keyEntry(name: string, k: KeyRecord): Entry {
  const n = nameBytes(name);
  const v = new Uint8Array(n.length + 3 + k.priv.length + k.pub.length);
  v.set(n, 0);
  let at = n.length;
  v[at++] = ALG_CODE[k.alg];
  v[at++] = k.priv.length;
  v.set(k.priv, at); at += k.priv.length;
  v[at++] = k.pub.length;
  v.set(k.pub, at);
  return { type: ENTRY.KEY, value: v };
}

export function parseKey(e: Entry): KeyRecord | null {
  const v = e.value;
  let at = 1 + (v[0] ?? 0);
  const code = v[at++];
  const alg = (Object.keys(ALG_CODE) as (keyof typeof ALG_CODE)[]).find((k) => ALG_CODE[k] === code);
  const pl = v[at++];
  if (!alg || pl === undefined || at + pl >= v.length) return null;
  const priv = v.slice(at, at + pl); at += pl;
  const ql = v[at++]!;
  if (at + ql !== v.length) return null;
  return { alg, priv, pub: v.slice(at, at + ql) };
}

/** The LAYOUT entry value for the compiled partition table. */
export function layoutValue(): Uint8Array {
  const parts: number[] = [];
  for (const p of PARTITIONS) {
    parts.push(p.name.length, ...Array.from(p.name, (c) => c.charCodeAt(0)));
    const w = new Uint8Array(8);
    putU32(w, 0, p.offset);
    putU32(w, 4, p.size);
    parts.push(...w);
  }
  return Uint8Array.from(parts);
}
