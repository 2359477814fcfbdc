// The verifier figures of npm run bench (`--only verifier`): tokens verified and appraised per
// second by the pure core (verifier/appraise.ts: strict CBOR decode, COSE_Sign1 Ed25519 verify
// with node:crypto against the enrolment key, claims, reference values, policy, EAR; the nonce
// checked in memory), on one thread and on one worker thread per core measuring together; beside
// the raw node:crypto Ed25519 verify rate and `openssl speed ed25519` on one core and on every
// core, in the same run. The whole Verifier with its SQLite stores is a separate row.
import { decode, type Tag } from 'cbor2';
import { execFileSync } from 'node:child_process';
import { verify } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { appraiseToken, type AppraisalContext } from '../../verifier/appraise.ts';
import { sigStructure } from '../../verifier/cose.ts';
import { VerifierDb } from '../../verifier/db.ts';
import type { NonceCheck } from '../../verifier/nonces.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { goodComponents, makeWorld, type World } from '../../test/verifier/fixtures.ts';
import { buildToken, claims } from '../../test/verifier/tokens.ts';

type Row = (what: string, figure: string, note?: string) => void;
const NONCE = new Uint8Array(32).fill(5);
const MS = 2000;
const TARGET = 10_000;

function tokenOf(w: World): Uint8Array {
  return buildToken(w.dev, claims(w.dev, { nonce: NONCE, components: goodComponents(w) }));
}

/** The challenge this verifier issued, held in memory: the token's nonce compared byte for byte. */
const issuedNonce: NonceCheck = {
  consume: (_d, n) => (Buffer.compare(n, NONCE) === 0 ? 'fresh' : 'unknown'),
  issued: (_d, n) => Buffer.compare(n, NONCE) === 0,
};

/** Calls `f` for about `ms` (after a warm-up): calls per second, and per second of the process's
 *  CPU time (user + system, as `openssl speed` divides by CPU time), which other load on the
 *  machine does not lower. */
function measure(f: () => void, ms = MS): { perS: number; perCpuS: number } {
  for (let i = 0; i < 500; i++) f();
  let n = 0;
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 50; i++) f();
    n += 50;
  }
  const cpu = process.cpuUsage(cpu0);
  return { perS: n / ((performance.now() - t0) / 1000), perCpuS: n / ((cpu.user + cpu.system) / 1e6) };
}

const rate = (f: () => void, ms = MS) => measure(f, ms).perS;

/** One appraisal of the world's token, which must come out affirming. */
function appraiser(w: World): () => void {
  const token = tokenOf(w);
  const ctx: AppraisalContext = { policy: w.policy, refs: w.refvalues, nonces: issuedNonce };
  return () => {
    if (appraiseToken(token, w.dev.id, w.enrolment, ctx, 0).status !== 'affirming') throw new Error('benchmark token not affirmed');
  };
}

/** One worker per thread, each with its own world; all start measuring at the same moment. */
async function parallelRate(threads: number): Promise<number[]> {
  const code = `import(${JSON.stringify('tsx/esm/api')}).then((m) => m.register()).then(() => import(${JSON.stringify(pathToFileURL(fileURLToPath(import.meta.url)).href)}));`;
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: { bench: 'appraise' } }));
  const next = (wk: Worker) => new Promise<unknown>((ok, ko) => {
    wk.once('message', ok);
    wk.once('error', ko);
  });
  await Promise.all(workers.map(next));
  const done = workers.map(next);
  for (const wk of workers) wk.postMessage('go');
  const rates = (await Promise.all(done)) as number[];
  await Promise.all(workers.map((wk) => wk.terminate()));
  return rates;
}

async function receiveRate(w: World): Promise<number> {
  const db = await VerifierDb.open(null);
  const v = new Verifier({ db, policy: w.policy, refs: w.refvalues, enrolment: () => w.enrolment });
  return rate(() => {
    const nonce = v.challenge(w.dev.id);
    const t = buildToken(w.dev, claims(w.dev, { nonce, components: goodComponents(w) }));
    if (v.receive(w.dev.id, t).status !== 'affirming') throw new Error('benchmark token not affirmed');
  }, 1000);
}

/** `openssl speed -seconds 2 ed25519` verifies per second, in one process or `multi` at once. */
function opensslVerifyRate(multi = 1): number {
  const args = ['speed', ...(multi > 1 ? ['-multi', String(multi)] : []), '-seconds', '2', 'ed25519'];
  const out = execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = /\(Ed25519\)\s+[\d.]+s\s+[\d.]+s\s+[\d.]+\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot read openssl ${args.join(' ')}: ${out}`);
  return Number(m[1]);
}

/** The section for scripts/bench.ts (`--only verifier`). */
export async function benchVerifierSection(_dir: string, row: Row): Promise<void> {
  await benchVerifier(row);
}

export async function benchVerifier(row: Row): Promise<boolean> {
  const w = makeWorld();
  const token = tokenOf(w);
  const threads = cpus().length;
  const ssl = opensslVerifyRate();
  row('verifier baseline: Ed25519 verify, `openssl speed -seconds 2 ed25519` (one core)', `${ssl.toFixed(0)} verify/s`, 'baseline: the library ceiling per core');
  const sslAll = opensslVerifyRate(threads);
  row(`verifier baseline: Ed25519 verify, \`openssl speed -multi ${threads} -seconds 2 ed25519\` (all ${threads} cores)`, `${sslAll.toFixed(0)} verify/s`, `baseline: the ceiling of this machine as loaded; ${(sslAll / ssl).toFixed(2)}× one core`);
  const [prot, , payload, sig] = (decode(token) as Tag).contents as Uint8Array[];
  const toVerify = sigStructure(prot!, payload!);
  const raw = rate(() => {
    if (!verify(null, toVerify, w.enrolment.key, sig!)) throw new Error('benchmark signature does not verify');
  });
  row(`verifier baseline: Ed25519 verify of the token's ${toVerify.length}-byte Sig_structure, node:crypto verify() (one thread)`, `${raw.toFixed(0)} verify/s`, `baseline: what the verifier calls; ${(raw / ssl).toFixed(2)}× openssl one core`);
  const { perS: one, perCpuS: oneCpu } = measure(appraiser(w));
  row(`verifier: tokens verified + appraised per second, one thread (${token.length}-byte token)`, `${one.toFixed(0)} tokens/s`, `${(one / raw).toFixed(2)}× node:crypto verify alone; ${(one / ssl).toFixed(2)}× openssl one core`);
  row('verifier: tokens verified + appraised per CPU-second, one thread', `${oneCpu.toFixed(0)} tokens/s`,
    `${(oneCpu / ssl).toFixed(2)}× openssl one core; × ${threads} cores = ${(oneCpu * threads).toFixed(0)}/s on this machine with nothing else running`);
  const rates = await parallelRate(threads);
  const par = rates.reduce((a, b) => a + b, 0);
  row(`verifier: tokens verified + appraised per second, ${threads} worker threads`, `${par.toFixed(0)} tokens/s`,
    `target ≥ ${TARGET} ${par >= TARGET ? 'met' : 'not met'}; ${(par / sslAll).toFixed(2)}× openssl on all ${threads} cores; per thread ${rates.map((r) => r.toFixed(0)).join(' + ')}`);
  const full = await receiveRate(w);
  row('verifier: challenge + token built + Verifier.receive (SQLite nonce + result stored, in memory), one thread', `${full.toFixed(0)} tokens/s`, 'not in the headline: includes building and signing the token and the sql.js writes');
  return par >= TARGET;
}

if (!isMainThread && (workerData as { bench?: string })?.bench === 'appraise') {
  const appraise = appraiser(makeWorld());
  for (let i = 0; i < 500; i++) appraise();
  parentPort!.once('message', () => parentPort!.postMessage(rate(appraise)));
  parentPort!.postMessage('ready');
}
