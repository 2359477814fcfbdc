// The verifier figures of npm run bench (`--only verifier`): tokens verified and appraised per
// second (verifier/appraise.ts: strict CBOR decode with cbor2, COSE_Sign1 Ed25519 verify with
// node:crypto, claims, reference values, policy, EAR), on one thread and on one worker thread
// per core, and through the whole Verifier with its SQLite nonce store; beside the raw
// node:crypto Ed25519 verify rate and `openssl speed ed25519` in the same run.
import { execFileSync } from 'node:child_process';
import { verify } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { appraiseToken } from '../../verifier/appraise.ts';
import { VerifierDb } from '../../verifier/db.ts';
import { Verifier } from '../../verifier/verifier.ts';
import { goodComponents, makeWorld, type World } from '../../test/verifier/fixtures.ts';
import { buildToken, claims } from '../../test/verifier/tokens.ts';

type Row = (what: string, figure: string, note?: string) => void;
const NONCE = new Uint8Array(32).fill(5);
const MS = 2000;

function tokenOf(w: World): Uint8Array {
  return buildToken(w.dev, claims(w.dev, { nonce: NONCE, components: goodComponents(w) }));
}

/** Calls `f` for about `ms` (after a warm-up) and returns calls per second. */
function rate(f: () => void, ms = MS): number {
  for (let i = 0; i < 500; i++) f();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 50; i++) f();
    n += 50;
  }
  return n / ((performance.now() - t0) / 1000);
}

function appraiseRate(w: World): number {
  const token = tokenOf(w);
  const ctx = { policy: w.policy, refs: w.refvalues, nonces: { consume: () => 'fresh' as const, issued: () => true } };
  return rate(() => {
    if (appraiseToken(token, w.dev.id, w.enrolment, ctx, 0).status !== 'affirming') throw new Error('benchmark token not affirmed');
  });
}

/** One worker per core, each appraising its own copy of the world's token for MS ms. */
async function parallelRate(threads: number): Promise<number> {
  const code = `import(${JSON.stringify('tsx/esm/api')}).then((m) => m.register()).then(() => import(${JSON.stringify(pathToFileURL(fileURLToPath(import.meta.url)).href)}));`;
  const rates = await Promise.all(Array.from({ length: threads }, () => new Promise<number>((ok, ko) => {
    const wk = new Worker(code, { eval: true, workerData: { bench: 'appraise' } });
    wk.once('message', (r: number) => { ok(r); void wk.terminate(); });
    wk.once('error', ko);
  })));
  return rates.reduce((a, b) => a + b, 0);
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

function opensslVerifyRate(): number {
  const out = execFileSync('openssl', ['speed', '-seconds', '1', 'ed25519'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(out.match(/\(Ed25519\)\s+[\d.]+s\s+[\d.]+s\s+[\d.]+\s+([\d.]+)/)?.[1] ?? NaN);
}

/** The section for scripts/bench.ts (`--only verifier`). */
export async function benchVerifierSection(_dir: string, row: Row): Promise<void> {
  await benchVerifier(row);
}

export async function benchVerifier(row: Row): Promise<boolean> {
  const w = makeWorld();
  const token = tokenOf(w);
  const ssl = opensslVerifyRate();
  row('verifier baseline: Ed25519 verify, `openssl speed ed25519` (one core)', `${ssl.toFixed(0)} verify/s`, 'baseline: the library ceiling');
  const sig = token.subarray(token.length - 64), msg = token.subarray(0, 600);
  const raw = rate(() => verify(null, msg, w.enrolment.key, sig));
  row('verifier baseline: Ed25519 verify, node:crypto verify() (one thread)', `${raw.toFixed(0)} verify/s`, 'baseline: what the verifier calls');
  const one = appraiseRate(w);
  row(`verifier: tokens verified + appraised per second, one thread (${token.length}-byte token)`, `${one.toFixed(0)} tokens/s`, `${(one / raw).toFixed(2)}× node:crypto verify alone`);
  const threads = cpus().length;
  const par = await parallelRate(threads);
  row(`verifier: tokens verified + appraised per second, ${threads} worker threads`, `${par.toFixed(0)} tokens/s`, `target ≥ 10000; ${(par / (threads * ssl)).toFixed(2)}× openssl speed on ${threads} cores`);
  const full = await receiveRate(w);
  row('verifier: challenge + token built + Verifier.receive (SQLite nonce + result stored, in memory), one thread', `${full.toFixed(0)} tokens/s`, 'includes building and signing the token');
  return par >= 10_000;
}

if (!isMainThread && (workerData as { bench?: string })?.bench === 'appraise') {
  parentPort!.postMessage(appraiseRate(makeWorld()));
}
