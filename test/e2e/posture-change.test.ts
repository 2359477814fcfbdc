// The agent notices a posture change on its own and tells the verifier: a gateway that starts
// clean, then gets a telnet daemon listening and a default password, sends an unsolicited token
// (zw-trigger 2) with the last challenge's nonce (zw-freshness 1), and the verifier names both
// findings. The agent runs on the Node ports here (the posture interval shortened); the same
// agent code runs in zw-host in attestation.test.ts.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/start.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../../hardware/node/platform.ts';
import { AttestationLab, type Result } from '../../scripts/lib/attest-lab.ts';
import { CLEAN_GATEWAY, writeTree } from '../../scripts/lib/gateway-tree.ts';

const work = mkdtempSync(join(tmpdir(), 'zw-posture-change-'));
const root = join(work, 'root');
let lab: AttestationLab;
let ports: NodePlatform | undefined;
let agent: Agent | undefined;

beforeAll(async () => {
  writeTree(root, CLEAN_GATEWAY);
  lab = await AttestationLab.start(work);
}, 120_000);

afterAll(async () => {
  await agent?.client?.stop();
  ports?.close();
  await lab?.close();
  rmSync(work, { recursive: true, force: true });
});

it('a posture change on the gateway reaches the verifier as an unsolicited token with its findings', async () => {
  const id = 'gw-posture-change';
  const flash = await lab.gateway(id);
  ports = nodePlatform(flash, { log: makeNodeLog(() => {}), postureRoot: root });
  const from = lab.events.length;
  agent = startAgent(ports, [lab.agentMeasurement()], { postureIntervalMs: 200 });
  const first = await lab.answer(id, 30_000, from);
  expect(first?.appraisal.status).toBe('affirming');

  appendFileSync(join(root, 'proc/net/tcp'), '   9: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n');
  appendFileSync(join(root, 'etc/shadow'), 'guest::20000:0:99999:7:::\n');
  const changed = await lab.wait((e): e is Result => e.type === 'result' && e.appraisal.deviceId === id && e.appraisal.claims?.trigger === 2, 20_000, from);
  expect(changed).not.toBeNull();
  expect(changed!.answered).toBe(false);
  expect(changed!.appraisal.claims?.freshness).toBe(1); // the nonce of the challenge it answered
  expect(changed!.appraisal.claims?.nonce).toEqual(first!.appraisal.claims?.nonce);
  const ids = changed!.appraisal.findings.map((f) => f.id);
  expect(ids).toEqual(expect.arrayContaining(['posture.listening', 'posture.credentials.default', 'freshness.unsolicited']));
  expect(changed!.appraisal.status).toBe('contraindicated');
  expect(JSON.stringify(changed!.appraisal.findings)).toContain('tcp/0.0.0.0:23');
}, 60_000);
