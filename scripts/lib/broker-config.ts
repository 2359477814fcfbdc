// The hospital broker's configuration from a zw pki directory: DESIGN.md §"Broker recipe" as
// files a Mosquitto can run from (the same recipe the tests start, scripts/lib/broker.ts).
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZwError } from '../../hardware/errors.ts';
import { ACL, mosquittoConfig } from './broker.ts';

const PEMS: [from: string, to: string, mode: number][] = [
  ['ca.pem', 'ca.pem', 0o644], ['broker.pem', 'broker.pem', 0o644], ['broker.key.pem', 'broker.key.pem', 0o600], ['crl.pem', 'crl.pem', 0o644],
];

export function writeBrokerConfig(pkiDir: string, out: string, o: { bind: string; port: number; force: boolean }): string[] {
  for (const [from] of PEMS) {
    if (!existsSync(join(pkiDir, from))) throw new ZwError('pki.none', `${join(pkiDir, from)} is missing (zw pki init, zw pki issue-broker)`);
  }
  const conf = join(out, 'mosquitto.conf');
  if (existsSync(conf) && !o.force) throw new ZwError('pki.exists', `${conf} exists (--force to replace)`);
  mkdirSync(join(out, 'data'), { recursive: true });
  for (const [from, to, mode] of PEMS) {
    copyFileSync(join(pkiDir, from), join(out, to));
    chmodSync(join(out, to), mode);
  }
  writeFileSync(join(out, 'acl'), ACL);
  writeFileSync(conf, mosquittoConfig(out, o.port, o.bind));
  return ['mosquitto.conf', 'acl', ...PEMS.map(([, to]) => to), 'data/'];
}
