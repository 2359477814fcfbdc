import { readFileSync } from 'node:fs';
import { installAgent } from '../lib/install-agent.ts';
import { parseCounterSetting, provision, readDevice, type DeviceSummary } from '../lib/provision.ts';
import type { CounterName } from '../../hardware/ports.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';
import { ZwError } from '../../hardware/errors.ts';

function readImage(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ZwError('flash.io', `cannot read ${path}: ${(e as Error).message}`);
  }
}

function printSummary(s: DeviceSummary, flash: string): void {
  const out = process.stdout;
  out.write(`device     ${s.id ?? '(none)'}\nflash      ${flash}\n`);
  out.write(`secure     ${s.snapshot ? `bank ${s.snapshot.bank}, sequence ${s.snapshot.seq}` : 'empty (not provisioned)'}\n`);
  for (const [name, k] of Object.entries(s.keys)) out.write(`key        ${name.padEnd(10)} ${k.alg.padEnd(9)} ${k.publicKey || '(secret, no public half)'}\n`);
  for (const [name, v] of Object.entries(s.counters)) out.write(`counter    ${name.padEnd(12)} ${v}\n`);
  for (const t of s.trustKeys) out.write(`trust key  ${t.alg.padEnd(8)} keyhash ${t.keyHash}${s.trustList ? ' (superseded)' : ''}\n`);
  const l = s.trustList;
  if (l && 'error' in l) out.write(`trust list ${l.error}\n`);
  else if (l) {
    out.write(`trust list version ${l.version}\n`);
    for (const k of l.keyHashes) out.write(`trust key  keyhash ${k}\n`);
    for (const r of l.revoked) out.write(`revoked    keyhash ${r}\n`);
  }
}

export const provisionCommand: Command = {
  name: 'provision',
  summary: "create a gateway's flash device: partitions, keys in secure, counters, trust store",
  usage: `zw provision ID --flash FILE --trust-key PEM [--trust-key PEM ...]
             [--counter NAME=VALUE ...] [--tls-alg ed25519|p256] [--agent IMAGE] [--force] [--json]

Creates FILE (${'43 MiB'}, every byte erased) with the partition table of hardware/layout.ts and
writes into its secure partition: the device id, the partition table, the trust keys (Ed25519 or
P-256 PEM, public or private; only the public key is kept), freshly generated device keys
(attest Ed25519, tls Ed25519 or P-256, storage root, image-enc X25519) and the initial counter
values (agent, firmware, trust, store-epoch; default 0). Prints the public parts.
ID matches ^[a-z0-9][a-z0-9-]{2,62}$ and is not verifier, admin or broker.
Refuses an existing FILE unless --force. --agent IMAGE (made by zw build) is verified as the
gateway will verify it at boot — the device's trust store (after any zw trust apply) and agent
counter — and written into
the agent partition; an image the gateway would refuse is not written (provision.agent).

zw provision --flash FILE --agent IMAGE     installs an agent image into an existing device
zw provision --show --flash FILE [--json]   prints what a device file holds`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      flash: { type: 'string' },
      'trust-key': { type: 'string', multiple: true },
      counter: { type: 'string', multiple: true },
      'tls-alg': { type: 'string', default: 'ed25519' },
      force: { type: 'boolean' },
      show: { type: 'boolean' },
      agent: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.flash) throw new UsageError('--flash FILE is required');
    if (values.show) {
      const s = readDevice(values.flash);
      if (values.json) printJson(s);
      else printSummary(s, values.flash);
      return s.snapshot ? EXIT.OK : EXIT.REJECT;
    }
    const [id, extra] = positionals;
    const agent = values.agent ? readImage(values.agent) : null;
    if (!id && agent && !extra) {
      const facts = installAgent(values.flash, agent);
      process.stdout.write(`agent ${facts.version} (${facts.digest.slice(0, 16)}…) installed in ${values.flash}\n`);
      return EXIT.OK;
    }
    if (!id || extra) throw new UsageError('exactly one device ID is needed');
    const tlsAlg = values['tls-alg'];
    if (tlsAlg !== 'ed25519' && tlsAlg !== 'p256') throw new UsageError('--tls-alg must be ed25519 or p256');
    const counters: Partial<Record<CounterName, number>> = {};
    for (const c of values.counter ?? []) {
      const [name, v] = parseCounterSetting(c);
      counters[name] = v;
    }
    let s = provision({ id, flash: values.flash, trustKeys: values['trust-key'] ?? [], counters, tlsAlg, overwrite: values.force ?? false });
    if (agent) {
      installAgent(values.flash, agent);
      s = readDevice(values.flash);
    }
    if (values.json) printJson(s);
    else printSummary(s, values.flash);
    return EXIT.OK;
  },
};
