import { readFileSync } from 'node:fs';
import { installAgent } from '../lib/install-agent.ts';
import { toolExit, writeOutput } from '../lib/imgtool/files.ts';
import { applySettings, installCertificate, parseCounterSetting, parseSetting, provision, readDevice, requestCertificate, type DeviceSummary } from '../lib/provision.ts';
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
  for (const [name, v] of Object.entries(s.settings)) out.write(`setting    ${name.padEnd(12)} ${v}\n`);
  for (const t of s.trustKeys) out.write(`trust key  ${t.alg.padEnd(8)} keyhash ${t.keyHash}${s.trustList ? ' (superseded)' : ''}\n`);
  const l = s.trustList;
  if (l && 'error' in l) out.write(`trust list ${l.error}\n`);
  else if (l) {
    out.write(`trust list version ${l.version}\n`);
    for (const k of l.keyHashes) out.write(`trust key  keyhash ${k}\n`);
    for (const r of l.revoked) out.write(`revoked    keyhash ${r}\n`);
  }
  const c = s.certificate;
  if (!c) out.write('cert       (none: zw provision --csr, zw pki sign-device, zw provision --install-cert)\n');
  else {
    out.write(`cert       ${c.subject.replace(/\n/g, ', ')}  serial ${c.serial}\n`);
    out.write(`           valid ${c.notBefore} .. ${c.notAfter}, issuer ${c.issuer.replace(/\n/g, ', ')}\n`);
    for (const ca of c.ca) out.write(`trusted CA ${ca.replace(/\n/g, ', ')}\n`);
  }
}

/** zw provision --csr: the CSR on stdout or in -o FILE (never overwritten without --force). */
async function emitCsr(flash: string, out: string | undefined, force: boolean, json: boolean): Promise<number> {
  const r = await requestCertificate(flash);
  if (out) writeOutput(out, r.csr, { force });
  if (json) printJson({ id: r.id, alg: r.alg, csr: r.csr, file: out ?? null });
  else if (out) process.stderr.write(`zw provision: wrote the certificate request for ${r.id} (tls ${r.alg}) to ${out}\n`);
  else process.stdout.write(r.csr);
  return EXIT.OK;
}

async function installCert(flash: string, cert: string, ca: string | undefined, enrolment: string | undefined, json: boolean): Promise<number> {
  if (!ca) throw new UsageError('--install-cert needs --ca CA.pem (the hospital CA that issued it)');
  const r = await installCertificate({ flash, cert, ca, ...(enrolment ? { enrolment } : {}) });
  if (json) printJson({ ...r.summary, enrolment: r.enrolment });
  else {
    printSummary(r.summary, flash);
    process.stdout.write(`enrolment  ${r.enrolment}\n`);
  }
  return EXIT.OK;
}

export const provisionCommand: Command = {
  name: 'provision',
  summary: "create a gateway's flash device (keys, counters, trust store); its CSR and certificate",
  usage: `zw provision ID --flash FILE --trust-key PEM [--trust-key PEM ...]
             [--counter NAME=VALUE ...] [--set NAME=VALUE ...] [--tls-alg ed25519|p256]
             [--agent IMAGE] [--force] [--json]

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

--set NAME=VALUE writes a device setting (secure SETTING entry), read by the agent at boot:
  broker=IP:PORT        the hospital's MQTT broker (IPv4:port or [IPv6]:port; no names:
                        the gateway resolves none), e.g. broker=10.0.2.2:8883
  listen-allow=LIST     sockets expected to listen, e.g. listen-allow=tcp/22,udp/68
  oemid=OUI             the manufacturer's IEEE OUI, 6 hex digits (EAT oemid)
  hwmodel=TEXT          the hardware model, 1..32 characters (EAT hwmodel)

zw provision --flash FILE --agent IMAGE     installs an agent image into an existing device
zw provision --flash FILE --set NAME=VALUE  changes settings of an existing device (one commit)
zw provision --show --flash FILE [--json]   prints what a device file holds, with its certificate
zw provision --csr --flash FILE [-o OUT.csr] [--force] [--json]
    a PKCS#10 certificate request for the device (CN and DNS SAN = its id, its tls key), signed
    inside the KeyStore by the tls key, which never leaves secure; for zw pki sign-device
zw provision --install-cert CERT.pem --ca CA.pem --flash FILE [--enrolment FILE] [--json]
    checks the certificate against the device and the CA — its key is the tls key, CN and DNS
    SAN are the id, issued and signed by a CA in CA.pem, valid now, a TLS client certificate —
    and writes it and the CA into secure (CERT entries device and ca, one commit). Writes the
    enrolment record for the verifier (JSON: deviceId, attestKey as a JWK, certificate,
    issuedAt) to --enrolment FILE, default beside FILE (gw.flash: gw.enrolment.json).
    Refusals exit 1: pki.cert.chain, pki.cert.id, pki.cert.key, pki.cert.validity, pki.cert.usage.`,
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
      csr: { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      'install-cert': { type: 'string' },
      ca: { type: 'string' },
      enrolment: { type: 'string' },
      set: { type: 'string', multiple: true },
    });
    if (!values.flash) throw new UsageError('--flash FILE is required');
    if (values.csr || values['install-cert']) {
      if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`);
      if (values.csr && values['install-cert']) throw new UsageError('--csr and --install-cert are separate steps');
      try {
        return values.csr
          ? await emitCsr(values.flash, values.out, values.force ?? false, values.json ?? false)
          : await installCert(values.flash, values['install-cert']!, values.ca, values.enrolment, values.json ?? false);
      } catch (e) {
        return toolExit(e, 'provision');
      }
    }
    if (values.show) {
      const s = readDevice(values.flash);
      if (values.json) printJson(s);
      else printSummary(s, values.flash);
      return s.snapshot ? EXIT.OK : EXIT.REJECT;
    }
    const [id, extra] = positionals;
    const agent = values.agent ? readImage(values.agent) : null;
    const settings = (values.set ?? []).map(parseSetting);
    if (!id && (agent || settings.length) && !extra) {
      if (settings.length) applySettings(values.flash, settings);
      if (agent) {
        const facts = installAgent(values.flash, agent);
        process.stdout.write(`agent ${facts.version} (${facts.digest.slice(0, 16)}…) installed in ${values.flash}\n`);
      }
      for (const [n, v] of settings) process.stdout.write(`setting ${n} = ${v}\n`);
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
    let s = provision({ id, flash: values.flash, trustKeys: values['trust-key'] ?? [], counters, tlsAlg, overwrite: values.force ?? false, settings });
    if (agent) {
      installAgent(values.flash, agent);
      s = readDevice(values.flash);
    }
    if (values.json) printJson(s);
    else printSummary(s, values.flash);
    return EXIT.OK;
  },
};
