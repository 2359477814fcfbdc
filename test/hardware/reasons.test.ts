// Every reason code the native host can emit is in the registry (hardware/reasons.ts), and
// the registry itself is well formed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASONS } from '../../hardware/reasons.ts';
import { ROOT } from '../../scripts/lib/host.ts';

const FAMILIES = [...new Set(Object.keys(REASONS).map((c) => c.split('.')[0]))];

describe('reason registry', () => {
  it('codes are dotted lower-case with a one-line meaning', () => {
    for (const [code, meaning] of Object.entries(REASONS)) {
      expect(code).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
      expect(meaning.length).toBeGreaterThan(10);
      expect(meaning).not.toContain('\n');
    }
  });

  it('the native host uses only registered codes', () => {
    const dir = join(ROOT, 'hardware/native');
    const used = new Set<string>();
    for (const f of readdirSync(dir).filter((x) => /\.[ch]$/.test(x))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/"([a-z]+\.[a-z0-9.-]+)"/g)) {
        if (FAMILIES.includes(m[1]!.split('.')[0]!)) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((c) => !(c in REASONS))).toEqual([]);
  });
});
