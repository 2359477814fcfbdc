// The posture checks (agent/posture/): each parser on its own, then the whole gathering from a
// gateway file tree — under Node and as bytecode in zw-host x86_64 and aarch64, same answers.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCredentials } from '../../agent/posture/credentials.ts';
import { debugInterfaces } from '../../agent/posture/debug.ts';
import { gatherPosture } from '../../agent/posture/gather.ts';
import { parseSockets } from '../../agent/posture/sockets.ts';
import { makeNodeLog, nodePlatform } from '../../hardware/node/platform.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { ARCHES, buildBytecode, ROOT, runBytecode } from '../../scripts/lib/host.ts';
import { parseSetting, provision } from '../../scripts/lib/provision.ts';
import { CLEAN_ALLOW as ALLOW, CLEAN_GATEWAY as CLEAN, writeTree } from '../../scripts/lib/gateway-tree.ts';
import { CARELESS, CARELESS_EXPECTED } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'zw-posture-'));
const flash = join(dir, 'gw.flash');
const roots = { careless: join(dir, 'careless'), clean: join(dir, 'clean') };
const FIRMWARE = [{ type: 'firmware' as const, component: 'slot-a', status: 'accepted' as const, version: '2.1.0+3' }];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  writeTree(roots.careless, CARELESS);
  writeTree(roots.clean, CLEAN);
  const trust = join(dir, 'trust.pem');
  writeFileSync(trust, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  provision({ id: 'gw-posture-01', flash, trustKeys: [trust], settings: [parseSetting(`listen-allow=${ALLOW}`)] });
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function onNode(root: string) {
  const p = nodePlatform(flash, { log: makeNodeLog(() => {}), postureRoot: root });
  try {
    const g = gatherPosture(p, FIRMWARE);
    return { ...g, sbom: g.sbom ? { sha256: Buffer.from(g.sbom.sha256).toString('hex'), format: g.sbom.format } : null };
  } finally {
    p.close();
  }
}

describe('posture parsers', () => {
  it('reads LISTEN TCP and unconnected UDP sockets, IPv4 and IPv6, and nothing else', () => {
    expect(parseSockets(CARELESS['proc/net/tcp']!, 'tcp').map((s) => `${s.addr}:${s.port}`)).toEqual(['0.0.0.0:22', '127.0.0.1:3306']);
    expect(parseSockets(CARELESS['proc/net/tcp6']!, 'tcp').map((s) => `${s.addr}:${s.port}`)).toEqual(['[::]:23', '[::1]:8080']);
    expect(parseSockets(CARELESS['proc/net/udp']!, 'udp').map((s) => `${s.addr}:${s.port}`)).toEqual(['0.0.0.0:68', '0.0.0.0:161']);
    expect(parseSockets('header\n   0: zz:0016 00000000:0000 0A\n garbage\n\n', 'tcp')).toEqual([]);
  });

  it('names accounts with default or empty passwords, never locked ones, and never says a hash', () => {
    const names = defaultCredentials(CARELESS['etc/passwd']!, CARELESS['etc/shadow']!, (d) => nodeCrypto.sha256(d));
    expect(names.sort()).toEqual([...CARELESS_EXPECTED.defaultCredentials].sort());
    expect(defaultCredentials(null, null, (d) => nodeCrypto.sha256(d))).toEqual([]);
    expect(defaultCredentials('legacy:$1$zwdemo$1rmSMYqfABx/2PlTcHyog/:0:0::/:/bin/sh\n', null, (d) => nodeCrypto.sha256(d))).toEqual(['legacy']);
  });

  it('finds each debug interface and honours comments and sshd\'s first value', () => {
    expect(debugInterfaces({ cmdline: CARELESS['proc/cmdline']!, inittab: CARELESS['etc/inittab']!, sshdConfig: CARELESS['etc/ssh/sshd_config']!, mounts: CARELESS['proc/self/mounts']! }))
      .toEqual(CARELESS_EXPECTED.debug);
    expect(debugInterfaces({ cmdline: CLEAN['proc/cmdline']!, inittab: CLEAN['etc/inittab']!, sshdConfig: 'PermitRootLogin no\nPermitRootLogin yes\n', mounts: CLEAN['proc/self/mounts']! })).toEqual([]);
    expect(debugInterfaces({ cmdline: 'kgdbwait', inittab: null, sshdConfig: null, mounts: null })).toEqual(['kgdb']);
  });
});

describe('gathering on Node', () => {
  it('a careless gateway: every finding, the firmware version and the CycloneDX SBOM digest', () => {
    const p = onNode(roots.careless);
    expect(p.listening).toEqual(CARELESS_EXPECTED.listening);
    expect([...p.defaultCredentials].sort()).toEqual([...CARELESS_EXPECTED.defaultCredentials].sort());
    expect(p.debug).toEqual(CARELESS_EXPECTED.debug);
    expect(p.firmwareVersion).toBe('2.1.0+3');
    expect(p.sbom).toEqual({ sha256: sha(CARELESS['etc/zorgwacht/sbom.cdx.json']!), format: 'cyclonedx' });
    expect(JSON.stringify(p)).not.toMatch(/\$6\$|\$1\$/);
  });

  it('a clean gateway: nothing to report but its SPDX SBOM', () => {
    const p = onNode(roots.clean);
    expect(p).toMatchObject({ listening: [], defaultCredentials: [], debug: [] });
    expect(p.sbom).toEqual({ sha256: sha(CLEAN['etc/zorgwacht/sbom.spdx.json']!), format: 'spdx' });
  });
});

const bytecode = join(dir, 'posture.qjsbc');
let built: Promise<void> | undefined;
for (const arch of ARCHES) {
  describe(`gathering in zw-host (${arch})`, () => {
    for (const name of ['careless', 'clean'] as const) {
      it(`gives the same posture as Node for the ${name} gateway`, async () => {
        await (built ??= buildBytecode(join(ROOT, 'test/posture/in-host.ts'), bytecode));
        const r = runBytecode(bytecode, { arch, flash, hostArgs: ['--root', roots[name]] });
        const line = r.stdout.split('\n').find((l) => l.startsWith('ZW-POSTURE '));
        expect(line, r.stderr).toBeDefined();
        expect(JSON.parse(line!.slice('ZW-POSTURE '.length))).toEqual(onNode(roots[name]));
      }, 60_000);
    }
  });
}
