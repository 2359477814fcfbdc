// The release zw-host boots only a verified agent (DESIGN.md §Contracts "Loading the agent is
// enforced natively"): the embedded verifier judges one in-memory copy of the agent partition,
// the host loads those very bytes, and a refused image never reaches JS_ReadObject. On x86_64
// and aarch64 (qemu-user).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionSpec } from '../../hardware/layout.ts';
import { createBlankDevice } from '../../hardware/node/device-file.ts';
import { buildAgentImage } from '../../scripts/lib/agent-image.ts';
import { ARCHES, hostCommand, ROOT } from '../../scripts/lib/host.ts';
import { provision } from '../../scripts/lib/provision.ts';
import { signImage } from '../../scripts/lib/imgtool/sign.ts';
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { encodeTrustDocument } from '../../bootloader-verify/trust-update.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { applyTrustToDevice } from '../../hardware/node/trust.ts';

const V = join(ROOT, '../shared/vectors/imgtool');
const KEY_A = readFileSync(join(V, 'keys/ed25519_a.pem'));
const KEY_B = readFileSync(join(V, 'keys/ed25519_b.pem'));
const dir = mkdtempSync(join(tmpdir(), 'zw-boot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let good: Uint8Array;
let bytecode: Uint8Array;
const device = join(dir, 'base.flash');

/** A copy of the provisioned device with `image` in the agent partition (and `slotA` in slot-a). */
function withAgent(name: string, image: Uint8Array | null, slotA?: Uint8Array): string {
  const f = join(dir, `${name}.flash`);
  copyFileSync(device, f);
  const fd = openSync(f, 'r+');
  if (image) writeSync(fd, image, 0, image.length, partitionSpec('agent')!.offset);
  if (slotA) writeSync(fd, slotA, 0, slotA.length, partitionSpec('slot-a')!.offset);
  closeSync(fd);
  return f;
}

function boot(arch: (typeof ARCHES)[number], flash: string, extra: string[] = []) {
  const [cmd, args] = hostCommand(arch, 'zw-host', ['--flash', flash, ...extra]);
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
}

const KEY_B_ID = Buffer.from(nodeCrypto.sha256(new Uint8Array(readFileSync(join(V, 'keys/ed25519_b.pub.der'))))).toString('hex');
const revokeA = signImage(
  encodeTrustDocument({ version: 1, keys: [new Uint8Array(readFileSync(join(V, 'keys/ed25519_b.pub.der')))], revoked: [nodeCrypto.sha256(new Uint8Array(readFileSync(join(V, 'keys/ed25519_a.pub.der'))))] }),
  { key: KEY_A, headerSize: 32, padHeader: true, securityCounter: 1 },
);

/** Applies a trust update to a device file as `zw trust apply` does. */
function applyTrust(flash: string, image: Uint8Array): void {
  const f = new NodeFlash(flash);
  try {
    const r = applyTrustToDevice(new SecureState(f.openSecure()), bytesReader(image, nodeCrypto));
    if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  } finally {
    f.close();
  }
}

const measured = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('ZW-MEASURED ')).map((l) => JSON.parse(l.slice(12)));

beforeAll(async () => {
  provision({ id: 'gw-boot-test', flash: device, trustKeys: [join(V, 'keys/ed25519_a.pub.pem')], counters: { agent: 2, firmware: 1 } });
  const built = await buildAgentImage({ key: KEY_A, version: '0.3.1+7', securityCounter: 2, workDir: dir, entry: join(ROOT, 'test/hardware/host-programs/agent-probe.ts') });
  good = built.image;
  bytecode = built.bytecode;
});

for (const arch of ARCHES) {
  describe(`release zw-host boot (${arch})`, () => {
    it('verifies the agent image, loads it, and gives it a read-only measurement log', () => {
      const slotA = new Uint8Array(readFileSync(join(V, 'p03_ed25519_seccnt7.bin')));
      const r = boot(arch, withAgent(`good-${arch}`, good, slotA));
      expect(r.status, r.stderr).toBe(0);
      const log = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('ZW-AGENT-RAN '))!.slice(13));
      expect(log.map((m: { type: string; component: string; status: string }) => [m.type, m.component, m.status])).toEqual([
        ['agent', 'agent', 'accepted'], ['firmware', 'slot-a', 'accepted'], ['firmware', 'slot-b', 'rejected'],
      ]);
      expect(log[0]).toMatchObject({ version: '0.3.1+7', securityCounter: 2, hashAlg: 'sha256' });
      expect(log[1]).toMatchObject({ version: '1.2.3+4', securityCounter: 7 });
      expect(log[2]).toMatchObject({ reason: 'slot.empty' }); // slot-b is erased: no image at all
      const again = r.stdout.split('\n').find((l) => l.startsWith('ZW-AGENT-AGAIN '))!.slice(15);
      expect(JSON.parse(again)).toEqual(log);
      expect(measured(r.stderr)).toEqual(log);
    });

    const refused: [string, () => Uint8Array | null, string][] = [
      ['a flipped payload byte', () => { const t = good.slice(); t[40]! ^= 1; return t; }, 'image.hash'],
      ['a flipped signature byte', () => { const t = good.slice(); t[t.length - 5]! ^= 1; return t; }, 'image.sig.bad'],
      ['an untrusted signer', () => signImage(bytecode, { key: KEY_B, headerSize: 32, padHeader: true, version: '0.3.1', securityCounter: 2 }), 'image.key.unknown'],
      ['a security counter below the device', () => signImage(bytecode, { key: KEY_A, headerSize: 32, padHeader: true, version: '0.3.0', securityCounter: 1 }), 'image.rollback'],
      ['no signature', () => signImage(bytecode, { headerSize: 32, padHeader: true, version: '0.3.1', securityCounter: 2 }), 'image.sig.none'],
      ['an erased agent partition', () => null, 'image.magic'],
    ];
    for (const [what, make, reason] of refused) {
      it(`refuses ${what} (${reason}) and never runs it`, () => {
        const r = boot(arch, withAgent(`bad-${arch}-${reason}`, make()));
        expect(r.status).toBe(1);
        expect(r.stdout).not.toContain('ZW-AGENT-RAN');
        expect(r.stderr).toContain(`zw-host: ${reason}: agent image refused`);
        expect(measured(r.stderr)[0]).toMatchObject({ component: 'agent', status: 'rejected', reason });
      });
    }

    it('refuses to boot an unprovisioned device (secure.empty), even with a signed agent in place', () => {
      const f = join(dir, `blank-${arch}.flash`);
      createBlankDevice(f);
      const fd = openSync(f, 'r+');
      writeSync(fd, good, 0, good.length, partitionSpec('agent')!.offset);
      closeSync(fd);
      const r = boot(arch, f);
      expect(r.status).toBe(1);
      expect(r.stdout).not.toContain('ZW-AGENT-RAN');
      expect(r.stderr).toContain('zw-host: secure.empty: agent image refused');
    });

    it('binds to an applied trust update: a revoked signer is refused for the agent and the slots', () => {
      const f = withAgent(`revoked-${arch}`, good, new Uint8Array(readFileSync(join(V, 'p03_ed25519_seccnt7.bin'))));
      applyTrust(f, revokeA);
      const r = boot(arch, f);
      expect(r.status).toBe(1);
      expect(r.stdout).not.toContain('ZW-AGENT-RAN');
      expect(r.stderr).toContain('zw-host: image.key.revoked: agent image refused');
      expect(measured(r.stderr).map((m) => [m.type, m.component, m.reason])).toEqual([
        ['agent', 'agent', 'image.key.revoked'], ['firmware', 'slot-a', 'image.key.revoked'], ['firmware', 'slot-b', 'slot.empty'],
      ]);
    });

    it('boots an agent signed by a key the applied trust update added', () => {
      const f = withAgent(`rotated-${arch}`, signImage(bytecode, { key: KEY_B, headerSize: 32, padHeader: true, version: '0.3.2', securityCounter: 2 }));
      applyTrust(f, revokeA);
      const r = boot(arch, f);
      expect(r.status, r.stderr).toBe(0);
      expect(measured(r.stderr)[0]).toMatchObject({ type: 'agent', status: 'accepted', version: '0.3.2+0', signer: KEY_B_ID });
    });

    it('fails closed when the stored trust list does not match the trust counter (trust.version)', () => {
      const f = withAgent(`mismatch-${arch}`, good);
      applyTrust(f, revokeA);
      const p = nodePlatform(f);
      p.counters.advance('trust', 9);
      p.close();
      const r = boot(arch, f);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('zw-host: trust.version: agent image refused');
      expect(measured(r.stderr).map((m) => m.reason)).toEqual(['trust.version', 'slot.empty', 'slot.empty']);
    });

    it('a correctly signed payload that is not bytecode is refused by the host (host.load)', () => {
      const notBytecode = signImage(new TextEncoder().encode('console.log("ZW-AGENT-RAN")'), { key: KEY_A, headerSize: 32, padHeader: true, version: '0.3.1', securityCounter: 2 });
      const r = boot(arch, withAgent(`garbage-${arch}`, notBytecode));
      expect(r.status).toBe(1);
      expect(r.stdout).not.toContain('ZW-AGENT-RAN');
      expect(r.stderr).toContain('host.load');
    });
  });
}

describe('the release agent on a gateway (agent-main.ts)', () => {
  let agentImage: Uint8Array;
  beforeAll(async () => {
    agentImage = (await buildAgentImage({ key: KEY_A, version: '0.4.0+1', securityCounter: 2, workDir: join(dir, 'real') })).image;
  }, 120_000);
  const lines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const arch of ARCHES) {
    it(`opens the store at every boot and writes the boot into the audit trail (${arch})`, () => {
      const f = withAgent(`real-${arch}`, agentImage);
      const first = lines(boot(arch, f).stderr);
      expect(first.find((l) => l.code === 'agent.start')).toMatchObject({ version: '0.4.0+1', verified: true });
      expect(first.find((l) => l.code === 'store.opened')).toMatchObject({ blank: true, epoch: 1, lost: 0 });
      expect(first.find((l) => l.code === 'store.audit')).toMatchObject({ records: 1 });
      const r = boot(arch, f);
      expect(r.status, r.stderr).toBe(0);
      const second = lines(r.stderr);
      expect(second.find((l) => l.code === 'store.opened')).toMatchObject({ blank: false, epoch: 2, lost: 0, discarded: 0 });
      expect(second.find((l) => l.code === 'store.audit')).toMatchObject({ records: 2 });
    });
  }
});

describe('time of check is time of use', () => {
  it('the agent partition is read from the device exactly once (strace)', () => {
    const f = withAgent('strace', good);
    const agent = partitionSpec('agent')!;
    const r = spawnSync('strace', ['-f', '-e', 'trace=pread64,read,mmap', '-o', join(dir, 'trace.txt'), join(ROOT, 'build/native/x86_64/zw-host'), '--flash', f], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const preads = readFileSync(join(dir, 'trace.txt'), 'utf8').split('\n').filter((l) => l.includes('pread64('));
    const agentReads = preads.filter((l) => {
      const m = /pread64\(\d+, .*?, (\d+), (\d+)\)/.exec(l);
      return m && Number(m[2]) < agent.offset + agent.size && Number(m[2]) + Number(m[1]) > agent.offset;
    });
    expect(agentReads.length, agentReads.join('\n')).toBe(1);
  });
});
