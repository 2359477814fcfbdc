// The device settings `zw provision --set` writes into `secure` and the agent reads through the
// Device port (hardware/secure-format.md SETTING). One checker for both sides: provisioning
// refuses a value the agent could not use, and the agent refuses what provisioning never wrote.
import { MAX_SETTING, SETTING_NAMES, type SettingName } from '../hardware/secure-format.ts';

export interface BrokerAddress { readonly host: string; readonly port: number }
export interface Listener { readonly proto: 'tcp' | 'udp'; readonly port: number }

export type Checked<T> = { ok: true; value: T } | { ok: false; detail: string };

const fail = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

function port(s: string): number | null {
  const n = /^\d{1,5}$/.test(s) ? Number(s) : NaN;
  return n >= 1 && n <= 65535 ? n : null;
}

function ipv4(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255);
}

/** RFC 4291 §2.2 text forms (one `::` at most, 8 groups otherwise; no embedded IPv4 needed). */
function ipv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)))) return false;
  const n = groups.reduce((a, g) => a + g.length, 0);
  return halves.length === 2 ? n <= 7 : n === 8;
}

/** `IPv4:port` or `[IPv6]:port`: the gateway resolves no names (DESIGN.md §Contracts). */
export function parseBroker(text: string): Checked<BrokerAddress> {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([^:]+)$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const p = m ? port(m[3]!) : null;
  if (!host || p === null || !(m![1] ? ipv6(host) : ipv4(host))) {
    return fail(`${JSON.stringify(text)} is not IPv4:port or [IPv6]:port with a port 1..65535`);
  }
  return { ok: true, value: { host, port: p } };
}

/** `tcp/22,udp/68` (or empty: nothing is expected to listen). */
export function parseListenAllow(text: string): Checked<Listener[]> {
  const out: Listener[] = [];
  for (const item of text === '' ? [] : text.split(',')) {
    const m = /^(tcp|udp)\/(\d+)$/.exec(item.trim());
    const p = m ? port(m[2]!) : null;
    if (!m || p === null) return fail(`${JSON.stringify(item)} is not tcp/PORT or udp/PORT`);
    out.push({ proto: m[1] as 'tcp' | 'udp', port: p });
  }
  return { ok: true, value: out };
}

export function checkSetting(name: string, value: string): Checked<string> {
  if (!(SETTING_NAMES as readonly string[]).includes(name)) return fail(`unknown setting ${JSON.stringify(name)} (${SETTING_NAMES.join(', ')})`);
  if (new TextEncoder().encode(value).length > MAX_SETTING) return fail(`${name} is over ${MAX_SETTING} bytes`);
  const checks: Record<SettingName, (v: string) => Checked<unknown>> = {
    broker: parseBroker,
    'listen-allow': parseListenAllow,
    oemid: (v) => (/^[0-9a-f]{6}$/.test(v) ? { ok: true, value: v } : fail('oemid is an IEEE OUI: 6 lowercase hex digits')),
    hwmodel: (v) => (/^[\x20-\x7e]{1,32}$/.test(v) ? { ok: true, value: v } : fail('hwmodel is 1..32 printable ASCII characters')),
  };
  const r = checks[name as SettingName](value);
  return r.ok ? { ok: true, value } : r;
}
