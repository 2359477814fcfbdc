// On the target: tokens made by the real bytecode inside zw-host (x86_64, and aarch64 under
// qemu-user) over the hw ports, from a device provisioned by scripts/lib/provision.ts, verified
// here by the independent oracle against the attest public key read from the same flash with
// the Node ports — and byte-identical to the token the Node ports make (Ed25519 is
// deterministic). The refusal cases run on both sides too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeToken } from '../../agent/attest/token.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { makeNodeLog, nodePlatform } from '../../hardware/node/platform.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode, type Arch } from '../../scripts/lib/host.ts';
import { provision } from '../../scripts/lib/provision.ts';
import { runCase, type CaseResult } from '../contracts/harness.ts';
import { caseResults } from '../support/host-cases.ts';
import { hex, toHex } from '../support/bytes.ts';
import { attestCases, noKeyCases } from './cases.ts';
import { FIXED_IAT, FIXTURES } from './fixture.ts';
import { expectedClaims, expectProfileShape, readToken } from './oracle.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-attest-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TRUST = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem');
const bytecode = join(dir, 'attest.qjsbc');
let built: Promise<void> | undefined;

interface HostRun { tokens: Map<string, { hex?: string; reason?: string; detail?: string }>; cases: Map<string, CaseResult>; transcript: string }

async function run(arch: Arch, flash: string, mode: 'provisioned' | 'blank'): Promise<HostRun> {
  await (built ??= buildBytecode(join(ROOT, 'test/attest/in-host.ts'), bytecode));
  const r = runBytecode(bytecode, { arch, flash, args: [mode] });
  const transcript = `status ${r.status} signal ${r.signal}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`;
  expect(r.stdout, transcript).toContain('ZW-DONE');
  expect(r.status, transcript).toBe(0);
  const tokens = new Map(r.stdout.split('\n').filter((l) => l.startsWith('ZW-TOKEN ')).map((l) => {
    const t = JSON.parse(l.slice(9)) as { name: string; hex?: string; reason?: string };
    return [t.name, t] as const;
  }));
  return { tokens, cases: new Map(caseResults(r.stdout).map((c) => [c.name, c])), transcript };
}

describe('attest cases on the Node ports', () => {
  it('every case holds on a provisioned device, and attest.key on a blank one', () => {
    provision({ id: 'gw-ward-7b', flash: join(dir, 'node.flash'), trustKeys: [TRUST] });
    createBlankDevice(join(dir, 'node-blank.flash'));
    for (const [flash, cases] of [['node.flash', attestCases], ['node-blank.flash', noKeyCases]] as const) {
      const p = nodePlatform(join(dir, flash), { log: makeNodeLog(() => {}) });
      try {
        for (const c of cases) expect(runCase(c, p).error ?? 'ok', c.name).toBe('ok');
      } finally {
        p.close();
      }
    }
  });
});

for (const arch of ARCHES) {
  describe(`attestation token made in zw-host (${arch})`, () => {
    const flash = join(dir, `${arch}.flash`);
    let host: HostRun;
    let blank: HostRun;
    let pub: Uint8Array;
    const nodeTokens = new Map<string, string>();
    beforeAll(async () => {
      provision({ id: 'gw-ward-7b', flash, trustKeys: [TRUST] });
      createBlankDevice(join(dir, `${arch}-blank.flash`));
      host = await run(arch, flash, 'provisioned');
      blank = await run(arch, join(dir, `${arch}-blank.flash`), 'blank');
      const p = nodePlatform(flash, { log: makeNodeLog(() => {}) });
      try {
        pub = p.keys.publicKey('attest');
        for (const [name, input] of Object.entries(FIXTURES)) {
          const r = makeToken(p, input);
          if (r.ok) nodeTokens.set(name, toHex(r.token));
        }
      } finally {
        p.close();
      }
    }, 600_000);

    for (const name of Object.keys(FIXTURES)) {
      it(`${name}: verifies under Node with the attest key from the flash, with the expected claims`, () => {
        const t = host.tokens.get(name);
        expect(t?.hex, `${JSON.stringify(t)}\n${host.transcript}`).toBeDefined();
        const read = readToken(hex(t!.hex!), pub);
        expectProfileShape(read.claims);
        expect(read.claims).toEqual(expectedClaims(FIXTURES[name]!, pub, FIXED_IAT));
      });
      it(`${name}: the same bytes as the Node ports make on the same device`, () => {
        expect(host.tokens.get(name)?.hex).toBe(nodeTokens.get(name));
      });
    }
    for (const c of attestCases) {
      it(`in zw-host: ${c.name}`, () => {
        expect(host.cases.get(c.name)?.error ?? (host.cases.has(c.name) ? 'ok' : `not reported\n${host.transcript}`)).toBe('ok');
      });
    }
    it('in zw-host: refuses without an attest key (blank device)', () => {
      for (const c of noKeyCases) expect(blank.cases.get(c.name)?.error ?? (blank.cases.has(c.name) ? 'ok' : `not reported\n${blank.transcript}`)).toBe('ok');
    });
  });
}
