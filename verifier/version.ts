// MCUboot image versions as the profile writes them ("maj.min.rev+build", later parts
// optional) and their order: major, minor, revision, then build, each numerically.

export type Version = readonly [number, number, number, number];

const FORM = /^(\d{1,3})(?:\.(\d{1,3})(?:\.(\d{1,5})(?:\+(\d{1,10}))?)?)?$/;

/** The version's four numbers, or null when `s` is not in the form (or a part is too large). */
export function parseVersion(s: string): Version | null {
  const m = FORM.exec(s);
  if (!m) return null;
  const v = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as unknown as Version;
  return v[0] <= 255 && v[1] <= 255 && v[2] <= 65535 && v[3] <= 0xffffffff ? v : null;
}

/** Negative, zero or positive as a is below, equal to or above b. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
