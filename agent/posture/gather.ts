// Gathers the gateway's posture (docs/eat-profile.md, posture map) through the Posture port:
// listening sockets outside the provisioned allow-list, accounts with default or empty
// passwords, enabled debug interfaces, the accepted firmware's version and the SBOM's digest.
// A source that cannot be read is logged and counts as absent; gathering never throws.
import { reasonOf } from '../../hardware/errors.ts';
import type { Ports, PostureSource } from '../../hardware/ports.ts';
import type { Posture } from '../attest/posture.ts';
import { parseListenAllow } from '../settings.ts';
import type { MeasurementRecord } from '../start.ts';
import { defaultCredentials } from './credentials.ts';
import { debugInterfaces } from './debug.ts';
import { parseSockets, unexpected, type Socket } from './sockets.ts';

export type PosturePorts = Pick<Ports, 'posture' | 'device' | 'crypto' | 'log'>;

function text(p: PosturePorts, source: PostureSource): string | null {
  try {
    const b = p.posture.read(source);
    return b === null ? null : new TextDecoder().decode(b);
  } catch (e) {
    p.log.log('warn', reasonOf(e) ?? 'posture.read', { source, detail: String(e) });
    return null;
  }
}

function sbom(p: PosturePorts): Posture['sbom'] {
  for (const [source, format] of [['sbom-spdx', 'spdx'], ['sbom-cyclonedx', 'cyclonedx']] as const) {
    try {
      const d = p.posture.sha256(source);
      if (d) return { sha256: d, format };
    } catch (e) {
      p.log.log('warn', reasonOf(e) ?? 'posture.read', { source, detail: String(e) });
    }
  }
  return undefined;
}

function listening(p: PosturePorts): string[] {
  const allow = parseListenAllow(p.device.setting('listen-allow') ?? '');
  if (!allow.ok) p.log.log('warn', 'setting.value', { setting: 'listen-allow', detail: allow.detail });
  const sockets: Socket[] = [];
  for (const [source, proto] of [['tcp', 'tcp'], ['tcp6', 'tcp'], ['udp', 'udp'], ['udp6', 'udp']] as const) {
    sockets.push(...parseSockets(text(p, source) ?? '', proto));
  }
  return unexpected(sockets, allow.ok ? allow.value : []);
}

export function gatherPosture(p: PosturePorts, measurements: readonly MeasurementRecord[]): Posture {
  const firmware = measurements.find((m) => m.type === 'firmware' && m.status === 'accepted');
  const s = sbom(p);
  return {
    listening: listening(p),
    defaultCredentials: defaultCredentials(text(p, 'passwd'), text(p, 'shadow'), (d) => p.crypto.sha256(d)),
    debug: debugInterfaces({ cmdline: text(p, 'cmdline'), inittab: text(p, 'inittab'), sshdConfig: text(p, 'sshd-config'), mounts: text(p, 'mounts') }),
    ...(firmware?.version ? { firmwareVersion: firmware.version } : {}),
    ...(s ? { sbom: s } : {}),
  };
}
