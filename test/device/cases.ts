// The Device and Posture port contract (hardware/ports.ts): the same cases on the Node ports
// and as bytecode in zw-host. The device is provisioned as FIXTURE says and the posture root
// holds FIXTURE's files (made by device.test.ts before either side runs).
import type { Case } from '../contracts/harness.ts';
import { eq, eqBytes, throwsReason } from '../contracts/harness.ts';
import type { PostureSource } from '../../hardware/ports.ts';

const text = (s: string) => new TextEncoder().encode(s);

export const FIXTURE = {
  id: 'gw-contract-07',
  settings: { broker: '127.0.0.1:8883', hwmodel: 'Ward gateway X2' } as Record<string, string>,
  files: {
    'proc/net/tcp': '  sl  local_address rem_address   st\n   0: 00000000:0017 00000000:0000 0A\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
    'etc/os-release': '',
  } as Record<string, string>,
  /** A large SBOM (hashed, never read whole) and an oversized shadow file (refused). */
  sbomBytes: 300 * 1024,
  shadowBytes: 256 * 1024 + 1,
  /** etc/inittab is a symbolic link: the platform never follows one. */
  link: 'etc/inittab',
};

export const sbomContent = (): Uint8Array => new Uint8Array(FIXTURE.sbomBytes).map((_, i) => (i * 7) & 0xff);

export const deviceCases: Case[] = [
  { suite: 'Device', name: 'gives the provisioned device id', run: ({ device }) => {
    eq(device.id(), FIXTURE.id, 'id');
  } },
  { suite: 'Device', name: 'gives provisioned settings and null for the others', run: ({ device }) => {
    eq(device.setting('broker'), FIXTURE.settings.broker!, 'broker');
    eq(device.setting('hwmodel'), FIXTURE.settings.hwmodel!, 'hwmodel');
    eq(device.setting('oemid'), null, 'oemid');
    throwsReason(() => device.setting('' as 'broker'), 'input.range', 'empty name');
    throwsReason(() => device.setting('x'.repeat(33) as 'broker'), 'input.range', '33-byte name');
  } },
  { suite: 'Posture', name: 'reads a source byte for byte', run: ({ posture }) => {
    eqBytes(posture.read('tcp'), text(FIXTURE.files['proc/net/tcp']!), 'tcp');
    eqBytes(posture.read('passwd'), text(FIXTURE.files['etc/passwd']!), 'passwd');
    eqBytes(posture.read('os-release'), new Uint8Array(0), 'empty os-release');
  } },
  { suite: 'Posture', name: 'an absent source is null', run: ({ posture }) => {
    for (const s of ['udp6', 'sshd-config', 'cmdline', 'sbom-cyclonedx'] as PostureSource[]) {
      eq(posture.read(s), null, `read ${s}`);
      eq(posture.sha256(s), null, `sha256 ${s}`);
    }
  } },
  { suite: 'Posture', name: 'hashes a large source whole', run: ({ posture, crypto }) => {
    eqBytes(posture.sha256('sbom-spdx'), crypto.sha256(sbomContent()), 'sbom sha256');
    eqBytes(posture.sha256('passwd'), crypto.sha256(text(FIXTURE.files['etc/passwd']!)), 'passwd sha256');
  } },
  { suite: 'Posture', name: 'refuses a source over 256 KiB and never follows a link', run: ({ posture }) => {
    throwsReason(() => posture.read('shadow'), 'posture.size', 'oversized shadow');
    throwsReason(() => posture.read('inittab'), 'posture.read', 'symbolic link');
    throwsReason(() => posture.sha256('inittab'), 'posture.read', 'symbolic link (sha256)');
  } },
  { suite: 'Posture', name: 'names only known sources', run: ({ posture }) => {
    throwsReason(() => posture.read('../../etc/passwd' as PostureSource), 'input.range', 'a path');
    throwsReason(() => posture.sha256('shadow2' as PostureSource), 'input.range', 'unknown source');
  } },
];
