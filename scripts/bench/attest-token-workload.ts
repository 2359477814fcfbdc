// The attestation-token benchmark's workload: makeToken (agent/attest/token.ts) over any ports,
// so the same code runs inside zw-host over hw (scripts/bench/attest-token-host.ts) and in
// Node over the device file (scripts/bench/attest-token.ts). The input is the challenge answer
// of the tests (test/attest/fixture.ts): three components, a posture, every optional claim.
import { makeToken, type TokenPorts } from '../../agent/attest/token.ts';
import { ANSWER } from '../../test/attest/fixture.ts';

export interface TokenFigures { n: number; ms: number; tokensPerS: number; tokenBytes: number }

/** Makes `n` tokens after one warm-up, each with its own nonce; timed with the monotonic clock. */
export function benchTokens(p: TokenPorts, n: number): TokenFigures {
  const nonce = new Uint8Array(16);
  const one = (i: number): number => {
    nonce[0] = i & 0xff;
    nonce[1] = (i >> 8) & 0xff;
    const r = makeToken(p, { ...ANSWER, nonce });
    if (!r.ok) throw new Error(`makeToken refused: ${r.reason} ${r.detail}`);
    return r.token.length;
  };
  const tokenBytes = one(0);
  const t0 = p.clock.monotonicMs();
  for (let i = 1; i <= n; i++) one(i);
  const ms = p.clock.monotonicMs() - t0;
  return { n, ms, tokensPerS: n / (ms / 1000), tokenBytes };
}
