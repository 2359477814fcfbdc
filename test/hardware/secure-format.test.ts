// The secure record format (hardware/secure-format.md) against hostile and damaged bytes: a
// snapshot is valid only when every check passes, and a bad length never sizes a read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { NodeCounter, SecureState } from '../../hardware/node/keys.ts';
import type { Partition } from '../../hardware/ports.ts';
import {
  BANK_SIZE, commitSnapshot, counterEntry, currentSnapshot, encodeSnapshot, ENTRY, layoutValue, MAX_BODY, readSnapshot, upsert,
} from '../../hardware/secure-format.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-secure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let flash: NodeFlash;
let part: Partition;

beforeEach(() => {
  const f = join(dir, `d${n++}.flash`);
  createBlankDevice(f);
  flash = new NodeFlash(f);
  part = flash.openSecure();
});

/** Rewrites bank `bank` with raw bytes (erase + program), bypassing the format. */
function writeRaw(bank: 0 | 1, bytes: Uint8Array): void {
  const padded = new Uint8Array(Math.ceil(bytes.length / 16) * 16).fill(0xff);
  padded.set(bytes);
  part.erase(bank * BANK_SIZE, Math.ceil(padded.length / 4096) * 4096);
  part.program(bank * BANK_SIZE, padded);
}

describe('secure snapshots', () => {
  it('round-trip: what is committed reads back, newest sequence wins, banks alternate', () => {
    let cur = commitSnapshot(part, nodeCrypto, null, [counterEntry('agent', 1)]);
    expect(cur).toMatchObject({ bank: 0, seq: 1 });
    cur = commitSnapshot(part, nodeCrypto, cur, upsert(cur.entries, counterEntry('agent', 2)));
    expect(cur).toMatchObject({ bank: 1, seq: 2 });
    cur = commitSnapshot(part, nodeCrypto, cur, upsert(cur.entries, counterEntry('trust', 9)));
    expect(cur).toMatchObject({ bank: 0, seq: 3 });
    const got = currentSnapshot(part, nodeCrypto)!;
    expect(got.seq).toBe(3);
    expect(got.entries.length).toBe(2);
    expect(readSnapshot(part, nodeCrypto, 1)!.seq).toBe(2);
  });

  it('a snapshot whose digest does not match is ignored and the other bank is used', () => {
    const a = commitSnapshot(part, nodeCrypto, null, [counterEntry('agent', 1)]);
    commitSnapshot(part, nodeCrypto, a, [counterEntry('agent', 2)]);
    const bad = encodeSnapshot(nodeCrypto, 3, [counterEntry('agent', 3)]);
    bad[40]! ^= 1;
    writeRaw(0, bad);
    expect(readSnapshot(part, nodeCrypto, 0)).toBeNull();
    expect(currentSnapshot(part, nodeCrypto)!.seq).toBe(2);
  });

  it('rejects a body length beyond the bound before reading it', () => {
    const s = encodeSnapshot(nodeCrypto, 1, []);
    new DataView(s.buffer).setUint32(12, MAX_BODY + 1, true);
    writeRaw(0, s);
    expect(readSnapshot(part, nodeCrypto, 0)).toBeNull();
    new DataView(s.buffer).setUint32(12, 0xffffffff, true);
    writeRaw(1, s);
    expect(readSnapshot(part, nodeCrypto, 1)).toBeNull();
  });

  it('rejects an entry that runs past the body even with a matching digest', () => {
    const s = encodeSnapshot(nodeCrypto, 1, [counterEntry('agent', 1)]);
    s[34] = 0xff; // entry length 0x..ff: past the end of the body
    s.set(nodeCrypto.sha256(s.subarray(0, 32 + 14)), 32 + 14);
    writeRaw(0, s);
    expect(readSnapshot(part, nodeCrypto, 0)).toBeNull();
  });

  it('rejects a wrong magic, version or non-zero reserved field', () => {
    for (const [at, v] of [[0, 0x5b], [8, 2], [10, 1], [24, 1], [31, 1]] as const) {
      const s = encodeSnapshot(nodeCrypto, 1, []);
      s[at] = v;
      s.set(nodeCrypto.sha256(s.subarray(0, 32)), 32);
      writeRaw(0, s);
      expect(readSnapshot(part, nodeCrypto, 0), `byte ${at}`).toBeNull();
    }
  });

  it('keeps entries of unknown types across commits', () => {
    const unknown = { type: 0x7777, value: new Uint8Array([1, 2, 3]) };
    const a = commitSnapshot(part, nodeCrypto, null, [unknown]);
    const state = new SecureState(part);
    expect(state.snapshot!.seq).toBe(a.seq);
    new NodeCounter(state).advance('agent', 4);
    expect(currentSnapshot(part, nodeCrypto)!.entries.find((e) => e.type === 0x7777)?.value).toEqual(unknown.value);
  });

  it('refuses a device provisioned with another partition table (secure.layout)', () => {
    const other = layoutValue();
    other[other.length - 1]! ^= 1;
    commitSnapshot(part, nodeCrypto, null, [{ type: ENTRY.LAYOUT, value: other }]);
    expect(() => new NodeCounter(new SecureState(part)).read('agent')).toThrow(/secure.layout/);
  });

  it('refuses a state larger than the bound (secure.full) and keeps the old one', () => {
    const a = commitSnapshot(part, nodeCrypto, null, [counterEntry('agent', 1)]);
    const big = Array.from({ length: 2 }, (_, i) => ({ type: 0x7000 + i, value: new Uint8Array(40000) }));
    expect(() => commitSnapshot(part, nodeCrypto, a, big)).toThrow(/secure.full/);
    expect(currentSnapshot(part, nodeCrypto)!.seq).toBe(1);
  });
});
