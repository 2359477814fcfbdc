// zw refvalues and zw attest verify on the command line: images signed with zw sign, the
// manufacturer key from zw keygen, and the exit codes of DESIGN.md §Contracts "CLI".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/host.ts';
import { referenceOf } from '../../verifier/refvalues-image.ts';
import { readFileSync } from 'node:fs';
import { IMAGE_KEY, POLICY_JSON } from './fixtures.ts';
import { buildToken, claims, component, makeDevice, posture } from './tokens.ts';

const zw = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), ...a], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'zw-attest-'));
const p = (n: string) => join(dir, n);
const dev = makeDevice('gw-cli-01');
const NONCE = 'ab'.repeat(16);

beforeAll(() => {
  writeFileSync(p('agent.bin'), new Uint8Array(2000).fill(1));
  writeFileSync(p('fw.bin'), new Uint8Array(3000).fill(2));
  expect(zw('sign', '--key', IMAGE_KEY, '--header-size', '32', '--pad-header', '-S', '0x20000', '--version', '1.2.0', '--security-counter', '3', p('agent.bin'), p('agent.img')).status).toBe(0);
  expect(zw('sign', '--key', IMAGE_KEY, '--header-size', '32', '--pad-header', '-S', '0x20000', '--version', '2.0.0', '--security-counter', '4', p('fw.bin'), p('fw.img')).status).toBe(0);
  expect(zw('keygen', '-t', 'ed25519', '-k', p('mfr.pem')).status).toBe(0);
  writeFileSync(p('enrolment.json'), dev.enrolmentJson);
  const policy = { ...POLICY_JSON('0'.repeat(64)), refvalueSigners: [{ pem: 'mfr.pem' }] };
  writeFileSync(p('policy.json'), JSON.stringify(policy));
  const comps = (['agent', 'fw'] as const).map((n) => {
    const r = referenceOf(n, new Uint8Array(readFileSync(p(`${n}.img`))), n === 'agent' ? 'agent' : 'firmware', null);
    return component({ ...r, slot: n === 'agent' ? 'agent' : 'slot-a', status: 'accepted' });
  });
  const nonce = new Uint8Array(Buffer.from(NONCE, 'hex'));
  writeFileSync(p('good.cwt'), buildToken(dev, claims(dev, { nonce, components: comps })));
  writeFileSync(p('debug.cwt'), buildToken(dev, claims(dev, { nonce, components: comps, posture: posture({ debug: ['kgdb'] }) })));
  writeFileSync(p('bad.cwt'), buildToken(dev, claims(dev, { nonce, components: comps }), { signWith: makeDevice('gw-cli-02').privateKey }));
});

const verify = (token: string, ...extra: string[]) =>
  zw('attest', 'verify', p(token), '--enrolment', p('enrolment.json'), '--refvalues', p('refs.cose'), '--policy', p('policy.json'), ...extra);

describe('zw refvalues and zw attest verify', () => {
  it('makes reference values from zw sign images and shows them (exit 0)', () => {
    const r = zw('refvalues', '--key', p('mfr.pem'), '-o', p('refs.cose'), '--min-security-counter', '2', '--agent', p('agent.img'), '--firmware', p('fw.img'), '--image-key', IMAGE_KEY);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const s = zw('refvalues', 'show', '--json', '--signer', p('mfr.pem'), p('refs.cose'));
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout).references.map((x: { version: string }) => x.version)).toEqual(['1.2.0+0', '2.0.0+0']);
    expect(zw('refvalues', 'show', '--signer', IMAGE_KEY, p('refs.cose')).status).toBe(1);
  });
  it('exit 0 affirming, 4 warning, 1 contraindicated; the EAR with --json', () => {
    const good = verify('good.cwt', '--nonce', NONCE, '--json');
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).submods['gw-cli-01']['ear.status']).toBe('affirming');
    const dbg = verify('debug.cwt', '--nonce', NONCE);
    expect(dbg.status).toBe(4);
    expect(dbg.stdout).toContain('posture.debug');
    expect(verify('good.cwt').status).toBe(4);
    expect(verify('good.cwt').stdout).toContain('nonce.unchecked');
    const bad = verify('bad.cwt', '--nonce', NONCE);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('token.signature');
    expect(verify('good.cwt', '--nonce', 'cd'.repeat(16)).stdout).toContain('nonce.unknown');
    expect(verify('good.cwt', '--nonce', NONCE, '--device', 'gw-cli-09').stdout).toContain('device.mismatch');
  });
  it('exit 2 usage (missing options, bad nonce, bad policy), 3 I/O', () => {
    expect(zw('attest', 'verify', p('good.cwt')).status).toBe(2);
    expect(verify('good.cwt', '--nonce', 'xyz').status).toBe(2);
    writeFileSync(p('bad-policy.json'), '{"version": 2}');
    expect(zw('attest', 'verify', p('good.cwt'), '--enrolment', p('enrolment.json'), '--refvalues', p('refs.cose'), '--policy', p('bad-policy.json')).status).toBe(2);
    expect(verify('missing.cwt').status).toBe(3);
    expect(zw('refvalues', '--key', p('mfr.pem'), '-o', p('x.cose'), '--agent', p('missing.img')).status).toBe(3);
  });
  it('refuses an image that is not signed as claimed (exit 1, refvalues.image)', () => {
    const r = zw('refvalues', '--key', p('mfr.pem'), '-o', p('y.cose'), '--agent', p('agent.img'), '--image-key', join(ROOT, '../shared/vectors/imgtool/keys/ed25519_b.pub.pem'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('image.key.unknown');
  });
});
