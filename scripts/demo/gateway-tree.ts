// The files a clean demo gateway has where the posture checks look (the agent reads them below
// zw-host's --root): sshd and DHCP listening, root locked, no debug console, an SPDX SBOM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (local: string, st: string) => `   0: ${local} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 100 1\n`;

const FILES: Record<string, string> = {
  'proc/net/tcp': HEAD + row('00000000:0016', '0A'),
  'proc/net/udp': HEAD + row('00000000:0044', '07'),
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/shadow': 'root:!:20000:0:99999:7:::\n',
  'proc/cmdline': 'console=ttyAMA0 quiet\n',
  'etc/inittab': '::sysinit:/etc/init.d/rcS\n',
  'proc/self/mounts': 'proc /proc proc rw 0 0\n',
  'etc/zorgwacht/sbom.spdx.json': '{"spdxVersion":"SPDX-2.3","name":"gw-demo firmware 2.1.0"}\n',
};

export function writeGatewayTree(root: string): string {
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}
