// Listening sockets from the kernel's /proc/net/{tcp,tcp6,udp,udp6} tables (Linux
// Documentation/networking/proc_net_tcp.rst): `sl local_address rem_address st …`, addresses as
// hex words in the host's byte order (the gateway's aarch64 and x86-64 are little-endian), ports
// as big hex numbers. TCP sockets in LISTEN (0x0A) and UDP sockets bound without a peer
// (state 0x07, remote port 0) are what answers from the network.
import type { Listener } from '../settings.ts';

export interface Socket { readonly proto: 'tcp' | 'udp'; readonly addr: string; readonly port: number }

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/** One 32-bit word as the kernel printed it (%08X of a little-endian u32) → 4 bytes in order. */
function word(hex: string): number[] {
  const v = parseInt(hex, 16);
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** RFC 5952 text: lowercase, the longest run (2+) of zero groups as `::`. */
function ipv6Text(bytes: number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j > i ? j : i + 1;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

function address(hex: string): string | null {
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) return word(hex).join('.');
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...word(hex.slice(i, i + 8)));
  return `[${ipv6Text(bytes)}]`;
}

/** The listening sockets of one table; lines that do not parse are skipped. */
export function parseSockets(table: string, proto: 'tcp' | 'udp'): Socket[] {
  const out: Socket[] = [];
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [local, remote, st] = [f[1] ?? '', f[2] ?? '', f[3] ?? ''];
    const [lAddr, lPort] = local.split(':');
    const rPort = remote.split(':')[1];
    const listening = proto === 'tcp' ? st === TCP_LISTEN : st === UDP_UNCONNECTED && rPort !== undefined && parseInt(rPort, 16) === 0;
    const addr = lAddr ? address(lAddr) : null;
    if (!listening || addr === null || !lPort || !/^[0-9A-Fa-f]{4}$/.test(lPort)) continue;
    out.push({ proto, addr, port: parseInt(lPort, 16) });
  }
  return out;
}

/** `proto/addr:port` of every socket whose protocol and port are not on the allow-list. */
export function unexpected(sockets: readonly Socket[], allow: readonly Listener[]): string[] {
  return sockets
    .filter((s) => !allow.some((a) => a.proto === s.proto && a.port === s.port))
    .map((s) => `${s.proto}/${s.addr}:${s.port}`);
}
