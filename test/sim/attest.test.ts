// A whole aarch64 gateway under QEMU reaches the hospital: its agent connects from the guest to
// the Mosquitto on this machine's loopback (10.0.2.2 as the guest sees it) with its own
// certificate, is challenged by the verifier, and is attested affirming — read from outside:
// the verifier's result and the console. The posture it reports is the guest's own (/proc, the
// image's SPDX SBOM).
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION, AttestationLab } from '../../scripts/lib/attest-lab.ts';
import { up } from '../../sim/boot.ts';
import { down } from '../../sim/control.ts';
import { consoleOf, RELEASE, simFixture, type SimFixture } from './support.ts';

let fx: SimFixture;
let lab: AttestationLab;
const work = mkdtempSync('/tmp/zw-sim-lab-');

beforeAll(async () => {
  fx = await simFixture();
  lab = await AttestationLab.start(work);
}, 180_000);

afterAll(async () => {
  await fx?.cleanup();
  await lab?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a simulated gateway attests to the hospital', () => {
  it('boots, connects from the guest, answers the challenge and is appraised affirming', async () => {
    const id = 'gw-sim-attest';
    const flash = await lab.gateway(id, '10.0.2.2', '');
    const from = lab.events.length;
    const started = Date.now();
    const r = await up(id, flash, RELEASE, 'running', 90_000, () => undefined);
    expect(r.outcome).toBe('running');
    const answer = await lab.answer(id, 60_000, from);
    const ms = Date.now() - started;
    const { text } = consoleOf(id);
    expect(answer, text).not.toBeNull();
    expect(answer!.appraisal.findings.filter((f) => f.severity !== 'info'), text).toEqual([]);
    expect(answer!.appraisal).toMatchObject({ status: 'affirming', verified: true, fresh: true });
    expect(answer!.appraisal.claims?.components[0]).toMatchObject({ type: 'agent', version: AGENT_VERSION });
    expect(text).toContain('"mqtt.connected"');
    process.stdout.write(`QEMU start to first affirming result: ${ms} ms\n`);
    await down(id);
  }, 180_000);
});
