// The posture claim (zw-posture, key -70004 of docs/eat-profile.md): what the gateway's posture
// checks found, as the profile's posture map, with key 7 the digest the device compares to
// notice a posture change. Lists are sets: sorted by their UTF-8 bytes, without repeats.
import { CborMap, compareBytes, encodeCbor } from '../../bootloader-verify/cbor.ts';
import { MAX_POSTURE_ENTRIES, MAX_TEXT } from './limits.ts';

export type SbomFormat = 'spdx' | 'cyclonedx';

export interface Posture {
  /** Listening sockets not on the allow-list, `proto/addr:port` (`tcp/0.0.0.0:23`). */
  readonly listening: readonly string[];
  /** Accounts with a known default or vendor password hash, or an empty password. */
  readonly defaultCredentials: readonly string[];
  /** Debug interfaces found enabled (`kgdb`, `serial-getty`, `ssh-root-login`, `debugfs`). */
  readonly debug: readonly string[];
  /** The accepted firmware slot's version, when one was accepted. */
  readonly firmwareVersion?: string;
  /** The SBOM file's SHA-256 (32 bytes) and format, when the gateway has one. */
  readonly sbom?: { readonly sha256: Uint8Array; readonly format: SbomFormat };
}

export const POSTURE_KEY = {
  listening: 1, defaultCredentials: 2, debug: 3, firmwareVersion: 4, sbom: 5, sbomFormat: 6, digest: 7,
} as const;

/** What stands in for the listening sockets beyond the 63 kept (profile: "then the last entry is …"). */
export const MORE = '\u2026';

const SBOM_FORMATS: readonly string[] = ['spdx', 'cyclonedx'];
const utf8 = new TextEncoder();

/** Length in UTF-8 bytes, or -1 when `s` is not a string. */
export function textBytes(s: unknown): number {
  return typeof s === 'string' ? utf8.encode(s).length : -1;
}

export function isText(s: unknown): s is string {
  const n = textBytes(s);
  return n >= 0 && n <= MAX_TEXT;
}

/** Sorted by UTF-8 bytes (= code point order), repeats dropped. */
function asSet(xs: readonly string[]): string[] {
  const sorted = xs.map((s) => ({ s, b: utf8.encode(s) })).sort((x, y) => compareBytes(x.b, y.b));
  return sorted.filter((e, i) => i === 0 || compareBytes(e.b, sorted[i - 1]!.b) !== 0).map((e) => e.s);
}

/** The problem with `p`, or null when it fits the profile. `listening` may be longer than the
 *  bound: the map keeps 63 entries and `…`. */
export function postureProblem(p: Posture): string | null {
  const lists: [string, readonly string[], number][] = [
    ['listening', p.listening, Infinity], ['defaultCredentials', p.defaultCredentials, MAX_POSTURE_ENTRIES], ['debug', p.debug, MAX_POSTURE_ENTRIES],
  ];
  for (const [name, xs, max] of lists) {
    if (!Array.isArray(xs)) return `posture.${name} is not an array`;
    if (!xs.every(isText)) return `posture.${name} holds a value that is not text of at most ${MAX_TEXT} bytes`;
    if (asSet(xs).length > max) return `posture.${name} has more than ${max} distinct entries`;
  }
  if (p.firmwareVersion !== undefined && !isText(p.firmwareVersion)) return `posture.firmwareVersion is not text of at most ${MAX_TEXT} bytes`;
  if (p.sbom !== undefined) {
    if (typeof p.sbom !== 'object' || p.sbom === null) return 'posture.sbom is not an object';
    if (!(p.sbom.sha256 instanceof Uint8Array) || p.sbom.sha256.length !== 32) return 'posture.sbom.sha256 is not 32 bytes';
    if (!SBOM_FORMATS.includes(p.sbom.format)) return `posture.sbom.format is not one of ${SBOM_FORMATS.join(', ')}`;
  }
  return null;
}

function listening(xs: readonly string[]): string[] {
  const all = asSet(xs);
  return all.length <= MAX_POSTURE_ENTRIES ? all : [...all.slice(0, MAX_POSTURE_ENTRIES - 1), MORE];
}

/** The posture map of a posture `postureProblem` accepted: keys 1..6, then key 7 = SHA-256 over
 *  the deterministic CBOR of the map of keys 1..6. */
export function postureMap(p: Posture, sha256: (data: Uint8Array) => Uint8Array): CborMap {
  const m = new CborMap([
    [POSTURE_KEY.listening, listening(p.listening)],
    [POSTURE_KEY.defaultCredentials, asSet(p.defaultCredentials)],
    [POSTURE_KEY.debug, asSet(p.debug)],
  ]);
  if (p.firmwareVersion !== undefined) m.set(POSTURE_KEY.firmwareVersion, p.firmwareVersion);
  if (p.sbom !== undefined) {
    m.set(POSTURE_KEY.sbom, p.sbom.sha256.slice());
    m.set(POSTURE_KEY.sbomFormat, p.sbom.format);
  }
  m.set(POSTURE_KEY.digest, sha256(encodeCbor(m)));
  return m;
}

/** dbgstat (RFC 9711 §4.2.9): 0 enabled when any debug interface is, else 1 disabled. */
export function debugStatus(p: Posture): 0 | 1 {
  return p.debug.length > 0 ? 0 : 1;
}
