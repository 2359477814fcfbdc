// Gateway file trees where the posture checks look (agent/posture/; zw-host reads them below its
// --root): the kernel's /proc/net socket tables in their own format, and a clean gateway —
// sshd and DHCP listening, root locked, no debug console, an SPDX SBOM — for the demo and tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

/** A /proc/net/{tcp,udp}[6] table (Documentation/networking/proc_net_tcp.rst) of
 *  [local, remote, state] rows, addresses as the kernel prints them. */
export function procNetTable(rows: readonly (readonly [string, string, string])[]): string {
  return HEAD + rows.map(([local, remote, st], i) =>
    `   ${i}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i} 1 0000000000000000 100 0 0 10 0\n`).join('');
}

/** Allowed listeners of the clean gateway (its `listen-allow` setting). */
export const CLEAN_ALLOW = 'tcp/22,udp/68';

export const CLEAN_GATEWAY: Readonly<Record<string, string>> = {
  'proc/net/tcp': procNetTable([['00000000:0016', '00000000:0000', '0A']]),
  'proc/net/udp': procNetTable([['00000000:0044', '00000000:0000', '07']]),
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/shadow': 'root:!:19000:0:99999:7:::\n',
  'proc/cmdline': 'console=ttyAMA0 quiet\n',
  'etc/inittab': '::sysinit:/etc/init.d/rcS\n# ttyAMA0::respawn:/sbin/getty -L 115200 ttyAMA0\n',
  'proc/self/mounts': 'proc /proc proc rw 0 0\n',
  'etc/zorgwacht/sbom.spdx.json': '{"spdxVersion":"SPDX-2.3","name":"gateway firmware 2.1.0"}\n',
};

/** Writes `files` (path below the root → text) and returns the root. */
export function writeTree(root: string, files: Readonly<Record<string, string>>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}
