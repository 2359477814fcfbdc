// Appraisal of verified tokens: freshness through the SQLite-backed nonce store (replay,
// unknown, stale, unsolicited), software components against the reference values and the
// policy (unapproved signer, unknown release, old version, refused slot, agent absent), posture.
import { beforeAll, describe, expect, it } from 'vitest';
import { VerifierDb } from '../../verifier/db.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { componentOf, goodComponents, goodToken, makeWorld, type World } from './fixtures.ts';
import { buildToken, claims, component, posture } from './tokens.ts';

let w: World;
let clock = 1_795_000_000_000;
let v: Verifier;
let db: VerifierDb;
beforeAll(async () => {
  w = makeWorld();
  db = await VerifierDb.open(null);
  v = new Verifier({ db, policy: w.policy, refs: w.refvalues, enrolment: (id) => (id === w.dev.id ? w.enrolment : null), now: () => clock });
});

const ids = (a: { findings: readonly { id: string }[] }) => a.findings.map((f) => f.id);
const answer = (comps = goodComponents(w), p = posture()) => {
  const nonce = v.challenge(w.dev.id);
  return buildToken(w.dev, claims(w.dev, { nonce, components: comps, posture: p }));
};

describe('freshness', () => {
  it('affirms an answer to a challenge once; the same answer again is nonce.replayed', () => {
    const t = answer();
    const first = v.receive(w.dev.id, t);
    expect(first.status).toBe('affirming');
    expect(first.fresh).toBe(true);
    const again = v.receive(w.dev.id, t);
    expect(ids(again)).toEqual(['nonce.replayed']);
    expect(again.status).toBe('contraindicated');
    expect(v.history(w.dev.id, 2).map((r) => r.status)).toEqual(['contraindicated', 'affirming']);
  });
  it('refuses a nonce this verifier never issued (nonce.unknown) and one answered too late (nonce.stale)', () => {
    expect(ids(v.receive(w.dev.id, goodToken(w, new Uint8Array(32).fill(9))))).toEqual(['nonce.unknown']);
    const nonce = v.challenge(w.dev.id);
    clock += w.policy.freshnessMs + 1;
    expect(ids(v.receive(w.dev.id, goodToken(w, nonce)))).toEqual(['nonce.stale']);
  });
  it('a nonce issued to another device is unknown to this one', () => {
    const other = v.challenge('gw-ward-07');
    expect(ids(v.receive(w.dev.id, goodToken(w, other)))).toEqual(['nonce.unknown']);
  });
  it('a forged answer does not use up the nonce', () => {
    const nonce = v.challenge(w.dev.id);
    const forged = buildToken(w.dev, claims(w.dev, { nonce, components: goodComponents(w) }), { signWith: makeWorld().dev.privateKey });
    expect(ids(v.receive(w.dev.id, forged))).toContain('token.signature');
    expect(v.receive(w.dev.id, goodToken(w, nonce)).status).toBe('affirming');
  });
  it('appraises unsolicited tokens but marks them not fresh (freshness.unsolicited)', () => {
    const boot = v.receive(w.dev.id, buildToken(w.dev, claims(w.dev, { nonce: null, trigger: 1, freshness: 2, components: goodComponents(w) })));
    expect(ids(boot)).toEqual(['freshness.unsolicited']);
    expect(boot.status).toBe('affirming');
    expect(boot.fresh).toBe(false);
    const last = v.challenge(w.dev.id);
    const change = v.receive(w.dev.id, buildToken(w.dev, claims(w.dev, { nonce: last, trigger: 2, freshness: 1, components: goodComponents(w) })));
    expect(ids(change)).toEqual(['freshness.unsolicited']);
    const unknown = v.receive(w.dev.id, buildToken(w.dev, claims(w.dev, { nonce: new Uint8Array(16), trigger: 2, freshness: 1, components: goodComponents(w) })));
    expect(ids(unknown)).toEqual(['nonce.unknown', 'freshness.unsolicited']);
  });
  it('keeps nonces and results across a restart of a file-backed database', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'zw-verifier-')), 'verifier.sqlite');
    const d1 = await VerifierDb.open(path);
    const v1 = new Verifier({ db: d1, policy: w.policy, refs: w.refvalues, enrolment: () => w.enrolment, now: () => clock });
    const t = goodToken(w, v1.challenge(w.dev.id));
    d1.close();
    const d2 = await VerifierDb.open(path);
    const v2 = new Verifier({ db: d2, policy: w.policy, refs: w.refvalues, enrolment: () => w.enrolment, now: () => clock });
    expect(v2.receive(w.dev.id, t).status).toBe('affirming');
    d2.close();
    const v3 = new Verifier({ db: await VerifierDb.open(path), policy: w.policy, refs: w.refvalues, enrolment: () => w.enrolment, now: () => clock });
    expect(ids(v3.receive(w.dev.id, t))).toEqual(['nonce.replayed']);
    expect(v3.history(w.dev.id).length).toBe(2);
  });
});

describe('software components', () => {
  it('an image signed by a key the reference values do not name: sw.signer.unapproved', () => {
    const a = v.receive(w.dev.id, answer([componentOf(w.refs.agent, 'agent'), componentOf(w.refs.foreignFirmware, 'slot-a')]));
    expect(ids(a)).toEqual(['sw.signer.unapproved', 'sw.reference.unknown']);
    expect(a.ear.submods[w.dev.id]!['ear.trustworthiness-vector'].executables).toBe(96);
  });
  it('an old release: sw.version.old (policy minimum version and counter)', () => {
    const a = v.receive(w.dev.id, answer([componentOf(w.refs.oldAgent, 'agent'), componentOf(w.refs.firmware, 'slot-a')]));
    expect(ids(a)).toEqual(['sw.version.old', 'sw.version.old']);
    expect(a.status).toBe('contraindicated');
  });
  it('a measurement no release has: sw.reference.unknown', () => {
    const a = v.receive(w.dev.id, answer([componentOf(w.refs.agent, 'agent'), componentOf(w.refs.firmware, 'slot-a', { digest: new Uint8Array(32).fill(1) })]));
    expect(ids(a)).toEqual(['sw.reference.unknown']);
    expect(a.ear.submods[w.dev.id]!['ear.trustworthiness-vector'].executables).toBe(33);
  });
  it('a slot the gateway refused: sw.slot.refused with its reason, severe for a bad signature', () => {
    const empty = component({ type: 'firmware', digest: new Uint8Array(0), slot: 'slot-b', status: 'image.magic' });
    const a = v.receive(w.dev.id, answer([...goodComponents(w), empty]));
    expect(a.findings.map((f) => [f.id, f.severity, f.context?.status])).toEqual([['sw.slot.refused', 'warning', 'image.magic']]);
    expect(a.status).toBe('warning');
    const forged = component({ type: 'firmware', digest: new Uint8Array(32), version: '9.0.0+0', slot: 'slot-b', status: 'image.sig.bad' });
    const b = v.receive(w.dev.id, answer([...goodComponents(w), forged]));
    expect(b.findings.map((f) => [f.id, f.severity])).toEqual([['sw.slot.refused', 'contraindicated']]);
    expect(b.ear.submods[w.dev.id]!['ear.trustworthiness-vector']['file-system']).toBe(96);
  });
  it('an erased inactive slot (slot.empty) is nothing to appraise: still affirming', () => {
    const erased = component({ type: 'firmware', digest: new Uint8Array(0), slot: 'slot-b', status: 'slot.empty' });
    const a = v.receive(w.dev.id, answer([...goodComponents(w), erased]));
    expect(a.findings).toEqual([]);
    expect(a.status).toBe('affirming');
    expect(a.ear.submods[w.dev.id]!['ear.trustworthiness-vector']['file-system']).toBe(2);
  });
  it('no accepted agent: sw.agent.absent', () => {
    expect(ids(v.receive(w.dev.id, answer([componentOf(w.refs.firmware, 'slot-a')])))).toEqual(['sw.agent.absent']);
  });
});

describe('posture', () => {
  it('each posture finding, with the policy\'s severity', () => {
    const a = v.receive(w.dev.id, answer(goodComponents(w), posture({ listening: ['tcp/0.0.0.0:23', 'tcp/0.0.0.0:443'], creds: ['root'], debug: ['kgdb'], sbom: false })));
    expect(a.findings.map((f) => [f.id, f.severity])).toEqual([
      ['posture.listening', 'contraindicated'], ['posture.credentials.default', 'contraindicated'], ['posture.debug', 'warning'], ['posture.sbom.absent', 'warning'],
    ]);
    expect(a.findings[0]!.context?.ports).toEqual(['tcp/0.0.0.0:23']);
    expect(a.ear.submods[w.dev.id]!['ear.trustworthiness-vector'].configuration).toBe(96);
  });
  it('allowed ports alone affirm; debug alone is a warning', () => {
    expect(v.receive(w.dev.id, answer(goodComponents(w), posture({ listening: ['tcp/0.0.0.0:443'] }))).status).toBe('affirming');
    const d = v.receive(w.dev.id, answer(goodComponents(w), posture({ debug: ['debugfs'] })));
    expect(d.status).toBe('warning');
    expect(d.ear.submods[w.dev.id]!['ear.trustworthiness-vector'].configuration).toBe(32);
  });
});
