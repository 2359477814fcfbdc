// Whole aarch64 gateways under qemu-system-aarch64: Debian's arm64 kernel, busybox, the static
// aarch64 zw-host and the signed agent on a provisioned flash device (virtio-blk). Each check
// is read from outside, as a test engineer would: the console log, summary.json, and
// `zw store dump` on the flash file after the gateway is off.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionSpec } from '../../hardware/layout.ts';
import { up } from '../../sim/boot.ts';
import { down } from '../../sim/control.ts';
import { gatewayPaths, loadSummary } from '../../sim/gateway.ts';
import { committed, consoleOf, RELEASE, simFixture, storeDump, waitConsole, zw, type SimFixture } from './support.ts';

let fx: SimFixture;
beforeAll(async () => {
  fx = await simFixture();
});
afterAll(async () => fx?.cleanup());

const quiet = (): void => undefined;

describe('zw sim', () => {
  it('boots a gateway to "agent running, image verified"', async () => {
    const flash = fx.provision('gw-sim-boot');
    const r = await up('gw-sim-boot', flash, RELEASE, 'running', 60000, quiet);
    expect(r.outcome).toBe('running');
    const { text, facts } = consoleOf('gw-sim-boot');
    for (const stage of ['init', 'modules', 'net', 'flash', 'host-start']) expect(facts.stages.map((s) => s.name)).toContain(stage);
    expect(text).toMatch(/ZW-SIM net t=[0-9.]+ ip=10\.0\.2\.15 router=10\.0\.2\.2/);
    const agent = facts.measurements.find((m) => m.type === 'agent');
    expect(agent).toMatchObject({ component: 'agent', status: 'accepted', version: '0.9.0+1' });
    expect(facts.agent).toEqual({ verified: true, version: '0.9.0+1', digest: agent!.digest });
    expect(facts.store).toMatchObject({ blank: true, lost: 0 });
    const boot = loadSummary(gatewayPaths('gw-sim-boot'))!.boots[0]!;
    expect(boot.stages['agent-running']).toBeGreaterThan(0);
    expect(boot.facts?.agent?.verified).toBe(true);
    const st = JSON.parse(zw('sim', 'status', 'gw-sim-boot', '--json').out);
    expect(st).toMatchObject({ device: 'gw-sim-boot', state: 'up', agentRunning: true, verified: true });
    await waitConsole('gw-sim-boot', committed);
    expect(await down('gw-sim-boot')).toMatch(/orderly/);
    expect(JSON.parse(zw('sim', 'status', 'gw-sim-boot', '--json').out)).toMatchObject({ state: 'down', end: 'down' });
  });

  it('keeps every committed record through a power cut during the boot-time store commit', async () => {
    const id = 'gw-sim-cut';
    const flash = fx.provision(id);
    // Two complete boots: the release host, then the development host counting its operations.
    expect((await up(id, flash, RELEASE, 'running', 60000, quiet)).outcome).toBe('running');
    await waitConsole(id, committed);
    await down(id);
    const counted = await up(id, flash, { ...RELEASE, mode: 'dev', fault: {} }, 'exit', 60000, quiet);
    const ops = counted.facts.flashOps!;
    expect(ops).toBeGreaterThan(2);
    await down(id);
    const before = storeDump(flash);
    expect(before.status).toBe(0);
    expect(before.dump.audit).toHaveLength(2);

    // The last operations of a boot are its audit commit: cut at the one before the last, torn.
    const cut = await up(id, flash, { ...RELEASE, mode: 'dev', fault: { cutAt: ops - 1, torn: true, seed: 7 } }, 'exit', 60000, quiet);
    expect(cut.outcome).toBe('power-cut');
    expect(cut.facts.powerCut).toBe(ops - 1);
    expect(loadSummary(gatewayPaths(id))!.boots[2]!.faults[0]).toMatchObject({ kind: 'power-cut-at-op' });

    const again = await up(id, flash, RELEASE, 'running', 60000, quiet);
    expect(again.outcome).toBe('running');
    expect(again.facts.store).toMatchObject({ lost: 0 });
    await waitConsole(id, committed);
    await down(id);
    const after = storeDump(flash);
    expect(after.status).toBe(0);
    expect(after.dump.verdict).toBe('ok');
    expect(after.dump.recovery.lostRecords).toBe(0);
    expect(after.dump.auditChain.ok).toBe(true);
    // Every record committed before the cut is still there, unchanged.
    expect(after.dump.audit!.slice(0, 2)).toEqual(before.dump.audit);
    expect(after.dump.audit!.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a tampered agent image and says why on the console', async () => {
    const id = 'gw-sim-tamper';
    const flash = fx.provision(id);
    const bytes = readFileSync(flash);
    bytes[partitionSpec('agent')!.offset + 32 + 1000]! ^= 0x01; // one payload byte
    writeFileSync(flash, bytes);
    const r = await up(id, flash, RELEASE, 'running', 60000, quiet);
    expect(r.outcome).toBe('refused');
    const { text, facts } = consoleOf(id);
    expect(text).toMatch(/zw-host: image\.[a-z.]+: agent image refused/);
    expect(facts.measurements.find((m) => m.type === 'agent')).toMatchObject({ status: 'rejected', reason: facts.refused });
    expect(facts.agent).toBeNull();
    expect(facts.hostExit).toBe(1);
    expect(zw('sim', 'status', id).out).toMatch(/agent refused: image\./);
  });

  it('runs two gateways at once, each with its own flash, console and summary', async () => {
    const ids = ['gw-sim-pair-a', 'gw-sim-pair-b'];
    const flashes = ids.map((id) => fx.provision(id));
    const results = await Promise.all(ids.map((id, i) => up(id, flashes[i], RELEASE, 'running', 90000, quiet)));
    expect(results.map((r) => r.outcome)).toEqual(['running', 'running']);
    expect(new Set(results.map((r) => r.boot.pid)).size).toBe(2);
    const rows = JSON.parse(zw('sim', 'status', '--json').out) as { device: string; state: string }[];
    for (const id of ids) expect(rows.find((r) => r.device === id)).toMatchObject({ state: 'up' });
    // Each gateway's console names its own agent digest and its store is its own.
    for (const id of ids) expect(consoleOf(id).facts.agent?.verified).toBe(true);
    await Promise.all(ids.map((id) => waitConsole(id, committed)));
    await Promise.all(ids.map((id) => down(id)));
    for (const f of flashes) expect(storeDump(f).dump.audit).toHaveLength(1);
  });
});
