// The fixed token inputs the tests use under Node and inside zw-host (pure data: this file is
// also bundled into test/attest/in-host.ts). The measurement records have the shape the boot
// verifier writes (hardware/hw/boot-main.ts): hex digests and signer ids, a rejected slot with
// its reason and no digest.
import type { TokenInput } from '../../agent/attest/token.ts';

const repeat = (hexByte: string, n: number): string => hexByte.repeat(n);

export const FIXED_IAT = 1_790_000_000;

/** A challenge answered: every optional claim present, unsorted posture lists with a repeat. */
export const ANSWER: TokenInput = {
  deviceId: 'gw-ward-7b',
  agentVersion: '1.4.0+12',
  measurements: [
    { type: 'agent', component: 'agent', status: 'accepted', version: '1.4.0+12', signer: repeat('a1', 32), digest: repeat('0f', 32), securityCounter: 3 },
    { type: 'firmware', component: 'slot-a', status: 'accepted', version: '2.4.1+7', signer: repeat('b2', 32), digest: repeat('e7', 64), securityCounter: null },
    { type: 'firmware', component: 'slot-b', status: 'rejected', reason: 'image.sig.bad' },
  ],
  posture: {
    listening: ['udp/[::]:161', 'tcp/0.0.0.0:23', 'tcp/0.0.0.0:2323', 'tcp/0.0.0.0:23'],
    defaultCredentials: ['root', 'admin'],
    debug: ['serial-getty', 'kgdb'],
    firmwareVersion: '2.4.1+7',
    sbom: { sha256: Uint8Array.from({ length: 32 }, (_, i) => i * 7), format: 'cyclonedx' },
  },
  nonce: Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i),
  trigger: 'challenge',
  freshness: 'challenge',
  bootSeq: 41,
  iat: FIXED_IAT,
  oemid: Uint8Array.of(0x00, 0x1b, 0x63),
  hwmodel: new TextEncoder().encode('ZW-GW-200'),
};

/** An unsolicited boot token without a nonce, optional claims and posture fields absent. */
export const BOOT: TokenInput = {
  deviceId: 'gw-ward-7b',
  agentVersion: '1.4.0+12',
  measurements: [ANSWER.measurements[0]!],
  posture: { listening: [], defaultCredentials: [], debug: [] },
  trigger: 'boot',
  freshness: 'none',
  bootSeq: 0,
  iat: FIXED_IAT,
};

export const FIXTURES: Record<string, TokenInput> = { answer: ANSWER, boot: BOOT };
