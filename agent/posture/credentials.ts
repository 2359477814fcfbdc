// Accounts that anyone could log in to: an empty password field, or a password hash that is on
// the shipped list of known default and vendor hashes (known-hashes.ts). Read from /etc/shadow,
// or from /etc/passwd's second field where there is no shadow file (shadow(5), passwd(5)).
// Only account names leave this module — never a password or a hash.
import { hex } from '../../bootloader-verify/trust.ts';
import { KNOWN_DEFAULT_HASHES } from './known-hashes.ts';

/** name → the password field, for every line with at least two fields. */
function fields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 2 && f[0]) m.set(f[0], f[1]!);
  }
  return m;
}

/** Names of accounts with an empty or known default password. `x` in passwd defers to shadow;
 *  `*` and `!…` are locked accounts (no password login). */
export function defaultCredentials(passwd: string | null, shadow: string | null, sha256: (d: Uint8Array) => Uint8Array): string[] {
  const entries = fields(passwd ?? '');
  for (const [name, field] of fields(shadow ?? '')) entries.set(name, field);
  const out: string[] = [];
  for (const [name, field] of entries) {
    if (field === 'x' || field.startsWith('*') || field.startsWith('!')) continue;
    if (field === '' || KNOWN_DEFAULT_HASHES.has(hex(sha256(new TextEncoder().encode(field))))) out.push(name);
  }
  return out;
}
