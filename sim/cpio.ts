// A cpio archive in the "newc" format the Linux kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Written here rather than with
// cpio(1) so the archive is byte-for-byte reproducible (fixed owner, times and inode numbers)
// and can hold /dev/console without root.

export type Entry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'char'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = 'TRAILER!!!';
const enc = new TextEncoder();

const hex8 = (n: number): string => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio: field ${n} does not fit 8 hex digits`);
  return n.toString(16).padStart(8, '0');
};

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

interface Raw {
  readonly name: string;
  readonly mode: number;
  readonly data: Uint8Array;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

function raw(e: Entry): Raw {
  const name = e.path.replace(/^\/+/, '');
  if (name.length === 0 || name.split('/').includes('..')) throw new RangeError(`cpio: bad path ${JSON.stringify(e.path)}`);
  switch (e.kind) {
    case 'dir':
      return { name, mode: S_IFDIR | (e.mode ?? 0o755), data: new Uint8Array(0), rdevMajor: 0, rdevMinor: 0 };
    case 'file':
      return { name, mode: S_IFREG | (e.mode ?? 0o644), data: e.data, rdevMajor: 0, rdevMinor: 0 };
    case 'symlink':
      return { name, mode: S_IFLNK | 0o777, data: enc.encode(e.target), rdevMajor: 0, rdevMinor: 0 };
    case 'char':
      return { name, mode: S_IFCHR | (e.mode ?? 0o600), data: new Uint8Array(0), rdevMajor: e.major, rdevMinor: e.minor };
  }
}

/** One header, name and data, each padded to 4 bytes as newc requires. */
function member(r: Raw, ino: number): Uint8Array[] {
  const name = enc.encode(r.name + '\0');
  const nlink = (r.mode & 0o170000) === S_IFDIR ? 2 : 1;
  const fields = [ino, r.mode, 0, 0, nlink, 0, r.data.length, 0, 0, r.rdevMajor, r.rdevMinor, name.length, 0];
  const header = enc.encode('070701' + fields.map(hex8).join(''));
  return [header, name, new Uint8Array(pad4(header.length + name.length)), r.data, new Uint8Array(pad4(r.data.length))];
}

/** The archive of `entries` in the order given (parents before children), then the trailer. */
export function cpioNewc(entries: readonly Entry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  entries.forEach((e, i) => parts.push(...member(raw(e), i + 1)));
  parts.push(...member({ name: TRAILER, mode: 0, data: new Uint8Array(0), rdevMajor: 0, rdevMinor: 0 }, 0));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
