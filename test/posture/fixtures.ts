// Gateway file trees for the posture checks: a careless gateway (every finding the profile
// knows) and a clean one; written below a root directory that the Posture port reads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const TCP_HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (i: number, local: string, remote: string, st: string) =>
  `   ${i}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i} 1 0000000000000000 100 0 0 10 0\n`;
const Z6 = '0'.repeat(32);

export const CARELESS: Record<string, string> = {
  'proc/net/tcp': TCP_HEAD + row(0, '00000000:0016', '00000000:0000', '0A') + row(1, '0100007F:0CEA', '00000000:0000', '0A')
    + row(2, '0F02000A:0016', '0202000A:C350', '01'),
  'proc/net/tcp6': TCP_HEAD + row(0, `${Z6}:0017`, `${Z6}:0000`, '0A') + row(1, '00000000000000000000000001000000:1F90', `${Z6}:0000`, '0A'),
  'proc/net/udp': TCP_HEAD + row(0, '00000000:0044', '00000000:0000', '07') + row(1, '00000000:00A1', '00000000:0000', '07')
    + row(2, '0F02000A:E1F0', '0302000A:0035', '01'),
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nsvc:!:999:999::/:/bin/false\nold::1001:1001::/home/old:/bin/sh\n',
  'etc/shadow': 'root:$6$zwfactory$3HZ0ejYCk.uOCd2l8GjUQcX51Brc./aNMN5LjnZtziFuQVBgzTv8qZIzvGCnaT33xvvcluUbUHiafPQ.hHaKh/:19000:0:99999:7:::\n'
    + 'daemon:*:19000:0:99999:7:::\nguest::19000:0:99999:7:::\nalice:$6$saltsalt$notadefault:19000:0:99999:7:::\n'
    + 'admin:$1$zwdemo$1rmSMYqfABx/2PlTcHyog/:19000:0:99999:7:::\n',
  'proc/cmdline': 'console=ttyAMA0 kgdboc=ttyAMA0,115200 quiet\n',
  'etc/inittab': '::sysinit:/etc/init.d/rcS\nttyAMA0::respawn:/sbin/getty -L 115200 ttyAMA0 vt100\n',
  'etc/ssh/sshd_config': '# PermitRootLogin no\nPermitRootLogin yes\nPermitRootLogin no\n',
  'proc/self/mounts': 'proc /proc proc rw 0 0\ndebugfs /sys/kernel/debug debugfs rw,relatime 0 0\n',
  'etc/zorgwacht/sbom.cdx.json': '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}\n',
};

export const CARELESS_EXPECTED = {
  listening: ['tcp/127.0.0.1:3306', 'tcp/[::]:23', 'tcp/[::1]:8080', 'udp/0.0.0.0:161'],
  defaultCredentials: ['root', 'old', 'guest', 'admin'],
  debug: ['kgdb', 'serial-getty', 'ssh-root-login', 'debugfs'],
};

export const CLEAN: Record<string, string> = {
  'proc/net/tcp': TCP_HEAD + row(0, '00000000:0016', '00000000:0000', '0A'),
  'proc/net/udp': TCP_HEAD + row(0, '00000000:0044', '00000000:0000', '07'),
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/shadow': 'root:!:19000:0:99999:7:::\n',
  'proc/cmdline': 'console=ttyAMA0 quiet\n',
  'etc/inittab': '::sysinit:/etc/init.d/rcS\n# ttyAMA0::respawn:/sbin/getty -L 115200 ttyAMA0\n',
  'proc/self/mounts': 'proc /proc proc rw 0 0\n',
  'etc/zorgwacht/sbom.spdx.json': '{"spdxVersion":"SPDX-2.3"}\n',
};

export const ALLOW = 'tcp/22,udp/68';

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}
