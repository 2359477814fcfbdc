// Random mutations of valid tokens (STYLE.md 12): bit flips, byte writes, truncations,
// extensions, insertions and deletions, of whole tokens and — re-signed with the device's own
// key, as a compromised device could — of the claims payload. The verifier must never throw,
// must explain every refusal with registered finding ids, and must never verify a token whose
// signed bytes (protected header and payload) differ from what the device signed. `npm test`
// runs ZW_TOKEN_MUTATIONS (default 100k); set it higher for a longer campaign.
import { decode } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { isReason } from '../../hardware/reasons.ts';
import { mulberry32 } from '../../hardware/node/fault.ts';
import { appraiseToken } from '../../verifier/appraise.ts';
import type { NonceCheck } from '../../verifier/nonces.ts';
import { goodComponents, makeWorld } from './fixtures.ts';
import { buildToken, claims, posture } from './tokens.ts';
import { encode } from 'cbor2';

const TOTAL = Number(process.env.ZW_TOKEN_MUTATIONS ?? 100_000);
const NONCE = new Uint8Array(24).fill(3);
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;
const nonces: NonceCheck = { consume: (_d, n) => (sameBytes(n, NONCE) ? 'fresh' : 'unknown'), issued: (_d, n) => sameBytes(n, NONCE) };

function mutate(b: Uint8Array, next: () => number): Uint8Array {
  const pick = (n: number) => next() % n;
  switch (pick(6)) {
    case 0: { const m = b.slice(); const i = pick(m.length); m[i]! ^= 1 << pick(8); return m; }
    case 1: { const m = b.slice(); for (let k = 1 + pick(4); k > 0; k--) m[pick(m.length)] = pick(256); return m; }
    case 2: return b.slice(0, pick(b.length));
    case 3: return Uint8Array.of(...b, ...Array.from({ length: 1 + pick(16) }, () => pick(256)));
    case 4: { const i = pick(b.length + 1); return Uint8Array.of(...b.subarray(0, i), pick(256), ...b.subarray(i)); }
    default: { const i = pick(b.length); return Uint8Array.of(...b.subarray(0, i), ...b.subarray(i + 1 + pick(4))); }
  }
}

/** [protected, payload] of a token, read leniently (null when it is not a COSE_Sign1 shape). */
function signedParts(t: Uint8Array): [Uint8Array, Uint8Array] | null {
  try {
    const v = decode(t) as { contents?: unknown[] };
    const c = v.contents;
    return Array.isArray(c) && c[0] instanceof Uint8Array && c[2] instanceof Uint8Array ? [c[0], c[2]] : null;
  } catch {
    return null;
  }
}

describe(`token mutations (${TOTAL})`, () => {
  const w = makeWorld();
  const claimsMap = claims(w.dev, { nonce: NONCE, components: goodComponents(w), posture: posture({ listening: ['tcp/0.0.0.0:443'] }) });
  const payload = encode(claimsMap, { cde: true });
  const token = buildToken(w.dev, claimsMap);
  const original = signedParts(token)!;
  const ctx = { policy: w.policy, refs: w.refvalues, nonces };

  it('the unmutated token affirms', () => {
    expect(appraiseToken(token, w.dev.id, w.enrolment, ctx, 0).status).toBe('affirming');
  });

  it('never throws, always explains, never verifies altered signed bytes', () => {
    const next = mulberry32(0x5eed);
    const outcomes = new Map<string, number>();
    let resigned = 0;
    for (let i = 0; i < TOTAL; i++) {
      // One in four: a signed payload the device itself garbled; the rest: the token in transit.
      const own = i % 4 === 0;
      const m = own ? buildToken(w.dev, new Map(), { payloadBytes: mutate(payload, next) }) : mutate(token, next);
      const a = appraiseToken(m, w.dev.id, w.enrolment, ctx, 0);
      for (const f of a.findings) if (!isReason(f.id) || f.reason.length < 10) throw new Error(`unregistered or unexplained finding ${f.id}`);
      if (!own && a.verified) {
        const parts = signedParts(m);
        if (!parts || !sameBytes(parts[0], original[0]) || !sameBytes(parts[1], original[1])) throw new Error(`mutation ${i} verified with altered signed bytes`);
      }
      if (a.status === 'affirming' && !own && !sameBytes(m, token)) {
        const parts = signedParts(m)!;
        expect(sameBytes(parts[1], original[1])).toBe(true);
      }
      if (own && a.verified) resigned++;
      const key = a.findings[0]?.id ?? a.status;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log(`token mutations: ${TOTAL}; re-signed payloads still verified: ${resigned}; first findings:`, Object.fromEntries([...outcomes].sort((x, y) => y[1] - x[1])));
    expect(outcomes.size).toBeGreaterThan(5);
  });
});
