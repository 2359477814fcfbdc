// Gateway file trees for the posture checks: a careless gateway (every finding the profile
// knows; the clean one is scripts/lib/gateway-tree.ts); written below a root directory that the Posture port reads.
import { procNetTable } from '../../scripts/lib/gateway-tree.ts';

const Z4 = '00000000:0000';
const Z6 = `${'0'.repeat(32)}:0000`;

export const CARELESS: Record<string, string> = {
  'proc/net/tcp': procNetTable([['00000000:0016', Z4, '0A'], ['0100007F:0CEA', Z4, '0A'], ['0F02000A:0016', '0202000A:C350', '01']]),
  'proc/net/tcp6': procNetTable([[`${'0'.repeat(32)}:0017`, Z6, '0A'], ['00000000000000000000000001000000:1F90', Z6, '0A']]),
  'proc/net/udp': procNetTable([['00000000:0044', Z4, '07'], ['00000000:00A1', Z4, '07'], ['0F02000A:E1F0', '0302000A:0035', '01']]),
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
