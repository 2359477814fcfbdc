// Regression: a bit flipped while reading `secure` never makes the store-epoch counter look
// older (a false store.rollback) or the storage root look absent (a new root over an existing
// store: every record unreadable for good). Both banks are read again when they fail their
// checks (hardware/secure-format.md "Reading"), in Node and in zw-host alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../agent/store/store.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-secure-flip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading secure under bit flips', () => {
  it('opens with the right counter and the same storage root for 500 flip seeds (one read in 20 flipped)', () => {
    const f = join(dir, 'dev.flash');
    createBlankDevice(f);
    const p = nodePlatform(f);
    const o = openStore(p);
    if (!o.ok) throw new Error(o.detail);
    o.store.put('k', new TextEncoder().encode('v'));
    expect(o.store.commit().ok).toBe(true);
    const counter = p.counters.read('store-epoch');
    p.close();
    for (let seed = 1; seed <= 500; seed++) {
      const q = nodePlatform(f, { plan: { cutAt: 0, torn: false, seed, flipReads: 0.05 } });
      try {
        expect(q.counters.read('store-epoch'), `seed ${seed}`).toBe(counter);
        expect(q.keys.has('storage'), `seed ${seed}`).toBe(true);
      } finally {
        q.flash.close();
      }
    }
  });
});
