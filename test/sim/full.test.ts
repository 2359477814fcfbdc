// The fuller simulator suite (npm run sim:test; ZW_SIM_FULL=1): a power cut at every flash
// operation of a boot, alternately torn, each checked from outside with `zw store dump`; a power
// cut now; reset; a clock jump forward and back (-rtc base); the network down and up (QMP
// set_link), each seen on the console and recorded in summary.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../sim/boot.ts';
import { cutPower, down, reset, setLink } from '../../sim/control.ts';
import { gatewayPaths, loadSummary } from '../../sim/gateway.ts';
import { committed, consoleOf, RELEASE, simFixture, storeDump, waitConsole, type Dump, type SimFixture } from './support.ts';

const FULL = process.env.ZW_SIM_FULL === '1';
let fx: SimFixture;
beforeAll(async () => {
  if (FULL) fx = await simFixture();
});
afterAll(async () => fx?.cleanup());
const quiet = (): void => undefined;

/** Every record of `before` is still the first records of `after`, unchanged; nothing lost. */
function kept(before: Dump, after: Dump): void {
  expect(after.verdict).toBe('ok');
  expect(after.recovery.lostRecords).toBe(0);
  expect(after.auditChain.ok).toBe(true);
  expect(after.audit!.slice(0, before.audit!.length)).toEqual(before.audit);
}

describe.skipIf(!FULL)('zw sim (full)', () => {
  it('keeps every committed record through a cut at each flash operation of a boot', async () => {
    const id = 'gw-full-cuts';
    const flash = fx.provision(id);
    // A blank store's first boot does more; count the operations of a later boot.
    await up(id, flash, RELEASE, 'running', 60000, quiet);
    await waitConsole(id, committed);
    await down(id);
    const counted = await up(id, flash, { ...RELEASE, mode: 'dev', fault: {} }, 'exit', 60000, quiet);
    const ops = counted.facts.flashOps!;
    await down(id);
    let last = storeDump(flash).dump;
    let cuts = 0;
    for (let op = 1; op <= ops; op++) {
      const r = await up(id, flash, { ...RELEASE, mode: 'dev', fault: { cutAt: op, torn: op % 2 === 1, seed: op } }, 'exit', 60000, quiet);
      // A boot after a cut may do fewer operations (nothing to recover): then no cut happened.
      if (r.outcome === 'host-exited') expect(r.facts.flashOps, `cut at ${op}`).toBeLessThan(op);
      else expect(r.outcome, `cut at ${op}`).toBe('power-cut');
      cuts += r.outcome === 'power-cut' ? 1 : 0;
      const now = storeDump(flash);
      expect(now.status, `dump after the cut at ${op}`).toBe(0);
      kept(last, now.dump);
      last = now.dump;
    }
    expect(cuts).toBeGreaterThanOrEqual(ops - 1);
    const again = await up(id, flash, RELEASE, 'running', 60000, quiet);
    expect(again.outcome).toBe('running');
    await waitConsole(id, committed);
    await down(id);
    kept(last, storeDump(flash).dump);
  });

  it('cuts the power now and resets; the next boot runs and the store is intact', async () => {
    const id = 'gw-full-reset';
    const flash = fx.provision(id);
    await up(id, flash, RELEASE, 'running', 60000, quiet);
    await waitConsole(id, committed);
    expect(await cutPower(id)).toMatch(/power cut/);
    const before = storeDump(flash).dump;
    await up(id, flash, RELEASE, 'running', 60000, quiet);
    await waitConsole(id, committed);
    const r = await reset(id, {}, 'running', 60000, quiet);
    expect(r.outcome).toBe('running');
    const boots = loadSummary(gatewayPaths(id))!.boots;
    expect(boots.map((b) => b.end?.how ?? null)).toEqual(['power-cut', 'reset', null]);
    expect(boots[1]!.faults).toMatchObject([{ kind: 'reset' }]);
    await waitConsole(id, committed);
    await down(id);
    kept(before, storeDump(flash).dump);
  });

  it('boots with the clock jumped forward and back (-rtc base)', async () => {
    const id = 'gw-full-clock';
    const flash = fx.provision(id);
    for (const [base, year] of [['2031-06-01T12:00:00', '2031'], ['2020-01-01', '2020']] as const) {
      const r = await up(id, flash, { ...RELEASE, rtcBase: base }, 'running', 60000, quiet);
      expect(r.outcome).toBe('running');
      expect(r.boot.faults).toMatchObject([{ kind: 'clock', detail: `-rtc base=${base}` }]);
      const clock = consoleOf(id).facts.stages.find((s) => s.name === 'clock')!;
      expect(clock.fields.date!.slice(0, 4)).toBe(year);
      expect(r.facts.store).toMatchObject({ lost: 0 });
      await waitConsole(id, committed);
      await down(id);
    }
    const audit = storeDump(flash).dump.audit!;
    expect(audit.map((a) => a.dateTime.slice(0, 4))).toEqual(['2031', '2020']);
  });

  it('takes the network down and up; the guest sees its link go and come back', async () => {
    const id = 'gw-full-net';
    const flash = fx.provision(id);
    await up(id, flash, RELEASE, 'running', 60000, quiet);
    await waitConsole(id, (f) => f.stages.some((s) => s.name === 'link' && s.fields.state === 'up'));
    await setLink(id, false);
    await waitConsole(id, (f) => f.stages.some((s) => s.name === 'link' && s.fields.state === 'down'), 10000);
    await setLink(id, true);
    await waitConsole(id, (f) => f.stages.filter((s) => s.name === 'link' && s.fields.state === 'up').length === 2, 10000);
    const boot = loadSummary(gatewayPaths(id))!.boots[0]!;
    expect(boot.faults.map((f) => f.kind)).toEqual(['net-down', 'net-up']);
    await down(id);
  });
});
