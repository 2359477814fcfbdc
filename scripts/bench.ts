// npm run bench: figures and ratios against baselines measured in the same run (issue
// "Benchmarks"): SHA-256 of 16 MiB through hw vs `openssl dgst`, noble SHA-256 in QuickJS,
// Ed25519 verify through hw vs noble in QuickJS vs OpenSSL, the store (commits, recovery,
// compaction) in zw-host vs the Node implementation, binary sizes, peak RSS, and the transport
// (scripts/bench/transport.ts: MQTT handshake, QoS 1 report throughput, reconnect storm), and
// attestation tokens per second (scripts/bench/attest-token.ts). `--only transport` or
// `--only attest-token` (node --import tsx scripts/bench.ts --only transport [--write]) runs one
// section; its --write replaces that section's rows in BENCHMARKS.md and keeps the others.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, statSync, writeFileSync, closeSync, writeSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { partitionSpec } from '../hardware/layout.ts';
import { createBlankDevice } from '../hardware/node/device-file.ts';
import { makeNodeLog, nodePlatform, type NodePlatform } from '../hardware/node/platform.ts';
import { benchCommits, benchCompact, benchOpen, fillRecords, VALUE_BYTES } from './bench/store-workload.ts';
import { benchTransport } from './bench/transport.ts';
import { benchAttestToken } from './bench/attest-token.ts';
import { benchVerifierSection } from './bench/verifier.ts';
import { benchSim } from './bench/sim.ts';
import { ARCHES, buildBytecode, hostBinary, hostCommand, ROOT, runBytecode, type Arch } from './lib/host.ts';
import { signImage } from './lib/imgtool/sign.ts';
import { provision } from './lib/provision.ts';

const MiB = 1024 * 1024;
const IMAGE = 16 * MiB;

function bench(bc: string, arch: Arch, flash: string | undefined, args: string[]): Record<string, number | string | boolean> {
  const r = runBytecode(bc, { arch, ...(flash ? { flash } : {}), args, hostArgs: ['--watchdog-ms', '600000'] });
  const l = r.stdout.split('\n').find((x) => x.startsWith('ZW-BENCH '));
  if (r.status !== 0 || !l) throw new Error(`benchmark ${args.join(' ')} on ${arch} failed: ${r.stderr}`);
  return JSON.parse(l.slice(9));
}

function bestOf(n: number, f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

/** Peak RSS (KiB) of a command, by GNU time (its own fork is small, so it does not mask the
 *  child's figure the way a fork of python or node would). */
function peakRssKiB(cmd: string, args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', 'ZW-MAXRSS %M', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peak RSS run failed: ${r.stderr}`);
  return Number(/ZW-MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN);
}

/** Verify a 16 MiB Ed25519-signed image from slot-a in zw-host vs openssl dgst + pkeyutl. */
function benchImageVerify(dir: string, bc: string, row: (w: string, f: string, n?: string) => void): boolean {
  const keyPem = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pem');
  const spki = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.der');
  const image = signImage(randomBytes(IMAGE - 512), { key: readFileSync(keyPem), headerSize: 32, padHeader: true, version: '1.0.0', securityCounter: 1 });
  const flash = join(dir, 'verify.flash');
  createBlankDevice(flash);
  const fd = openSync(flash, 'r+');
  writeSync(fd, image, 0, image.length, partitionSpec('slot-a')!.offset);
  closeSync(fd);
  // The baseline: the same two steps with OpenSSL's tools on the same bytes.
  const hashed = image.subarray(0, image.length - (4 + 36 + 36 + 68));
  writeFileSync(join(dir, 'hashed.bin'), hashed);
  const digest = join(dir, 'digest.bin'), sig = join(dir, 'sig.bin');
  writeFileSync(sig, image.subarray(image.length - 64));
  const baseline = bestOf(5, () => {
    execFileSync('openssl', ['dgst', '-sha256', '-binary', '-out', digest, join(dir, 'hashed.bin')]);
    execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem'), '-in', digest, '-sigfile', sig]);
  });
  row('verify 16 MiB Ed25519 image: `openssl dgst` + `openssl pkeyutl -verify` (processes, best of 5)', `${baseline.toFixed(1)} ms`, 'baseline');
  const spkiHex = readFileSync(spki).toString('hex');
  const [cmd, args] = hostCommand('x86_64', 'zw-host-dev', ['--flash', flash, '--bytecode', bc, '--', 'verify-slot', spkiHex, '1']);
  const out = execFileSync(cmd, args, { encoding: 'utf8' });
  if (!out.includes('"verdict":"accept"')) throw new Error(`the benchmark image was not accepted: ${out}`);
  const whole = bestOf(5, () => execFileSync(cmd, args));
  const ratio = baseline / whole;
  row('verify 16 MiB Ed25519 image from slot-a: whole zw-host process (x86_64, best of 5)', `${whole.toFixed(1)} ms`, `${ratio.toFixed(2)}× the OpenSSL tools (target ≥ 0.95)`);
  const inside = Number(bench(bc, 'x86_64', flash, ['verify-slot', spkiHex, '3']).ms);
  row('verify 16 MiB Ed25519 image, timed inside zw-host (x86_64)', `${inside.toFixed(1)} ms`, 'parse, stream-hash, key lookup, signature');
  const rss = peakRssKiB(cmd, args);
  row('peak RSS verifying the 16 MiB image (x86_64)', `${(rss / 1024).toFixed(1)} MiB`, 'target ≤ 16 MiB');
  const arm = Number(bench(bc, 'aarch64', flash, ['verify-slot', spkiHex, '1']).ms);
  row('verify 16 MiB Ed25519 image, timed inside zw-host (aarch64, qemu-user)', `${arm.toFixed(1)} ms`, 'emulated');
  return ratio >= 0.95 && rss <= 16 * 1024;
}

const STORE_COMMITS = 2000;
const STORE_RECORDS = 10_000;
type StoreImpl = Arch | 'node';
type Figures = Record<string, number>;

/** The store workload (scripts/bench/store-workload.ts) in zw-host on both architectures and
 *  through the Node implementation beside it, on freshly provisioned devices. */
function benchStore(dir: string, bc: string, row: (w: string, f: string, n?: string) => void): void {
  const IMPLS: readonly StoreImpl[] = ['x86_64', 'node', 'aarch64'];
  let devices = 0;
  /** Runs `steps` in order on one fresh device: each a bytecode run, or the Node workload. */
  const onFreshDevice = (impl: StoreImpl, steps: [string[], (p: NodePlatform) => Figures][]): Figures => {
    const flash = join(dir, `store-${devices++}.flash`);
    provision({ id: 'gw-bench-01', flash, trustKeys: [join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem')] });
    let out: Figures = {};
    try {
      for (const [args, node] of steps) {
        if (impl !== 'node') out = bench(bc, impl, flash, args) as Figures;
        else {
          const p = nodePlatform(flash, { log: makeNodeLog(() => {}) });
          try {
            out = node(p);
          } finally {
            p.close();
          }
        }
      }
      return out;
    } finally {
      rmSync(flash, { force: true });
    }
  };
  /** Best (smallest ms) of 3 runs, each on its own fresh device. */
  const bestOf3 = (impl: StoreImpl, args: string[], node: (p: NodePlatform) => Figures): Figures =>
    [0, 1, 2].map(() => onFreshDevice(impl, [[args, node]])).reduce((a, b) => (b.ms! < a.ms! ? b : a));
  const label = (impl: StoreImpl) => (impl === 'node' ? 'Node implementation, noble crypto' : impl === 'x86_64' ? 'zw-host x86_64' : 'zw-host aarch64, qemu-user');
  const note = (impl: StoreImpl, x: number, node: number, of: string) =>
    impl === 'node' ? 'same workload, beside zw-host' : `${impl === 'aarch64' ? 'emulated; ' : ''}zw-host/Node ${(x / node).toFixed(2)}× ${of}`;
  const measure = (f: (impl: StoreImpl) => Figures) => new Map(IMPLS.map((impl) => [impl, f(impl)] as const));

  const commits = measure((impl) => bestOf3(impl, ['commits', String(STORE_COMMITS)], (p) => benchCommits(p, STORE_COMMITS)));
  const rate = (impl: StoreImpl) => commits.get(impl)!.commitsPerS!;
  for (const impl of IMPLS) {
    row(`store: ${STORE_COMMITS} commits of one ${VALUE_BYTES}-byte put each (${label(impl)}, best of 3)`, `${rate(impl).toFixed(0)} commits/s`, note(impl, rate(impl), rate('node'), "Node's rate"));
  }
  const opens = measure((impl) => onFreshDevice(impl, [
    [['fill', String(STORE_RECORDS)], (p) => fillRecords(p, STORE_RECORDS)],
    [['open', '3'], (p) => benchOpen(p, 3)],
  ]));
  for (const impl of IMPLS) {
    const o = opens.get(impl)!;
    row(`store: open (recovery) of ${o.records} records in ${o.segments} segments (${label(impl)}, best of 3)`, `${o.ms!.toFixed(1)} ms`, note(impl, o.ms!, opens.get('node')!.ms!, "Node's time"));
  }
  const compactions = measure((impl) => bestOf3(impl, ['compact'], (p) => benchCompact(p)));
  for (const impl of IMPLS) {
    const c = compactions.get(impl)!;
    row(`store: compact() of a full tail segment, ${c.copied} live records (${label(impl)}, best of 3)`, `${c.ms!.toFixed(1)} ms`, note(impl, c.ms!, compactions.get('node')!.ms!, "Node's time"));
  }
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const os = readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="([^"]+)"/)?.[1] ?? 'Linux';
  const openssl = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${os}, Node ${process.version}, ${openssl}`;
}

/** The sections `--only` can pick, each with the first words of its rows in the table. */
const SECTIONS = { transport: /^(MQTT |QoS 1 |reconnect storm)/, 'attest-token': /^attest token/, verifier: /^verifier/, sim: /^simulator/ } as const;
type Section = keyof typeof SECTIONS;
const SECTION_BENCH: Record<Section, (dir: string, row: (w: string, f: string, n?: string) => void) => Promise<void>> = {
  transport: benchTransport, 'attest-token': benchAttestToken, verifier: benchVerifierSection, sim: benchSim,
};

function onlyArg(): Section | null {
  const i = process.argv.indexOf('--only');
  if (i < 0) return null;
  const s = process.argv[i + 1];
  if (!s || !(s in SECTIONS)) throw new Error(`--only expects one of ${Object.keys(SECTIONS).join(', ')}, got ${String(s)}`);
  return s as Section;
}

export async function runBench(): Promise<boolean> {
  const write = process.argv.includes('--write');
  const only = onlyArg();
  const dir = mkdtempSync(join(tmpdir(), 'zw-bench-'));
  const rows: string[] = [];
  const row = (what: string, figure: string, note = '') => {
    rows.push(`| ${what} | ${figure} | ${note} |`);
    console.log(`${what.padEnd(58)} ${figure.padEnd(22)} ${note}`);
  };
  try {
    console.log(`machine: ${machine()}\n`);
    if (only) {
      await SECTION_BENCH[only](dir, row);
      if (write) writeSection(SECTIONS[only], rows);
      return true;
    }
    const bc = join(dir, 'bench.qjsbc');
    await buildBytecode(join(ROOT, 'scripts/bench/programs.ts'), bc);
    const storeBc = join(dir, 'store.qjsbc');
    await buildBytecode(join(ROOT, 'scripts/bench/store.ts'), storeBc);
    const hashBc = join(dir, 'hash-image.qjsbc');
    await buildBytecode(join(ROOT, 'scripts/bench/hash-image.ts'), hashBc);
    const flash = join(dir, 'bench.flash');
    createBlankDevice(flash);
    const image = randomBytes(IMAGE);
    const fd = openSync(flash, 'r+');
    writeSync(fd, image, 0, IMAGE, partitionSpec('slot-a')!.offset);
    closeSync(fd);
    const imageFile = join(dir, 'image.bin');
    writeFileSync(imageFile, image);


    const opensslMs = bestOf(5, () => execFileSync('openssl', ['dgst', '-sha256', imageFile]));
    const opensslDigest = execFileSync('openssl', ['dgst', '-sha256', '-r', imageFile], { encoding: 'utf8' }).split(' ')[0];
    row('SHA-256 16 MiB: `openssl dgst -sha256` (whole process, best of 5)', `${opensslMs.toFixed(1)} ms`, `${(IMAGE / MiB / (opensslMs / 1000)).toFixed(0)} MiB/s`);
    const speedSha = execFileSync('openssl', ['speed', '-seconds', '1', '-evp', 'sha256', '-bytes', '65536'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const kPerS = Number(speedSha.match(/^sha256\s+([\d.]+)k/m)?.[1] ?? NaN);
    const speedMiBs = (kPerS * 1000) / MiB;
    row('SHA-256: `openssl speed -evp sha256 -bytes 65536` (in-process)', `${speedMiBs.toFixed(0)} MiB/s`, 'the library ceiling');
    const [hostCmd, hostArgs] = hostCommand('x86_64', 'zw-host-dev', ['--flash', flash, '--bytecode', hashBc, '--', String(IMAGE)]);
    if (execFileSync(hostCmd, hostArgs, { encoding: 'utf8' }).trim() !== opensslDigest) throw new Error('zw-host and openssl disagree on the digest');
    const processMs = bestOf(5, () => execFileSync(hostCmd, hostArgs));
    const processRatio = opensslMs / processMs;
    let ok = true;
    row('SHA-256 16 MiB: whole zw-host process, scripts/bench/hash-image.ts (x86_64, best of 5)', `${processMs.toFixed(1)} ms`, `${processRatio.toFixed(2)}× openssl dgst, process for process (target ≥ 0.95)`);
    if (processRatio < 0.95) ok = false;
    for (const arch of ARCHES) {
      const h = bench(bc, arch, flash, ['hw-sha256', String(IMAGE)]);
      const ms = Number(h.ms);
      if (h.digest !== opensslDigest) ok = false;
      const ratio = opensslMs / ms;
      const mibs = IMAGE / MiB / (ms / 1000);
      const note = arch === 'x86_64' ? `${mibs.toFixed(0)} MiB/s; ${ratio.toFixed(2)}× openssl dgst; ${(mibs / speedMiBs).toFixed(2)}× openssl speed` : 'under qemu-user (emulated)';
      row(`SHA-256 16 MiB from flash via hw in zw-host (${arch}, best of 3, timed inside)`, `${ms.toFixed(1)} ms`, note);
    }
    const noble = bench(bc, 'x86_64', undefined, ['noble-sha256', String(MiB)]);
    row('SHA-256 1 MiB: @noble/hashes inside QuickJS (x86_64)', `${Number(noble.ms).toFixed(0)} ms`, `${(1 / (Number(noble.ms) / 1000)).toFixed(2)} MiB/s, for contrast`);

    const hwEd = bench(bc, 'x86_64', undefined, ['hw-ed25519', '5000']);
    const nobleEd = bench(bc, 'x86_64', undefined, ['noble-ed25519', '30']);
    const speed = execFileSync('openssl', ['speed', '-seconds', '1', 'ed25519'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const verifyPerS = Number(speed.match(/\(Ed25519\)\s+[\d.]+s\s+[\d.]+s\s+[\d.]+\s+([\d.]+)/)?.[1] ?? NaN);
    const pub = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pub.pem');
    const key = join(ROOT, '../shared/vectors/imgtool/keys/ed25519_a.pem');
    writeFileSync(join(dir, 'msg'), 'zorgwacht');
    execFileSync('openssl', ['pkeyutl', '-sign', '-rawin', '-inkey', key, '-in', join(dir, 'msg'), '-out', join(dir, 'sig')]);
    const pkeyutlMs = bestOf(5, () => execFileSync('openssl', ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', pub, '-in', join(dir, 'msg'), '-sigfile', join(dir, 'sig')]));
    const hwMs = Number(hwEd.msPerVerify);
    row('Ed25519 verify via hw in zw-host (x86_64)', `${(hwMs * 1000).toFixed(1)} µs`, `mean of ${hwEd.n}`);
    row('Ed25519 verify: @noble/curves inside QuickJS (x86_64)', `${Number(nobleEd.msPerVerify).toFixed(2)} ms`, `${(Number(nobleEd.msPerVerify) / hwMs).toFixed(0)}× slower than hw`);
    row('Ed25519 verify: `openssl speed ed25519`', `${(1e6 / verifyPerS).toFixed(1)} µs`, `hw is ${((1e6 / verifyPerS) / (hwMs * 1000)).toFixed(2)}× its speed`);
    row('Ed25519 verify: `openssl pkeyutl -verify` (whole process)', `${pkeyutlMs.toFixed(1)} ms`, 'process start dominates');
    const hwEdArm = bench(bc, 'aarch64', undefined, ['hw-ed25519', '500']);
    row('Ed25519 verify via hw in zw-host (aarch64, qemu-user)', `${(Number(hwEdArm.msPerVerify) * 1000).toFixed(1)} µs`, 'emulated');

    ok = benchImageVerify(dir, bc, row) && ok;
    benchStore(dir, storeBc, row);
    await benchTransport(dir, row);
    await benchAttestToken(dir, row);
    await benchVerifierSection(dir, row);
    await benchSim(dir, row);

    for (const arch of ARCHES) {
      for (const kind of ['zw-host', 'zw-host-dev'] as const) {
        row(`binary size ${kind} (${arch}${arch === 'aarch64' ? ', static, stripped' : ', dynamic'})`, `${(statSync(hostBinary(arch, kind)).size / 1e6).toFixed(2)} MB`);
      }
    }
    const rss = peakRssKiB(hostCmd, hostArgs);
    row('peak RSS of zw-host hashing 16 MiB (x86_64)', `${(rss / 1024).toFixed(1)} MiB`, 'target ≤ 16 MiB');
    if (rss > 16 * 1024) ok = false;
    if (write) writeBenchmarks(rows);
    console.log(ok ? '\nbench: targets met' : '\nbench: a target was missed or a digest differed');
    return ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MARK = '<!-- end of the figures zw bench writes; what follows is kept -->';

const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');
const TODAY = () => new Date().toISOString().slice(0, 10);

function header(measured: string, machineLine: string): string {
  return `# Benchmarks

Measured by \`npm run bench\` (\`scripts/bench.ts\`) on ${measured}.
Machine: ${machineLine}.
Baselines are measured in the same run. aarch64 figures run under qemu-user (emulated) and
only show that the path works there; they say nothing about a real Cortex-A. The store rows run
one workload (\`scripts/bench/store-workload.ts\`) on freshly provisioned device files, in zw-host
and through the Node implementation; every commit includes the fdatasync of the device file.
The MQTT rows run against one Mosquitto on loopback configured by the broker recipe
(\`scripts/lib/broker.ts\`: TLS 1.3, client certificates from the hospital CA), each gateway
provisioned with its own Ed25519 device certificate in \`secure\`
(\`scripts/bench/transport.ts\`, \`scripts/bench/storm.ts\`). The attest token rows make the tests'
challenge answer (\`test/attest/fixture.ts\`) on a provisioned device (\`scripts/bench/attest-token.ts\`).
`;
}

function writeBenchmarks(rows: string[]): void {
  let kept = '';
  try {
    const old = readFileSync(BENCHMARKS, 'utf8');
    if (old.includes(MARK)) kept = old.slice(old.indexOf(MARK) + MARK.length);
    // A file written by hand (or before the mark existed): keep its sections after the table.
    else if (/^## /m.test(old)) kept = '\n\n' + old.slice(old.search(/^## /m));
  } catch {
    // first run: nothing to keep
  }
  const md = `${header(TODAY(), machine())}
| measurement | figure | note |
|---|---|---|
${rows.join('\n')}

${MARK}${kept}`;
  writeFileSync(BENCHMARKS, md);
  console.log('wrote BENCHMARKS.md');
}

/** --only with --write: the section's rows replace its old rows (in their place, else before
 *  the binary sizes); every other row, the machine line and the kept text stay. Figures from
 *  another machine are not mixed in: that needs a full run. */
function writeSection(section: RegExp, rows: string[]): void {
  const old = readFileSync(BENCHMARKS, 'utf8');
  const machineLine = /^Machine: (.*)\.$/m.exec(old)?.[1];
  if (machineLine !== machine()) throw new Error(`BENCHMARKS.md was measured on another machine (${machineLine}); run the whole bench with --write`);
  if (!old.includes(MARK)) throw new Error('BENCHMARKS.md has no end-of-figures mark; run the whole bench with --write');
  const date = /^Measured by .* on (\d{4}-\d{2}-\d{2})/m.exec(old)?.[1] ?? TODAY();
  const table = old.slice(0, old.indexOf(MARK)).split('\n').filter((l) => l.startsWith('| ') && l !== '| measurement | figure | note |');
  const ours = (l: string) => section.test(l.slice(2));
  let at = table.findIndex(ours);
  if (at < 0) at = table.findIndex((l) => l.startsWith('| binary size'));
  if (at < 0) at = table.length;
  const others = table.filter((l) => !ours(l));
  const before = table.slice(0, at).filter((l) => !ours(l)).length;
  others.splice(before, 0, ...rows);
  const measured = date === TODAY() ? date : `${date} (the ${Object.keys(SECTIONS).find((k) => SECTIONS[k as Section] === section)} rows on ${TODAY()})`;
  writeFileSync(BENCHMARKS, `${header(measured, machineLine)}
| measurement | figure | note |
|---|---|---|
${others.join('\n')}

${MARK}${old.slice(old.indexOf(MARK) + MARK.length)}`);
  console.log('wrote BENCHMARKS.md (kept the other rows)');
}

// Run directly (node --import tsx scripts/bench.ts [--only transport] [--write]); `zw bench` and
// npm run bench import runBench.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runBench().then((ok) => { process.exitCode = ok ? 0 : 1; }, (e: unknown) => { console.error(e); process.exitCode = 1; });
}
