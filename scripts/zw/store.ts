// zw store dump: a simulated gateway's store as the gateway would find it at boot, for test
// engineers. The device file is opened read-only and the store through inspectStore, so
// nothing is written — not even the epoch a real open advances.
import { reasonOf } from '../../hardware/errors.ts';
import { openDeviceReadOnly } from '../lib/readonly-device.ts';
import { dumpStore, type Shown, type StoreDump } from '../lib/store-dump.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

/** Reasons that mean the file is not a readable, provisioned device: exit 3. */
const ENVIRONMENT = new Set(['flash.io', 'flash.size', 'secure.empty', 'secure.layout', 'keystore.absent']);

const shown = (s: Partial<Shown>): string => (s.encoding === 'utf8' ? `  ${JSON.stringify(s.value)}` : s.encoding === 'hex' ? `  hex ${s.value}` : '');

function formatDump(d: StoreDump, flash: string): string {
  const r = d.recovery;
  const lines = [
    `store      ${flash} (data partition, opened read-only)`,
    `recovery   ${r.blank ? 'blank partition (no segment)' : `${r.segments} segment(s), ${r.records} record(s)`}, ${r.discarded} discarded (incomplete last commit), ${r.missingSegments} missing segment(s)`,
    ...(r.discarded > 0 ? [`note       the last commit did not complete (a power cut during it, or damage to it): its ${r.discarded} record(s) on flash are not taken as committed`] : []),
    `lost       ${r.lost.length === 0 ? 'none' : `${r.lostRecords} record(s): sequence ${r.lost.map((l) => (l.from === l.to ? `${l.from}` : `${l.from}..${l.to}`)).join(', ')}`}`,
    `epoch      data ${r.epoch}, store-epoch counter ${r.counter}${r.epochPending ? ' (the gateway advances the counter at its next open)' : ''}`,
    `rollback   ${r.rollback ? `${r.rollback.reason} — ${r.rollback.detail}` : 'none'}`,
    `keys       ${d.keys.length}`,
  ];
  const w = Math.max(0, ...d.keys.map((k) => k.key.length));
  for (const k of d.keys) lines.push('reason' in k ? `  ${k.key.padEnd(w)}  ${k.reason} — ${k.detail}` : `  ${k.key.padEnd(w)}  ${String(k.size).padStart(5)} B${shown(k)}`);
  if (d.queue === null) lines.push('queue      unreadable (see below)');
  else {
    lines.push(`queue      ${d.queue.length} report(s), oldest first`);
    for (const q of d.queue) lines.push(`  id ${String(q.id).padEnd(8)}  ${String(q.size).padStart(5)} B${shown(q)}`);
  }
  if (d.audit === null) lines.push('audit      unreadable (see below)');
  else {
    lines.push(`audit      ${d.audit.length} record(s) kept on the device`);
    for (const a of d.audit) {
      lines.push(`  #${a.index}  ${a.dateTime}  ${a.eventType}  ${a.outcome}`);
      lines.push(`      subject ${a.subject}  actor ${a.actor}  on behalf of ${a.onBehalfOf ?? '-'}  source ${a.source}`);
      lines.push(`      objects ${a.objects.length ? a.objects.join(', ') : '-'}`);
      lines.push(`      prev ${a.prevHash}`, `      hash ${a.hash}`);
    }
  }
  const c = d.auditChain;
  lines.push(`chain      ${c.ok ? `intact: ${c.count} record(s), head ${c.head}` : `${c.reason} at record ${c.index} — ${c.detail}`}`);
  lines.push(`verdict    ${d.verdict}`);
  for (const f of d.findings) lines.push(`reject     ${f.reason} — ${f.detail}`);
  return lines.join('\n') + '\n';
}

async function dump(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { flash: { type: 'string' }, json: { type: 'boolean' }, values: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.flash) throw new UsageError('--flash FILE is required');
  const dev = openDeviceReadOnly(values.flash);
  try {
    const d = dumpStore(dev, values.values ?? false);
    if (values.json) printJson(d);
    else process.stdout.write(formatDump(d, values.flash));
    return d.verdict === 'ok' ? EXIT.OK : EXIT.REJECT;
  } finally {
    dev.close();
  }
}

export const storeCommand: Command = {
  name: 'store',
  summary: "show a device's store (recovery, keys, queue, audit trail) without writing to it",
  usage: `zw store dump --flash FILE [--json] [--values]

Opens the store on FILE's data partition with the device's own secure partition (storage
keys, store-epoch counter), as the gateway does at boot, but read-only: nothing is written,
not even the new epoch a real open starts. Prints the recovery report (segments, records,
records discarded from an incomplete last commit, lost sequence ranges, missing segments), the
data's epoch against the store-epoch counter and the rollback verdict, the key/value keys with
their value sizes, the queued reports (ids oldest first, payload sizes), every audit record
with its NEN 7513 fields and chain hashes, and the result of checking the audit chain.
--values also prints values and payloads: as UTF-8 when printable, else as hex.
--json prints the same as data.
Exit 0 intact; 1 store.rollback (an older copy of the data partition), store.record.auth
(committed records lost) or store.audit.chain (broken audit chain), with the reason printed;
2 usage; 3 I/O (FILE missing or not a device file, device not provisioned).`,
  async run(argv) {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'dump') return await dump(rest);
      throw new UsageError(sub ? `unknown subcommand ${JSON.stringify(sub)}` : 'a subcommand is needed: dump');
    } catch (e) {
      const reason = reasonOf(e);
      if (!reason || !ENVIRONMENT.has(reason)) throw e;
      process.stderr.write(`zw store: ${(e as Error).message}\n`);
      return EXIT.IO;
    }
  },
};
