// The Device and Posture ports (hardware/ports.ts), one suite on Node and in zw-host x86_64 and
// aarch64; and `zw provision --set`, which writes the settings the agent reads at boot.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNodeLog, nodePlatform } from '../../hardware/node/platform.ts';
import { applySettings, parseSetting, provision, readDevice } from '../../scripts/lib/provision.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode } from '../../scripts/lib/host.ts';
import { runCase, type CaseResult } from '../contracts/harness.ts';
import { caseResults } from '../support/host-cases.ts';
import { deviceCases, FIXTURE, sbomContent } from './cases.ts';
import { reasonOf } from '../../hardware/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-device-'));
const root = join(dir, 'root');
const flash = join(dir, 'gw.flash');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(rel: string, data: string | Uint8Array): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

beforeAll(() => {
  for (const [rel, text] of Object.entries(FIXTURE.files)) put(rel, text);
  put('etc/zorgwacht/sbom.spdx.json', sbomContent());
  put('etc/shadow', new Uint8Array(FIXTURE.shadowBytes).fill(0x61));
  symlinkSync(join(root, 'etc/passwd'), join(root, FIXTURE.link));
  const trust = join(dir, 'trust.pem');
  writeFileSync(trust, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  const settings = Object.entries(FIXTURE.settings).map(([n, v]) => parseSetting(`${n}=${v}`));
  provision({ id: FIXTURE.id, flash, trustKeys: [trust], settings });
});

describe('Device and Posture ports on Node', () => {
  for (const c of deviceCases) {
    it(`${c.suite}: ${c.name}`, () => {
      const p = nodePlatform(flash, { log: makeNodeLog(() => {}), postureRoot: root });
      try {
        expect(runCase(c, p).error ?? 'ok').toBe('ok');
      } finally {
        p.close();
      }
    });
  }
});

const bytecode = join(dir, 'device.qjsbc');
let built: Promise<void> | undefined;

for (const arch of ARCHES) {
  describe(`Device and Posture ports in zw-host (${arch})`, () => {
    const results = new Map<string, CaseResult>();
    let transcript = '';
    beforeAll(async () => {
      await (built ??= buildBytecode(join(ROOT, 'test/device/in-host.ts'), bytecode));
      const r = runBytecode(bytecode, { arch, flash, hostArgs: ['--root', root] });
      transcript = `status ${r.status}\n${r.stderr.slice(-2000)}`;
      for (const c of caseResults(r.stdout)) results.set(`${c.suite}: ${c.name}`, c);
      expect(r.stdout, transcript).toContain('ZW-DONE');
    });
    for (const c of deviceCases) {
      it(`${c.suite}: ${c.name}`, () => {
        const r = results.get(`${c.suite}: ${c.name}`);
        expect(r, transcript).toBeDefined();
        expect(r!.error ?? 'ok').toBe('ok');
      });
    }
  });
}

describe('zw provision --set', () => {
  it('refuses settings the agent could not use, with setting.value', () => {
    const bad = ['broker=gw.example.org:8883', 'broker=10.0.2.2', 'broker=10.0.2.256:8883', 'broker=10.0.2.2:0',
      'broker=10.0.2.2:65536', 'broker=[::1]:8883:1', 'broker=[1:2:3:4:5:6:7:8:9]:1', 'listen-allow=tcp/22,sctp/5',
      'listen-allow=tcp/0', 'oemid=00-11-22', 'hwmodel=', `hwmodel=${'x'.repeat(33)}`, 'colour=blue', 'broker',
      `broker=${'1'.repeat(1100)}`];
    for (const s of bad) {
      let reason: string | undefined;
      try { parseSetting(s); } catch (e) { reason = reasonOf(e); }
      expect(reason, s).toBe('setting.value');
    }
  });

  it('accepts IPv4 and IPv6 brokers and changes an existing device in one commit', () => {
    expect(parseSetting('broker=[fd00::2]:8883')).toEqual(['broker', '[fd00::2]:8883']);
    expect(parseSetting('listen-allow=')).toEqual(['listen-allow', '']);
    const before = readDevice(flash);
    const after = applySettings(flash, [parseSetting('broker=10.0.2.2:18883'), parseSetting('oemid=0050c2')]);
    expect(after.snapshot!.seq).toBe(before.snapshot!.seq + 1);
    expect(after.settings).toEqual({ ...FIXTURE.settings, broker: '10.0.2.2:18883', oemid: '0050c2' });
    expect(after.id).toBe(FIXTURE.id);
    applySettings(flash, [parseSetting(`broker=${FIXTURE.settings.broker}`)]);
  });
});
