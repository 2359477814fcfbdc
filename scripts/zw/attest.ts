// zw attest verify: one attestation token checked as the hospital's verifier checks it
// (verifier/appraise.ts): the enrolment record's attest key, the manufacturer's reference
// values accepted by the hospital policy, and optionally the nonce the caller issued.
import { ZwError, reasonOf } from '../../hardware/errors.ts';
import { REASONS } from '../../hardware/reasons.ts';
import { appraiseToken, type Appraisal } from '../../verifier/appraise.ts';
import { readEnrolment } from '../../verifier/enrolment.ts';
import { GivenNonce } from '../../verifier/nonces.ts';
import { readPolicy } from '../../verifier/policy.ts';
import { openRefValues } from '../../verifier/refvalues.ts';
import { readInput, toolExit } from '../lib/imgtool/files.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

const USAGE = `zw attest verify TOKEN --enrolment FILE --refvalues FILE --policy FILE [--device ID] [--nonce HEX] [--json]

Verifies TOKEN (an EAT, COSE_Sign1, docs/eat-profile.md) with the attest key of the device's
enrolment record (zw provision --install-cert), never a key from the token, and appraises it:
the software components against the reference values (zw refvalues; accepted only when signed
by a signer the policy names), the posture against the policy (docs/policy.md), and freshness:
--nonce HEX is the challenge the caller sent; without it an answer is flagged nonce.unchecked.
--device says which device the token arrived for (default: the enrolment record's).
Prints every finding in plain language, or the EAR (draft-ietf-rats-ear JSON) with --json.
Exit 0 affirming, 1 contraindicated (or reference values refused), 4 warning, 2 usage (also a
malformed policy or enrolment record), 3 I/O.`;

function nonceOf(h: string | undefined): Uint8Array | null {
  if (h === undefined) return null;
  if (!/^([0-9a-f]{2}){8,64}$/i.test(h)) throw new UsageError('--nonce expects 8..64 bytes in hex');
  return new Uint8Array(Buffer.from(h, 'hex'));
}

function printText(file: string, a: Appraisal): void {
  const lines = [`${a.status.padEnd(15)} ${file}: device ${a.deviceId}, ${a.findings.length} finding(s)${a.verified ? '' : ', NOT verified'}${a.fresh ? ', fresh' : ''}`];
  for (const f of a.findings) {
    lines.push(`  ${f.severity.padEnd(15)} ${f.id}: ${f.reason}`);
  }
  const tv = a.ear.submods[a.deviceId]!['ear.trustworthiness-vector'];
  lines.push(`  trustworthiness ${Object.entries(tv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function verifyCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    enrolment: { type: 'string' }, refvalues: { type: 'string' }, policy: { type: 'string' },
    device: { type: 'string' }, nonce: { type: 'string' }, json: { type: 'boolean' },
  });
  const [file, extra] = positionals;
  if (!file || extra) throw new UsageError('exactly one TOKEN file is needed');
  if (!values.enrolment || !values.refvalues || !values.policy) throw new UsageError('--enrolment, --refvalues and --policy are required');
  const nonce = nonceOf(values.nonce);
  const policy = readPolicy(values.policy);
  const enrolment = readEnrolment(values.enrolment);
  const refs = openRefValues(readInput(values.refvalues, 'reference values'), policy.refvalueSigners);
  if (!refs.ok) {
    if (values.json) printJson({ verdict: 'reject', reason: refs.reason, meaning: REASONS[refs.reason], detail: refs.detail });
    else process.stdout.write(`reject  ${values.refvalues}: ${refs.reason} — ${refs.detail}\n`);
    return EXIT.REJECT;
  }
  const token = readInput(file, 'token');
  const a = appraiseToken(token, values.device ?? enrolment.deviceId, enrolment, { policy, refs: refs.refs, nonces: nonce ? new GivenNonce(nonce) : null }, Date.now());
  if (values.json) printJson(a.ear);
  else printText(file, a);
  return a.status === 'affirming' ? EXIT.OK : a.status === 'warning' ? EXIT.WARNING : EXIT.REJECT;
}

export const attestCommand: Command = {
  name: 'attest',
  summary: 'verify and appraise an attestation token as the hospital verifier does',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'verify') return await verifyCmd(rest);
      throw new UsageError('expected verify');
    } catch (e) {
      const r = reasonOf(e);
      if (e instanceof ZwError && (r === 'policy.invalid' || r === 'enrolment.invalid')) {
        process.stderr.write(`zw attest: ${e.message}\n`);
        return EXIT.USAGE;
      }
      return toolExit(e, 'attest');
    }
  },
};
