// The Device and Posture ports for Node: the DEVICE_ID and SETTING entries of `secure`
// (hardware/secure-format.md), and the posture sources read below a root directory (the
// gateway's `/`, or fixtures in tests) — the same names and paths as zw-host's hw_device.c.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ZwError } from '../errors.ts';
import type { Device, Posture, PostureSource } from '../ports.ts';
import { ENTRY, entryText, type SettingName } from '../secure-format.ts';
import type { SecureState } from './keys.ts';

export const MAX_POSTURE_READ = 256 * 1024;

const PATHS: Record<PostureSource, string> = {
  tcp: 'proc/net/tcp', tcp6: 'proc/net/tcp6', udp: 'proc/net/udp', udp6: 'proc/net/udp6',
  passwd: 'etc/passwd', shadow: 'etc/shadow', cmdline: 'proc/cmdline', inittab: 'etc/inittab',
  'sshd-config': 'etc/ssh/sshd_config', mounts: 'proc/self/mounts', 'os-release': 'etc/os-release',
  'sbom-spdx': 'etc/zorgwacht/sbom.spdx.json', 'sbom-cyclonedx': 'etc/zorgwacht/sbom.cdx.json',
};

export class NodeDevice implements Device {
  constructor(private readonly state: SecureState) {}

  id(): string {
    if (!this.state.snapshot) throw new ZwError('secure.empty', 'the secure partition holds no valid record: the device is not provisioned');
    const e = this.state.find(ENTRY.DEVICE_ID);
    if (!e) throw new ZwError('secure.corrupt', 'secure holds no device id');
    return new TextDecoder().decode(e.value);
  }

  setting(name: SettingName): string | null {
    if (typeof name !== 'string' || name.length < 1 || name.length > 32) {
      throw new ZwError('input.range', `"name" expected 1..32 bytes, got ${JSON.stringify(name)}`);
    }
    const e = this.state.find(ENTRY.SETTING, name);
    return e ? entryText(e) : null;
  }
}

/** Reads the file in chunks through `each`; false when it does not exist. */
function readChunks(path: string, each: (chunk: Uint8Array) => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new ZwError('posture.read', `cannot open ${path}: ${code}`);
  }
  try {
    const buf = new Uint8Array(65536);
    for (let n; (n = readSync(fd, buf)) > 0;) each(buf.subarray(0, n));
    return true;
  } finally {
    closeSync(fd);
  }
}

export class NodePosture implements Posture {
  constructor(private readonly root = '/') {}

  #path(source: PostureSource): string {
    const rel = Object.hasOwn(PATHS, source) ? PATHS[source] : undefined;
    if (!rel) throw new ZwError('input.range', `"source" expected one of ${Object.keys(PATHS).join('|')}, got ${String(source)}`);
    return join(this.root, rel);
  }

  read(source: PostureSource): Uint8Array | null {
    const path = this.#path(source);
    const parts: Uint8Array[] = [];
    let len = 0;
    const found = readChunks(path, (c) => {
      len += c.length;
      if (len > MAX_POSTURE_READ) throw new ZwError('posture.size', `${PATHS[source]} is over ${MAX_POSTURE_READ} bytes`);
      parts.push(c.slice());
    });
    if (!found) return null;
    const out = new Uint8Array(len);
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  }

  sha256(source: PostureSource): Uint8Array | null {
    const h = createHash('sha256');
    return readChunks(this.#path(source), (c) => h.update(c)) ? new Uint8Array(h.digest()) : null;
  }
}
