// DESIGN.md §Layout: agent/ and bootloader-verify/ are pure — no node:*, no Buffer, no QuickJS
// std/os, no package outside the allow-list; they reach the world only through
// hardware/ports.ts. hardware/hw/ (the device-side adapter) may add only the native modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/host.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.ts$/.test(f) ? [p] : [];
  });
}

const ALLOWED_PACKAGES = /^@noble\/(hashes|curves|ciphers)\//;

function violations(dir: string, extraModules: string[]): string[] {
  const out: string[] = [];
  for (const f of files(join(ROOT, dir))) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2]!;
      const ok = spec.startsWith('.') ? !/\/(node|scripts|verifier|sim)\//.test(join(f, '..', spec)) : ALLOWED_PACKAGES.test(spec) || extraModules.includes(spec);
      if (!ok) out.push(`${relative(ROOT, f)}: imports ${spec}`);
    }
    if (/\bBuffer\b|\brequire\(|\bprocess\./.test(src)) out.push(`${relative(ROOT, f)}: uses Buffer, require or process`);
  }
  return out;
}

describe('pure code', () => {
  it('agent/ and bootloader-verify/ import only ports, each other and @noble/*', () => {
    expect([...violations('agent', []), ...violations('bootloader-verify', [])]).toEqual([]);
  });
  it('hardware/hw/ adds only the native modules hw, hwdev and boot', () => {
    expect(violations('hardware/hw', ['hw', 'hwdev', 'boot'])).toEqual([]);
  });
});
