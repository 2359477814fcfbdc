// The MQTT client as real bytecode in zw-host (x86_64, and aarch64 under qemu-user): the same
// transcript as under Node, line for line — codec, mutated streams, a scripted session.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHES, buildBytecode, ROOT, runBytecode } from '../../scripts/lib/host.ts';
import { mqttTranscript } from './portable.ts';

const MUTATIONS = 3000;
const dir = mkdtempSync(join(tmpdir(), 'zw-mqtt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytecode = join(dir, 'mqtt.qjsbc');
let built: Promise<void> | undefined;

describe('MQTT client in zw-host', () => {
  const expected = mqttTranscript(MUTATIONS);

  it('the Node transcript has no difference and no throw in it', () => {
    expect(expected.filter((l) => l.includes('DIFFERENT') || l.includes('THROW'))).toEqual([]);
  });

  for (const arch of ARCHES) {
    it(`${arch}: the same transcript as Node`, async () => {
      await (built ??= buildBytecode(join(ROOT, 'test/mqtt/in-host.ts'), bytecode, { MQTT_MUTATIONS: String(MUTATIONS) }));
      const r = runBytecode(bytecode, { arch });
      const transcript = `status ${r.status} signal ${r.signal}\n${r.stderr.slice(-2000)}`;
      expect(r.stdout, transcript).toContain('ZW-DONE');
      const got = r.stdout.split('\n').filter((l) => l.startsWith('ZW-MQTT ')).map((l) => l.slice(8));
      expect(got).toEqual(expected);
    }, 600_000);
  }
});
