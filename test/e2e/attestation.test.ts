// Attestation end to end, against the real Mosquitto (scripts/lib/attest-lab.ts): the signed
// agent in the release zw-host (x86_64; aarch64 under qemu-user) is challenged by the verifier
// process's core over MQTT, answers with an EAT, and the verifier appraises it against the
// manufacturer's reference values and the hospital's policy. Firmware signed by a key the
// gateway trusts but the hospital never approved turns the result contraindicated; a tampered
// agent never connects and the verifier reports the gateway overdue. Also `zw refvalues` and
// `zw attest verify` on a token the gateway really sent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION, AttestationLab, firmware, FIRMWARE_VERSION, writeAt, type Result } from '../../scripts/lib/attest-lab.ts';
import { ARCHES, ROOT, startHost, stopProcess } from '../../scripts/lib/host.ts';
import { CLEAN_GATEWAY, writeTree } from '../../scripts/lib/gateway-tree.ts';

const work = mkdtempSync(join(tmpdir(), 'zw-e2e-'));
const root = join(work, 'root');
let lab: AttestationLab;

beforeAll(async () => {
  writeTree(root, CLEAN_GATEWAY);
  lab = await AttestationLab.start(work, { overdueMs: 4000 });
}, 180_000);

afterAll(async () => {
  await lab?.close();
  rmSync(work, { recursive: true, force: true });
});

const boot = (arch: (typeof ARCHES)[number], flash: string) => startHost(arch, 'zw-host', ['--flash', flash, '--root', root]);

/** Boots the gateway until the verifier has appraised an answer to its challenge. */
async function attested(arch: (typeof ARCHES)[number], id: string, flash: string): Promise<Result> {
  const from = lab.events.length;
  const g = boot(arch, flash);
  try {
    const r = await lab.answer(id, 90_000, from);
    if (!r) throw new Error(`no answer from ${id}; events ${JSON.stringify(lab.events.slice(from).map((e) => e.type))}\n${g.output()}`);
    return r;
  } finally {
    await stopProcess(g.proc);
  }
}

for (const arch of ARCHES) {
  describe(`attestation end to end (${arch})`, () => {
    const id = `gw-attest-${arch === 'x86_64' ? 'x86' : 'arm'}`;
    let flash: string;
    beforeAll(async () => { flash = await lab.gateway(id); }, 60_000);

    it('the gateway answers the challenge with a token the verifier appraises as affirming, fresh', async () => {
      const r = await attested(arch, id, flash);
      expect(r.appraisal.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(r.appraisal).toMatchObject({ status: 'affirming', verified: true, fresh: true });
      expect(r.appraisal.claims?.components.map((c) => [c.type, c.slot, c.status, c.version])).toEqual([
        ['agent', 'agent', 'accepted', AGENT_VERSION], ['firmware', 'slot-a', 'accepted', FIRMWARE_VERSION], ['firmware', 'slot-b', 'slot.empty', undefined],
      ]);
      const boot = lab.events.find((e): e is Result => e.type === 'result' && !e.answered && e.appraisal.deviceId === id);
      expect(boot?.appraisal).toMatchObject({ verified: true, fresh: false });
    }, 120_000);

    if (arch === 'x86_64') {
      it('firmware signed by a key the hospital never approved: contraindicated, and the finding says why', async () => {
        writeAt(flash, 'slot-a', firmware(lab.other.priv));
        const r = await attested(arch, id, flash);
        expect(r.appraisal.status).toBe('contraindicated');
        expect(r.appraisal.findings.map((f) => f.id)).toContain('sw.signer.unapproved');
        writeAt(flash, 'slot-a', firmware(lab.approved.priv));
      }, 120_000);

      it('zw attest verify agrees on a token the gateway sent; checked against another nonce it is nonce.unknown', () => {
        const r = lab.events.find((e): e is Result => e.type === 'result' && e.answered && e.appraisal.deviceId === id && e.appraisal.status === 'affirming');
        expect(r?.token).toBeDefined();
        writeFileSync(join(work, 'token.cbor'), r!.token);
        const zw = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'attest', 'verify', join(work, 'token.cbor'),
          '--enrolment', join(lab.h.dir, `${id}.enrolment.json`), '--refvalues', join(work, 'refs.cose'), '--policy', join(work, 'policy.json'), ...a], { encoding: 'utf8' });
        const nonce = Buffer.from(r!.appraisal.claims!.nonce!).toString('hex');
        expect(zw('--nonce', nonce).status).toBe(0);
        const other = zw('--nonce', 'ab'.repeat(32));
        expect(other.status).toBe(1);
        expect(other.stdout).toContain('nonce.unknown');
      });

      it('a tampered agent never connects: the verifier reports the gateway overdue', async () => {
        writeAt(flash, 'agent', Uint8Array.of(lab.agentImage[4096]! ^ 0x01), 4096);
        const tampered = lab.events.length;
        const g = boot(arch, flash);
        const code = await new Promise<number | null>((ok) => g.proc.once('exit', (c) => ok(c)));
        expect(code).toBe(1);
        expect(g.output()).toContain('agent image refused');
        // Overdue once no verified token came for the window (it may already have been said
        // while the previous test ran: the window counts from the last verified token).
        const verified = lab.events.map((e, i) => (e.type === 'result' && e.appraisal.deviceId === id && e.appraisal.verified ? i : -1));
        const lastVerified = Math.max(...verified);
        const overdue = await lab.wait((e): e is Extract<typeof e, { type: 'overdue' }> => e.type === 'overdue' && e.deviceId === id, 20_000, lastVerified + 1);
        expect(overdue).not.toBeNull();
        // …and nothing at all came from the gateway after the tampered boot.
        const fromGateway = lab.events.slice(tampered).filter((e) => (e.type === 'result' && e.appraisal.deviceId === id) || (e.type === 'online' && e.deviceId === id));
        expect(fromGateway).toEqual([]);
      }, 60_000);
    }
  });
}
