// The attestation-token figures of npm run bench (`--only attest-token`): tokens made per second
// by makeToken (claims, deterministic CBOR, COSE_Sign1, Ed25519 sign through the KeyStore and the
// check of that signature before release) in zw-host on x86_64 and aarch64 (qemu-user) and on
// the Node ports (noble), beside baselines measured in the same run: OpenSSL's Ed25519 sign
// rate (`openssl speed`) and node:crypto signing a Sig_structure of the token's size.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { makeNodeLog, nodePlatform } from '../../hardware/node/platform.ts';
import { buildBytecode, ROOT, runBytecode, type Arch } from '../lib/host.ts';
import { provision } from '../lib/provision.ts';
import { benchTokens, type TokenFigures } from './attest-token-workload.ts';

type Row = (what: string, figure: string, note?: string) => void;
type Impl = Arch | 'node';

const TOKENS: Record<Impl, number> = { x86_64: 5000, aarch64: 1000, node: 500 };
const LABEL: Record<Impl, string> = { x86_64: 'zw-host x86_64', aarch64: 'zw-host aarch64, qemu-user', node: 'Node ports (noble)' };

/** OpenSSL's Ed25519 sign and verify rates (operations per second, in-process). */
function opensslEd25519(): { sign: number; verify: number } {
  const out = execFileSync('openssl', ['speed', '-seconds', '2', 'ed25519'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = /\(Ed25519\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot read openssl speed ed25519: ${out}`);
  return { sign: Number(m[1]), verify: Number(m[2]) };
}

/** node:crypto Ed25519 signs of a `bytes`-long message per second (best of 3 rounds of 2000). */
function nodeSignRate(bytes: number): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const msg = new Uint8Array(bytes).fill(0x5a);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) sign(null, msg, privateKey);
    best = Math.max(best, 2000 / ((performance.now() - t0) / 1000));
  }
  return best;
}

function measure(impl: Impl, bc: string, flash: string): TokenFigures {
  if (impl === 'node') {
    const p = nodePlatform(flash, { log: makeNodeLog(() => {}) });
    try {
      return benchTokens(p, TOKENS.node);
    } finally {
      p.close();
    }
  }
  const r = runBytecode(bc, { arch: impl, flash, args: [String(TOKENS[impl])], timeoutMs: 300_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('ZW-BENCH '));
  if (r.status !== 0 || !line) throw new Error(`attest-token benchmark on ${impl} failed: ${r.stdout.slice(-1000)}\n${r.stderr.slice(-1000)}`);
  return JSON.parse(line.slice(9)) as TokenFigures;
}

export async function benchAttestToken(dir: string, row: Row): Promise<void> {
  const bc = join(dir, 'attest-token.qjsbc');
  await buildBytecode(join(ROOT, 'scripts/bench/attest-token-host.ts'), bc);
  const flash = join(dir, 'attest-token.flash');
  provision({ id: 'gw-bench-attest', flash, trustKeys: [join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem')] });
  const figures = new Map((['x86_64', 'node', 'aarch64'] as const).map((impl) => [impl, measure(impl, bc, flash)] as const));
  const bytes = figures.get('x86_64')!.tokenBytes;
  const ssl = opensslEd25519();
  const signAndVerify = 1 / (1 / ssl.sign + 1 / ssl.verify);
  const nodeSign = nodeSignRate(bytes);
  row('attest token baseline: Ed25519 sign, `openssl speed -seconds 2 ed25519`', `${ssl.sign.toFixed(0)} sign/s`, `verify ${ssl.verify.toFixed(0)}/s; sign + verify ${signAndVerify.toFixed(0)}/s`);
  row(`attest token baseline: Ed25519 sign of a ${bytes}-byte message, node:crypto (best of 3 × 2000)`, `${nodeSign.toFixed(0)} sign/s`, 'the size of a token\'s Sig_structure');
  for (const [impl, f] of figures) {
    row(`attest token: makeToken, ${f.tokenBytes}-byte token, ${LABEL[impl]} (${f.n} tokens)`, `${f.tokensPerS.toFixed(0)} tokens/s`,
      `${impl === 'aarch64' ? 'emulated; ' : ''}${(f.tokensPerS / signAndVerify).toFixed(2)}× OpenSSL's sign + verify rate; ${(f.ms / f.n).toFixed(3)} ms each, signature checked before release`);
  }
}
