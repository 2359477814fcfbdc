// The agent's attester (agent/attester.ts) on the Node ports: a challenge nonce outside 8..64
// bytes gets no answer (logged attest.nonce, nothing signed); a good one gets a token carrying
// it; unsolicited tokens carry the last answered nonce, or none before any challenge; the boot
// count grows with every boot and survives in the store.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attester, nextBootSeq } from '../../agent/attester.ts';
import { openStore } from '../../agent/store/store.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { provision } from '../../scripts/lib/provision.ts';
import { readToken } from './oracle.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-attester-'));
const flash = join(dir, 'gw.flash');
const lines: string[] = [];
let p: NodePlatform;
const AGENT = { type: 'agent' as const, component: 'agent', status: 'accepted' as const, version: '1.0.0+0', digest: 'ab'.repeat(32), signer: 'cd'.repeat(32) };

beforeAll(() => {
  const trust = join(dir, 'trust.pem');
  writeFileSync(trust, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  provision({ id: 'gw-attester-01', flash, trustKeys: [trust] });
  p = nodePlatform(flash, { log: makeNodeLog((l) => lines.push(l)), postureRoot: join(dir, 'no-root') });
});
afterAll(() => {
  p.close();
  rmSync(dir, { recursive: true, force: true });
});

const claimsOf = (t: Uint8Array) => readToken(t, p.keys.publicKey('attest')).claims;

describe('the attester', () => {
  it('answers only nonces of 8..64 bytes, and says why it did not', () => {
    const a = new Attester(p, [AGENT], 1);
    for (const n of [0, 7, 65, 300]) {
      expect(a.answer({ payload: new Uint8Array(n), correlationData: null }), `${n} bytes`).toBeNull();
    }
    expect(lines.filter((l) => l.includes('"attest.nonce"'))).toHaveLength(4);
    for (const n of [8, 64]) {
      const answer = a.answer({ payload: new Uint8Array(n).fill(n), correlationData: null });
      expect(answer?.contentType).toBe('application/eat+cwt');
      expect(claimsOf(answer!.payload).get(10)).toEqual(new Uint8Array(n).fill(n));
    }
  });

  it('unsolicited tokens carry no nonce before a challenge, then the last one answered', () => {
    const a = new Attester(p, [AGENT], 1);
    const before = claimsOf(a.unsolicited('boot')!);
    expect(before.has(10)).toBe(false);
    expect(before.get(-70003)).toBe(2);
    a.answer({ payload: new Uint8Array(16).fill(7), correlationData: null });
    const after = claimsOf(a.unsolicited('posture-change')!);
    expect(after.get(10)).toEqual(new Uint8Array(16).fill(7));
    expect([after.get(-70002), after.get(-70003)]).toEqual([2, 1]);
  });

  it('counts boots in the store', () => {
    const counts: number[] = [];
    for (let boot = 0; boot < 3; boot++) {
      const o = openStore(p);
      if (!o.ok) throw new Error(o.reason);
      counts.push(nextBootSeq(o.store));
      expect(o.store.commit().ok).toBe(true);
    }
    expect(counts).toEqual([1, 2, 3]);
  });
});
