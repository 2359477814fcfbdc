import type { Command } from './cli.ts';
import { EXIT, parse } from './cli.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure native vs OpenSSL vs noble speed, the store, binary sizes and peak RSS',
  usage: `zw bench [--write] [--only transport|attest-token|verifier|sim]

Builds the benchmark bytecode and prints: SHA-256 of 16 MiB through hw in zw-host vs openssl
dgst, noble SHA-256 inside QuickJS, Ed25519 verify through hw vs noble vs OpenSSL, the store
(commits/s of single 256-byte puts, open/recovery of 10,000 records, compaction of a full tail
segment) in zw-host on x86_64 and aarch64 (qemu-user, emulated) vs the Node implementation,
the transport against a TLS 1.3 Mosquitto on loopback (connect → CONNACK and QoS 1 reports
through the store, the agent client in zw-host vs MQTT.js under Node; a reconnect storm of 200
clients after a broker restart), attestation tokens per second (makeToken in zw-host and on the
Node ports vs OpenSSL's Ed25519 sign rate), whole gateways under qemu-system-aarch64 (QEMU
start → agent running; one boot's zw-host workload native, qemu-user and full-system), binary
sizes and peak RSS. --write records the
figures in BENCHMARKS.md with the machine; --only transport, attest-token or sim measures
and rewrites just those rows.`,
  async run(argv) {
    parse(argv, { write: { type: 'boolean' }, only: { type: 'string' } }, false);
    const { runBench } = await import('../bench.ts');
    return (await runBench()) ? EXIT.OK : EXIT.REJECT;
  },
};
