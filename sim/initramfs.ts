// The simulated gateway's boot image: Debian's arm64 kernel (used as unpacked by
// sim/fetch-guest.sh) and an initramfs (cpio newc, gzip) holding busybox, the virtio modules in
// dependency order, our init (sim/guest/init), the udhcpc script and both static aarch64 hosts.
// Rebuilt only when an input changes: the SHA-256 over every input's bytes names the image.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../scripts/lib/host.ts';
import { cpioNewc, type Entry } from './cpio.ts';
import { debVersion, spdxSbom } from './sbom.ts';

/** What the init loads, dependencies first (each module's own `depends=` is added before it). */
export const WANTED_MODULES = ['virtio_mmio', 'virtio_net', 'virtio_blk', 'virtio-rng'] as const;

export interface Guest {
  readonly kernelPackage: string;
  readonly kernelRelease: string;
  readonly vmlinuz: string;
  readonly modules: string;
  readonly busybox: string;
}

export interface BootImage {
  readonly kernel: string;
  readonly initramfs: string;
  readonly hash: string;
  readonly built: boolean;
  readonly modules: readonly string[];
  readonly bytes: number;
}

export class SimSetupError extends Error {}

/** The guest packages sim/fetch-guest.sh unpacked (build/cache/sim/guest.env). */
export function readGuest(): Guest {
  const file = join(ROOT, 'build/cache/sim/guest.env');
  if (!existsSync(file)) throw new SimSetupError(`${file} is missing: run npm run setup (sim/fetch-guest.sh) first`);
  const env = Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const at = (k: string): string => {
    if (!env[k]) throw new SimSetupError(`${file} has no ${k}`);
    return env[k].startsWith('/') ? env[k] : join(ROOT, env[k]);
  };
  return { kernelPackage: env.KERNEL_PACKAGE ?? '', kernelRelease: env.KERNEL_RELEASE ?? '', vmlinuz: at('VMLINUZ'), modules: at('MODULES'), busybox: at('BUSYBOX') };
}

function moduleFiles(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) moduleFiles(join(dir, e.name), out);
    else if (e.name.endsWith('.ko')) out.set(e.name.slice(0, -3).replace(/-/g, '_'), join(dir, e.name));
  }
  return out;
}

/** The `depends=` field of a module's .modinfo section ("key=value\0" strings). */
function dependsOf(ko: Uint8Array): string[] {
  const text = Buffer.from(ko).toString('latin1');
  const at = text.indexOf('\0depends=');
  if (at < 0) return [];
  const value = text.slice(at + 9, text.indexOf('\0', at + 9));
  return value ? value.split(',') : [];
}

/** The wanted modules and what they depend on, each after its dependencies. */
export function moduleOrder(modulesDir: string): { name: string; file: string }[] {
  const files = moduleFiles(join(modulesDir, 'kernel'));
  const order: { name: string; file: string }[] = [];
  const visit = (name: string, chain: string[]): void => {
    const key = name.replace(/-/g, '_');
    if (order.some((m) => m.name.replace(/-/g, '_') === key)) return;
    if (chain.includes(key)) throw new SimSetupError(`module dependency cycle: ${[...chain, key].join(' → ')}`);
    const file = files.get(key);
    if (!file) throw new SimSetupError(`kernel module ${name} is not in ${modulesDir}`);
    for (const d of dependsOf(readFileSync(file))) visit(d, [...chain, key]);
    order.push({ name, file });
  };
  for (const m of WANTED_MODULES) visit(m, []);
  return order;
}

function hostFile(kind: 'zw-host' | 'zw-host-dev'): string {
  const f = join(ROOT, 'build/native/aarch64', kind);
  if (!existsSync(f)) throw new SimSetupError(`${f} is missing: run npm run build`);
  return f;
}

/** The image's SPDX SBOM (sim/sbom.ts): the Debian packages and the project's hosts. */
function sbomOf(guest: Guest): Uint8Array {
  const cache = join(ROOT, 'build/cache/sim');
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const part = (name: string, v: string, supplier: string, file: string) => ({ name, version: v, supplier, file, data: readFileSync(file) });
  return spdxSbom('zorgwacht-sim-gateway', [
    part(guest.kernelPackage, debVersion(cache, guest.kernelPackage), 'Organization: Debian', guest.vmlinuz),
    part('busybox-static', debVersion(cache, 'busybox-static'), 'Organization: Debian', guest.busybox),
    part('zw-host', version, 'Organization: Zorgwacht', hostFile('zw-host')),
    part('zw-host-dev', version, 'Organization: Zorgwacht', hostFile('zw-host-dev')),
  ]);
}

function entries(guest: Guest): { list: Entry[]; modules: string[] } {
  const dirs = ['bin', 'dev', 'etc', 'etc/zorgwacht', 'lib', 'lib/modules', 'proc', 'sys', 'run', 'tmp', 'root'];
  const list: Entry[] = dirs.map((path) => ({ kind: 'dir', path }));
  list.push({ kind: 'char', path: 'dev/console', major: 5, minor: 1 });
  list.push({ kind: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 });
  const file = (path: string, src: string, mode = 0o755): Entry => ({ kind: 'file', path, data: readFileSync(src), mode });
  list.push(file('bin/busybox', guest.busybox), { kind: 'symlink', path: 'bin/sh', target: 'busybox' });
  list.push(file('init', join(ROOT, 'sim/guest/init')), file('etc/udhcpc.script', join(ROOT, 'sim/guest/udhcpc.script')));
  list.push(file('bin/zw-down', join(ROOT, 'sim/guest/zw-down')));
  list.push(file('bin/zw-host', hostFile('zw-host')), file('bin/zw-host-dev', hostFile('zw-host-dev')));
  const order = moduleOrder(guest.modules);
  for (const m of order) list.push(file(`lib/modules/${m.name}.ko`, m.file, 0o644));
  list.push({ kind: 'file', path: 'lib/modules/order', data: new TextEncoder().encode(order.map((m) => m.name).join('\n') + '\n') });
  list.push({ kind: 'file', path: 'etc/zorgwacht/sbom.spdx.json', data: sbomOf(guest), mode: 0o644 });
  return { list, modules: order.map((m) => m.name) };
}

function hashOf(list: readonly Entry[], guest: Guest): string {
  const h = createHash('sha256').update(`zw-sim-initramfs v1\0${guest.kernelPackage}\0`);
  for (const e of list) {
    h.update(`${e.kind}\0${e.path}\0`);
    if (e.kind === 'file') h.update(e.data);
    if (e.kind === 'symlink') h.update(e.target);
  }
  return h.digest('hex');
}

/** The kernel and an initramfs for today's inputs, built (atomically) only when they changed. */
export function bootImage(): BootImage {
  const guest = readGuest();
  const { list, modules } = entries(guest);
  const hash = hashOf(list, guest);
  const dir = join(ROOT, 'build/sim/image');
  const initramfs = join(dir, `initramfs-${hash.slice(0, 16)}.cpio.gz`);
  if (existsSync(initramfs)) return { kernel: guest.vmlinuz, initramfs, hash, built: false, modules, bytes: readFileSync(initramfs).length };
  mkdirSync(dir, { recursive: true });
  const gz = gzipSync(cpioNewc(list), { level: 6 });
  const tmp = `${initramfs}.${process.pid}.tmp`;
  writeFileSync(tmp, gz);
  renameSync(tmp, initramfs);
  // Older images are no longer needed: a running QEMU has its copy in memory.
  for (const f of readdirSync(dir)) if (/^initramfs-[0-9a-f]{16}\.cpio\.gz$/.test(f) && join(dir, f) !== initramfs) rmSync(join(dir, f), { force: true });
  return { kernel: guest.vmlinuz, initramfs, hash, built: true, modules, bytes: gz.length };
}
