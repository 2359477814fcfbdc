// zw pki: the hospital CA (DESIGN.md §Contracts "Identities and topics", "Provisioning").
// The certificate library is loaded only when a pki subcommand runs, so it does not slow every
// other zw command down.
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { reasonOf, ZwError } from '../../hardware/errors.ts';
import { readInput } from '../lib/imgtool/files.ts';
import type { Issued } from '../lib/pki/ca.ts';
import { CRL_DAYS, isPkiAlg, normalizeSerial, PKI_ALGS, REVOKE_REASONS, type IssuedCert, type PkiAlg, type RevokeReason } from '../lib/pki/store.ts';
import { EXIT, exitFor, parse, printJson, UsageError, type Command } from './cli.ts';

const USAGE = `zw pki init [--alg ed25519|p256] [--days N] [--name CN] [--crl-days N]
zw pki issue-broker --ip ADDR [--ip ADDR ...] [--dns NAME ...] [--days N] [--alg A] [-o FILE] [--force]
zw pki issue-verifier [--days N] [--alg A] [-o FILE] [--force]
zw pki sign-device CSR [--days N] [--replace] [-o FILE]
zw pki revoke ID|SERIAL [--reason R]
zw pki crl [--crl-days N]
zw pki show
zw pki broker-config --out DIR [--bind ADDR] [--port N] [--force]
   every subcommand: [--dir DIR] (default ./pki) [--json]

The hospital CA, kept in DIR: its key (ca.key.pem, mode 0600) and certificate (ca.pem), the
serial counter, index.json of every certificate issued, a copy of each under issued/, and the
signed CRL (crl.pem, which the broker loads as crlfile).
init          creates the CA: a self-signed ${PKI_ALGS.join(' or ')} certificate (default ed25519,
              ${3650} days, CN "Zorgwacht hospital CA"), CA:TRUE pathlen 0, keyCertSign and
              cRLSign, and an empty CRL valid --crl-days (default ${CRL_DAYS}). Never replaces a CA.
issue-broker  the broker's TLS server certificate (CN broker, serverAuth) with IP SANs --ip (the
              gateways reach the broker by address: 127.0.0.1, and 10.0.2.2 from a QEMU guest)
              and DNS SANs --dns, with a fresh key: FILE (default DIR/broker.pem) and
              FILE's .key.pem (mode 0600).
issue-verifier the verifier's TLS client certificate (CN verifier, clientAuth), the only way to
              that CN; FILE default DIR/verifier.pem, key beside it.
sign-device   checks a gateway's CSR (zw provision --csr): its signature, an Ed25519 or P-256
              key, a subject of one CN that is a valid device id (not verifier, admin, broker;
              no + # /), no SAN but DNS:<id>; issues a client certificate (CN and DNS SAN = id,
              clientAuth) to FILE (default DIR/devices/<id>.pem). A second live certificate for
              the id is refused (pki.live) unless --replace, which revokes the old one
              (superseded) and re-signs the CRL.
revoke        revokes every certificate with CN ID, or the one with serial SERIAL (hex; write
              0x… if it could be read as an id), with --reason ${REVOKE_REASONS.join('|')}
              (default cessationOfOperation), and re-signs the CRL. Copy crl.pem to the broker
              and send it SIGHUP (Mosquitto re-reads it) or restart it.
crl           re-signs the CRL, valid --crl-days (kept for later CRLs; default as at init). Do
              so before its next update passes: the broker then refuses every client.
show          the CA, every certificate issued with its status, and the CRL; exit 4 when the
              CRL's next update has passed.
broker-config a Mosquitto configuration for the hospital's broker in DIR: mosquitto.conf (one
              TLS 1.3 listener on --bind ADDR (default 0.0.0.0) port --port (default 8883),
              client certificates required, CN as username, the CRL, no anonymous clients), the
              ACL (each device only zw/v1/<id>/#; the verifier reads zw/v1/+/# and writes
              challenge, cmd, update), and copies of ca.pem, broker.pem, broker.key.pem (0600),
              crl.pem. Run: mosquitto -c DIR/mosquitto.conf (as a user that can read the key).
--days N      validity of the certificate (1..36500; default 365, CA 3650); it may not outlast
              the CA (pki.validity). Certificates are dated from one hour ago.
Exit 0 done, 1 refused (pki.csr.*, device.id, pki.live, pki.unknown, pki.revoked,
pki.validity), 2 usage, 3 I/O or no CA (pki.none, pki.exists, pki.busy, pki.ca), 4 warning.`;

const loadCa = () => import('../lib/pki/ca.ts');

const COMMON = { dir: { type: 'string', default: 'pki' }, json: { type: 'boolean' } } as const;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function days(v: string | undefined, dflt: number, what = '--days'): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d{1,5}$/.test(v) || n < 1 || n > 36500) throw new UsageError(`${what} must be a whole number of days, 1..36500`);
  return n;
}

function alg(v: string | undefined, dflt: PkiAlg): PkiAlg {
  if (v === undefined) return dflt;
  if (!isPkiAlg(v)) throw new UsageError(`--alg must be ${PKI_ALGS.join(' or ')}`);
  return v;
}

const keyFileOf = (certFile: string) => certFile.replace(/(\.pem)?$/, '.key.pem');

function noPositionals(p: string[]): void {
  if (p.length) throw new UsageError(`unexpected ${p.join(' ')}`);
}

async function init(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, alg: { type: 'string' }, days: { type: 'string' }, name: { type: 'string' }, 'crl-days': { type: 'string' } });
  noPositionals(positionals);
  const name = values.name ?? 'Zorgwacht hospital CA';
  if (!name.trim() || name.length > 64) throw new UsageError('--name must be 1..64 characters (X.520 ub-common-name)');
  const { HospitalCa } = await loadCa();
  const created = await HospitalCa.init(values.dir, { alg: alg(values.alg, 'ed25519'), days: days(values.days, 3650), cn: name, crlDays: days(values['crl-days'], CRL_DAYS, '--crl-days') });
  const c = created.cert;
  const out = { dir: resolve(values.dir), alg: created.issuer.alg, subject: c.subject, serial: c.serialNumber.toLowerCase(), notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), certificate: join(values.dir, 'ca.pem'), crl: join(values.dir, 'crl.pem') };
  if (values.json) printJson(out);
  else process.stdout.write(`created CA ${out.subject} (${out.alg}) in ${values.dir}, valid until ${out.notAfter}\n`);
  return EXIT.OK;
}

function report(json: boolean | undefined, kind: string, cn: string, i: Issued, files: { cert: string; key?: string }, extra: Record<string, unknown> = {}): void {
  const out = { kind, cn, serial: i.serial, notBefore: i.cert.notBefore.toISOString(), notAfter: i.cert.notAfter.toISOString(), ...files, ...extra };
  if (json) return printJson(out);
  process.stdout.write(`issued ${kind} certificate CN=${cn}, serial ${i.serial}, valid until ${out.notAfter}: ${files.cert}${files.key ? ` (key ${files.key})` : ''}\n`);
  for (const s of i.revokedSerials ?? []) process.stdout.write(`revoked serial ${s} (superseded)\n`);
}

async function issueBroker(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, ip: { type: 'string', multiple: true }, dns: { type: 'string', multiple: true }, days: { type: 'string' }, alg: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' } });
  noPositionals(positionals);
  const ips = values.ip ?? [];
  const dns = (values.dns ?? []).map((d) => d.toLowerCase());
  if (!ips.length) throw new UsageError('at least one --ip is needed (the gateways reach the broker by address)');
  for (const ip of ips) if (!isIP(ip)) throw new UsageError(`--ip ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  for (const d of dns) if (!DNS_NAME.test(d)) throw new UsageError(`--dns ${JSON.stringify(d)} is not a DNS name`);
  const out = values.out ?? join(values.dir, 'broker.pem');
  const v = days(values.days, 365);
  const { HospitalCa } = await loadCa();
  const i = await HospitalCa.change(values.dir, (ca) => ca.issueWithKey({ kind: 'broker', cn: 'broker', ips, dns }, { alg: alg(values.alg, ca.issuer.alg), validity: { days: v }, out, keyOut: keyFileOf(out), force: values.force ?? false }));
  report(values.json, 'broker', 'broker', i, { cert: out, key: keyFileOf(out) }, { ips, dns });
  return EXIT.OK;
}

async function issueVerifier(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, days: { type: 'string' }, alg: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' } });
  noPositionals(positionals);
  const out = values.out ?? join(values.dir, 'verifier.pem');
  const v = days(values.days, 365);
  const { HospitalCa } = await loadCa();
  const i = await HospitalCa.change(values.dir, (ca) => ca.issueWithKey({ kind: 'verifier', cn: 'verifier' }, { alg: alg(values.alg, ca.issuer.alg), validity: { days: v }, out, keyOut: keyFileOf(out), force: values.force ?? false }));
  report(values.json, 'verifier', 'verifier', i, { cert: out, key: keyFileOf(out) });
  return EXIT.OK;
}

async function signDevice(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, days: { type: 'string' }, replace: { type: 'boolean' }, out: { type: 'string', short: 'o' } });
  const [csrFile, extra] = positionals;
  if (!csrFile || extra) throw new UsageError('exactly one CSR file is needed');
  const csr = readInput(csrFile, 'certificate request');
  const v = days(values.days, 365);
  const { HospitalCa, writeFileIn } = await loadCa();
  const i = await HospitalCa.change(values.dir, (ca) => ca.signDevice(csr, { validity: { days: v }, replace: values.replace ?? false }));
  const out = values.out ?? join(values.dir, 'devices', `${i.id}.pem`);
  writeFileIn(out, i.certPem, 0o644, true);
  report(values.json, 'device', i.id, i, { cert: out }, { revoked: i.revokedSerials ?? [] });
  return EXIT.OK;
}

function target(arg: string, certs: readonly IssuedCert[]): { cn: string } | { serial: string } {
  if (!arg.startsWith('0x') && certs.some((c) => c.cn === arg)) return { cn: arg };
  const serial = normalizeSerial(arg);
  if (serial === null) throw new ZwError('pki.unknown', `no certificate issued by this CA has CN ${arg}`);
  return { serial };
}

async function revoke(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, reason: { type: 'string', default: 'cessationOfOperation' } });
  const [arg, extra] = positionals;
  if (!arg || extra) throw new UsageError('exactly one device id or serial number is needed');
  if (!(REVOKE_REASONS as readonly string[]).includes(values.reason)) throw new UsageError(`--reason must be one of ${REVOKE_REASONS.join(', ')}`);
  const { HospitalCa } = await loadCa();
  const done = await HospitalCa.change(values.dir, (ca) => ca.revoke(target(arg, ca.index.certificates), values.reason as RevokeReason));
  if (values.json) printJson({ revoked: done.map((c) => ({ serial: c.serial, kind: c.kind, cn: c.cn, reason: c.revoked?.reason })), crl: join(values.dir, 'crl.pem') });
  else for (const c of done) process.stdout.write(`revoked ${c.kind} CN=${c.cn} serial ${c.serial} (${c.revoked?.reason}); CRL re-signed: ${join(values.dir, 'crl.pem')}\n`);
  return EXIT.OK;
}

async function crl(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, 'crl-days': { type: 'string' } });
  noPositionals(positionals);
  const { HospitalCa } = await loadCa();
  const c = await HospitalCa.change(values.dir, (ca) => ca.writeCrl(new Date(), days(values['crl-days'], ca.index.crlDays, '--crl-days')));
  if (values.json) printJson({ crl: join(values.dir, 'crl.pem'), thisUpdate: c.thisUpdate.toISOString(), nextUpdate: c.nextUpdate?.toISOString() ?? null, revoked: c.entries.length });
  else process.stdout.write(`CRL re-signed (${c.entries.length} revoked), next update ${c.nextUpdate?.toISOString()}: ${join(values.dir, 'crl.pem')}\n`);
  return EXIT.OK;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, COMMON);
  noPositionals(positionals);
  const { showCa } = await import('../lib/pki/show.ts');
  return showCa(values.dir, values.json ?? false);
}

async function brokerConfig(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, out: { type: 'string', short: 'o' }, bind: { type: 'string', default: '0.0.0.0' }, port: { type: 'string', default: '8883' }, force: { type: 'boolean' } });
  noPositionals(positionals);
  if (!values.out) throw new UsageError('--out DIR is required');
  if (!isIP(values.bind)) throw new UsageError('--bind must be an IP address');
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port) || port < 1 || port > 65535) throw new UsageError('--port must be 1..65535');
  const { writeBrokerConfig } = await import('../lib/broker-config.ts');
  const files = writeBrokerConfig(values.dir, resolve(values.out), { bind: values.bind, port, force: values.force ?? false });
  if (values.json) printJson({ dir: resolve(values.out), files });
  else process.stdout.write(`wrote ${files.join(', ')} in ${resolve(values.out)}\nrun: mosquitto -c ${join(resolve(values.out), 'mosquitto.conf')}\n`);
  return EXIT.OK;
}

const SUB: Record<string, (argv: string[]) => Promise<number>> = {
  init, 'issue-broker': issueBroker, 'issue-verifier': issueVerifier, 'sign-device': signDevice, revoke, crl, show,
  'broker-config': brokerConfig,
};

/** pki.none/exists/busy/ca and file errors are the environment (3); other pki.* and a device
 *  id refused in a CSR are rejects (1). */
export function pkiExit(e: unknown): number {
  const reason = reasonOf(e) ?? '';
  if (e instanceof UsageError || !(reason.startsWith('pki.') || reason.startsWith('tool.') || reason === 'device.id')) return exitFor(e, 'pki');
  process.stderr.write(`zw pki: ${(e as Error).message}\n`);
  return ['pki.none', 'pki.exists', 'pki.busy', 'pki.ca'].includes(reason) || reason.startsWith('tool.') ? EXIT.IO : EXIT.REJECT;
}

export const pkiCommand: Command = {
  name: 'pki',
  summary: 'the hospital CA: broker, verifier and device certificates, revocation, CRL',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const fn = sub ? SUB[sub] : undefined;
    if (!fn) throw new UsageError(sub ? `unknown subcommand ${JSON.stringify(sub)}` : `a subcommand is needed: ${Object.keys(SUB).join(', ')}`);
    try {
      return await fn(rest);
    } catch (e) {
      return pkiExit(e);
    }
  },
};
