// The signed agent, booted by the release zw-host from a provisioned flash, reaches the broker
// named by its `broker` setting with its own certificate: it announces itself online (retained
// status) and delivers the boot inventory — what runs in which slot, with its verdict — once
// per boot, under a report id. On x86_64 and on aarch64 under qemu-user.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NodeFlash } from '../../hardware/node/flash.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { settingEntry } from '../../hardware/secure-format.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentImage } from '../../scripts/lib/agent-image.ts';
import { ARCHES, hostCommand, ROOT, startHost, stopProcess } from '../../scripts/lib/host.ts';
import { installAgent } from '../../scripts/lib/install-agent.ts';
import { applySettings, parseSetting } from '../../scripts/lib/provision.ts';
import { closeHospital, gateway, hospital, type Hospital } from '../../scripts/lib/hospital.ts';
import { Receiver } from './setup.ts';

const V = join(ROOT, '../shared/vectors/imgtool/keys');
let h: Hospital;
let image: Uint8Array;

beforeAll(async () => {
  h = await hospital();
  image = (await buildAgentImage({ key: readFileSync(join(V, 'ed25519_a.pem')), version: '0.6.0+2', securityCounter: 1, workDir: h.dir })).image;
}, 120_000);
afterAll(() => closeHospital(h));

for (const arch of ARCHES) {
  describe(`the agent connects at boot (${arch})`, () => {
    it('publishes its status and the boot inventory to the provisioned broker, once per boot', async () => {
      const id = `gw-agent-${arch === 'x86_64' ? 'x86' : 'arm'}`;
      const flash = await gateway(h, id, { trustKeys: [join(V, 'ed25519_a.pub.pem')] });
      installAgent(flash, image);
      applySettings(flash, [parseSetting(`broker=${h.broker.host}:${h.broker.port}`)]);
      const rx = await Receiver.connect(h, id);
      const inventory = `zw/v1/${id}/inventory`;
      try {
        for (const boot of [1, 2]) {
          const g = startHost(arch, 'zw-host', ['--flash', flash]);
          try {
            await rx.until(() => rx.unique(inventory).length === boot, `inventory of boot ${boot}`, 60_000);
            // Each boot announces itself afresh (the retained copy arrives only at subscription).
            await rx.until(() => rx.all.filter((m) => m.topic === `zw/v1/${id}/status` && m.payload === 'online').length >= boot, `online at boot ${boot}`);
          } finally {
            await stopProcess(g.proc);
          }
          expect(g.output()).toContain('"mqtt.connected"');
        }
        const reports = rx.unique(inventory);
        expect(reports.map((r) => r.contentType)).toEqual(['application/json', 'application/json']);
        expect(new Set(reports.map((r) => r.reportId)).size).toBe(2);
        const inv = JSON.parse(reports[1]!.payload) as { device: string; images: { type: string; slot: string; status: string; version: string }[] };
        expect(inv.device).toBe(id);
        expect(inv.images.find((i) => i.type === 'agent')).toMatchObject({ slot: 'agent', status: 'accepted', version: '0.6.0+2' });
      } finally {
        await rx.close();
      }
    }, 150_000);
  });
}

describe('without a usable broker setting', () => {
  const bootOnce = (flash: string) => {
    const [cmd, args] = hostCommand('x86_64', 'zw-host', ['--flash', flash]);
    return spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  };

  it('runs offline, queueing its reports, and says why', async () => {
    const flash = await gateway(h, 'gw-agent-offline', { trustKeys: [join(V, 'ed25519_a.pub.pem')] });
    installAgent(flash, image);
    const r = bootOnce(flash);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('"transport.offline"');
    const dump = spawnSync(process.execPath, [join(ROOT, 'scripts/zw.mjs'), 'store', 'dump', '--flash', flash, '--json'], { encoding: 'utf8' });
    expect((JSON.parse(dump.stdout) as { queue: unknown[] }).queue).toHaveLength(2); // the inventory and the boot token
  });

  it('never guesses at a broker setting that is not IP:PORT (one not written by zw provision)', async () => {
    const flash = await gateway(h, 'gw-agent-badbroker', { trustKeys: [join(V, 'ed25519_a.pub.pem')] });
    installAgent(flash, image);
    const f = new NodeFlash(flash);
    try {
      new SecureState(f.openSecure()).commit(settingEntry('broker', 'broker.hospital.local:8883'));
    } finally {
      f.close();
    }
    const r = bootOnce(flash);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('"transport.broker"');
    expect(r.stderr).not.toContain('"transport.start"');
  });
});
