// zw verifier run: the hospital's verifier as a process (verifier/service.ts) — it reads every
// gateway's reports from the broker, challenges enrolled gateways, appraises their tokens and
// prints each result as it comes (one JSON object per line with --json).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseBroker } from '../../agent/settings.ts';
import { VerifierDb } from '../../verifier/db.ts';
import { readEnrolment, type Enrolment } from '../../verifier/enrolment.ts';
import { readPolicy } from '../../verifier/policy.ts';
import { openRefValues } from '../../verifier/refvalues.ts';
import { VerifierService, type ServiceEvent } from '../../verifier/service.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { readInput, toolExit } from '../lib/imgtool/files.ts';
import { EXIT, parse, UsageError, type Command } from './cli.ts';

const USAGE = `zw verifier run --broker IP:PORT --pki DIR --enrolments PATH --refvalues FILE --policy FILE
                [--db FILE] [--challenge-every SECONDS] [--overdue SECONDS] [--client-id ID] [--json]

Connects to the hospital broker as the verifier (DIR/ca.pem, DIR/verifier.pem and its key, from
zw pki issue-verifier), reads zw/v1/+/#, and for every enrolled gateway (PATH: an enrolment
record, or a folder of *.enrolment.json files): challenges it when it comes online and every
--challenge-every seconds (default 300), verifies and appraises each token (the reference
values must be signed by a signer the policy accepts), stores every result in the SQLite
database --db (default: in memory), and reports a gateway with no verified token for
--overdue seconds (default 600) as overdue. --client-id names its MQTT session (default
verifier; a second verifier process needs its own). One line per event; --json prints the EAR of each
result. Runs until interrupted. Exit 2 usage (a bad policy or enrolment record too), 1 reference
values refused, 3 I/O.`;

function readEnrolments(path: string): Map<string, Enrolment> {
  const files = statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => f.endsWith('.enrolment.json')).map((f) => join(path, f))
    : [path];
  return new Map(files.map((f) => readEnrolment(f)).map((e) => [e.deviceId, e]));
}

function describe(e: ServiceEvent, json: boolean): string {
  if (json) return JSON.stringify(e.type === 'result' ? { type: 'result', device: e.appraisal.deviceId, answered: e.answered, ear: e.appraisal.ear } : e);
  const t = new Date().toISOString();
  switch (e.type) {
    case 'result': {
      const a = e.appraisal;
      const head = `${t} ${a.deviceId} ${a.status.toUpperCase()} (${e.answered ? 'answer to a challenge' : 'unsolicited token'}${a.fresh ? ', fresh' : ''}${a.verified ? '' : ', NOT verified'})`;
      return [head, ...a.findings.map((f) => `    ${f.severity.padEnd(15)} ${f.id}: ${f.reason}`)].join('\n');
    }
    case 'overdue': return `${t} ${e.deviceId} OVERDUE: no verified token for ${Math.round(e.sinceMs / 1000)} s`;
    case 'duplicate': return `${t} ${e.deviceId} duplicate report ${e.reportId} dropped`;
    default: return `${t} ${e.deviceId} ${e.type}`;
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    broker: { type: 'string' }, pki: { type: 'string' }, enrolments: { type: 'string' }, refvalues: { type: 'string' },
    policy: { type: 'string' }, db: { type: 'string' }, 'challenge-every': { type: 'string' }, overdue: { type: 'string' }, json: { type: 'boolean' },
    'client-id': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`);
  for (const k of ['broker', 'pki', 'enrolments', 'refvalues', 'policy'] as const) if (!values[k]) throw new UsageError(`--${k} is required`);
  const broker = parseBroker(values.broker!);
  if (!broker.ok) throw new UsageError(`--broker: ${broker.detail}`);
  const seconds = (v: string | undefined, d: number, what: string) => {
    if (v === undefined) return d * 1000;
    if (!/^\d{1,7}$/.test(v) || Number(v) < 1) throw new UsageError(`${what} must be a whole number of seconds`);
    return Number(v) * 1000;
  };
  const policy = readPolicy(values.policy!);
  const refs = openRefValues(readInput(values.refvalues!, 'reference values'), policy.refvalueSigners);
  if (!refs.ok) {
    process.stderr.write(`zw verifier: ${refs.reason}: ${refs.detail}\n`);
    return EXIT.REJECT;
  }
  const enrolments = readEnrolments(values.enrolments!);
  const db = await VerifierDb.open(values.db ?? null);
  const verifier = new Verifier({ db, policy, refs: refs.refs, enrolment: (id) => enrolments.get(id) ?? null });
  const pem = (f: string) => readFileSync(join(values.pki!, f));
  const service = await VerifierService.start({
    broker: broker.value, ca: pem('ca.pem'), cert: pem('verifier.pem'), key: pem('verifier.key.pem'), verifier,
    enrolled: () => [...enrolments.keys()],
    challengeEveryMs: seconds(values['challenge-every'], 300, '--challenge-every'), overdueMs: seconds(values.overdue, 600, '--overdue'),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
  });
  service.on((e) => process.stdout.write(describe(e, values.json ?? false) + '\n'));
  process.stderr.write(`zw verifier: connected to ${values.broker}; ${enrolments.size} enrolled gateway(s)\n`);
  await new Promise<void>((done) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => done());
  });
  await service.stop();
  db.close();
  return EXIT.OK;
}

export const verifierCommand: Command = {
  name: 'verifier',
  summary: "the hospital's verifier process: challenges gateways, appraises their tokens",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'run') return await run(rest);
      throw new UsageError('expected run');
    } catch (e) {
      return toolExit(e, 'verifier');
    }
  },
};
