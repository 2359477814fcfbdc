// The token builder's refusals as portable cases (test/contracts/harness.ts): the same cases
// run under vitest on the Node ports and as bytecode inside zw-host on x86_64 and aarch64
// (test/attest/host.test.ts), on a provisioned device; `noKeyCases` on a blank one.
import { makeToken, type TokenInput } from '../../agent/attest/token.ts';
import type { Ports } from '../../hardware/ports.ts';
import { eq, type Case } from '../contracts/harness.ts';
import { ANSWER, BOOT } from './fixture.ts';

const reasonOf = (p: Ports, input: TokenInput): string => {
  const r = makeToken(p, input);
  return r.ok ? 'ok' : r.reason;
};

const refuses = (name: string, reason: string, input: TokenInput): Case => ({
  suite: 'attest', name, run: (p) => eq(reasonOf(p, input), reason, name),
});

const wide = (c: string): string[] => Array.from({ length: 64 }, (_, i) => c.repeat(120) + String(i));

export const attestCases: readonly Case[] = [
  refuses('makes a challenge answer', 'ok', ANSWER),
  refuses('makes an unsolicited boot token', 'ok', BOOT),
  refuses('refuses a nonce of 7 bytes', 'attest.nonce', { ...ANSWER, nonce: new Uint8Array(7) }),
  refuses('refuses a nonce of 65 bytes', 'attest.nonce', { ...ANSWER, nonce: new Uint8Array(65) }),
  refuses('refuses 9 measurement records', 'attest.components', { ...ANSWER, measurements: Array.from({ length: 9 }, () => ANSWER.measurements[0]!) }),
  refuses('refuses a version of 129 bytes', 'attest.input', { ...ANSWER, agentVersion: 'v'.repeat(129) }),
  refuses('refuses a token over 8192 bytes', 'attest.size', { ...ANSWER, posture: { ...ANSWER.posture, listening: wide('l'), debug: wide('d') } }),
];

export const noKeyCases: readonly Case[] = [refuses('refuses without an attest key', 'attest.key', ANSWER)];
