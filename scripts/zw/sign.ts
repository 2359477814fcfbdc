// zw sign: an MCUboot image as imgtool 2.4.0 `sign` makes it, with imgtool's option names
// (mcu-tools/mcuboot scripts/imgtool/main.py sign). The bytes come from scripts/lib/imgtool/sign.ts.
import { ZwError } from '../../hardware/errors.ts';
import { readInput, refuseExisting, toolExit, writeOutput } from '../lib/imgtool/files.ts';
import { parseCustomTlv, parseDependencies, parseNumber, type CustomTlv } from '../lib/imgtool/options.ts';
import { signImage, type SignOptions } from '../lib/imgtool/sign.ts';
import type { ShaChoice } from '../lib/imgtool/keys.ts';
import { EXIT, parse, UsageError, type Command } from './cli.ts';

const OPTIONS = {
  key: { type: 'string', short: 'k' },
  'header-size': { type: 'string', short: 'H' },
  'pad-header': { type: 'boolean' },
  align: { type: 'string', default: '1' },
  'max-align': { type: 'string' },
  'max-sectors': { type: 'string', short: 'M' },
  version: { type: 'string', short: 'v' },
  'security-counter': { type: 'string', short: 's' },
  'public-key-format': { type: 'string', default: 'hash' },
  'slot-size': { type: 'string', short: 'S' },
  pad: { type: 'boolean' },
  confirm: { type: 'boolean' },
  test: { type: 'boolean' },
  sha: { type: 'string', default: 'auto' },
  'load-addr': { type: 'string', short: 'L' },
  'boot-record': { type: 'string' },
  dependencies: { type: 'string', short: 'd' },
  'erased-val': { type: 'string', short: 'R' },
  force: { type: 'boolean' },
} as const;

/** imgtool's two-value options (--custom-tlv TAG VALUE, --custom-tlv-file TAG FILE), which
 *  node:util parseArgs cannot express: taken out of argv before it is parsed. */
function takeCustomTlvs(argv: string[]): { rest: string[]; tlvs: CustomTlv[] } {
  const rest: string[] = [], tlvs: CustomTlv[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a !== '--custom-tlv' && a !== '--custom-tlv-file') {
      rest.push(a);
      continue;
    }
    const [tag, value] = [argv[i + 1], argv[i + 2]];
    if (tag === undefined || value === undefined) throw new UsageError(`${a} needs two values: TAG ${a === '--custom-tlv' ? 'VALUE' : 'FILE'}`);
    const tlv = parseCustomTlv(tag, a === '--custom-tlv' ? value : '');
    tlvs.push(a === '--custom-tlv' ? tlv : { type: tlv.type, value: readInput(value, 'custom TLV file') });
    i += 2;
  }
  return { rest, tlvs };
}

function choice<T extends string>(v: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];
const num = (v: string | undefined, what: string, max?: number) => (v === undefined ? undefined : parseNumber(v, what, max));

function signOptions(v: Values, key: string | undefined, customTlvs: CustomTlv[]): SignOptions {
  if (v['header-size'] === undefined || v.version === undefined || v['slot-size'] === undefined) {
    throw new UsageError('--header-size, --version and --slot-size are required (as in imgtool)');
  }
  const counter = v['security-counter'];
  const erased = v['erased-val'];
  return {
    key, headerSize: parseNumber(v['header-size'], '--header-size', 0xffffffff), padHeader: v['pad-header'],
    // sign.ts checks the alignments against imgtool's choices (reason sign.align).
    align: Number(v.align), maxAlign: v['max-align'] === undefined ? undefined : Number(v['max-align']),
    maxSectors: num(v['max-sectors'], '--max-sectors', 0xffff), version: v.version,
    securityCounter: counter?.toLowerCase() === 'auto' ? 'auto' : num(counter, '--security-counter'),
    publicKeyFormat: choice<'hash' | 'full'>(v['public-key-format'], ['hash', 'full'], '--public-key-format'),
    slotSize: parseNumber(v['slot-size'], '--slot-size'), pad: v.pad, confirm: v.confirm, test: v.test,
    sha: choice<ShaChoice>(v.sha, ['auto', '256', '384', '512'], '--sha'),
    customTlvs, loadAddr: num(v['load-addr'], '--load-addr'), bootRecord: v['boot-record'],
    dependencies: v.dependencies === undefined ? undefined : parseDependencies(v.dependencies),
    erasedVal: erased === undefined ? undefined : choice(erased, ['0', '0xff'], '--erased-val') === '0' ? 0 : 0xff,
  };
}

export const signCommand: Command = {
  name: 'sign',
  summary: 'make a signed MCUboot image, byte for byte as imgtool sign does',
  usage: `zw sign -H SIZE -v VERSION -S SLOT_SIZE [options] INFILE OUTFILE

Wraps the binary INFILE into an MCUboot image in OUTFILE, with imgtool's option names and bytes
(for Ed25519 the output is identical to imgtool 2.4.0's; ECDSA signatures are randomized).
Numbers are decimal or 0x/0o/0b-prefixed (0x20000).

  -k, --key PEM               Ed25519 or ECDSA P-256 private key (PKCS#8 PEM); none: hash-only
  -H, --header-size N         header size (>= 32, e.g. 0x200 for Zephyr)
      --pad-header            prepend the header as erased bytes (else INFILE starts with zeros)
      --align 1|2|4|8|16|32   flash write alignment for the trailer (default 1)
      --max-align 8|16|32     maximum alignment (default max(8, align))
  -M, --max-sectors N         sectors the swap status allows for (default 128)
  -v, --version V             maj.min.rev+build, later parts optional
  -s, --security-counter N    SEC_CNT TLV in the protected area; "auto" = from the version
      --public-key-format F   hash (KEYHASH TLV, default) or full (PUBKEY TLV: DER SPKI)
  -S, --slot-size N           slot size; image + trailer must fit
      --pad                   pad to the slot size with erased bytes and write the trailer magic
      --confirm               --pad and image_ok = 1 (boot it without a test swap)
      --test                  --pad, image_ok left erased (a test swap)
      --sha auto|256|384|512  image hash (SHA-512: SHA512 TLV, 64-byte KEYHASH); P-256 needs 256
      --custom-tlv TAG VALUE  protected vendor TLV (TAG 0xa0..0xfffe; VALUE 0x… hex or text)
      --custom-tlv-file TAG FILE   the same with the value read from FILE
  -L, --load-addr N           RAM load address (sets the RAM_LOAD flag)
      --boot-record SW_TYPE   BOOT_RECORD TLV (CBOR; SW_TYPE at most 12 characters)
  -d, --dependencies DEPS     "(IMAGE_ID,VERSION), ..." as DEPENDENCY TLVs
  -R, --erased-val 0|0xff     value of erased flash (default 0xff)
      --force                 replace OUTFILE if it exists (otherwise refused)

Not supported (refused as unknown options): encryption, compression, big-endian, Intel HEX,
RSA and P-384 keys, pure signatures, fixed signatures, overwrite-only, --rom-fixed, --vid/--cid.
Exit 0 written, 2 usage (bad option, key, version, header size, alignment, slot too small),
3 I/O (INFILE or key unreadable, OUTFILE exists or cannot be written). Nothing is written on error.`,
  async run(argv) {
    try {
      const { rest, tlvs } = takeCustomTlvs(argv);
      const { values, positionals } = parse(rest, OPTIONS);
      const [infile, outfile, extra] = positionals;
      if (!infile || !outfile || extra) throw new UsageError('INFILE and OUTFILE are needed');
      if ([infile, outfile].some((f) => /\.hex$/i.test(f))) throw new ZwError('sign.option', 'Intel HEX files are not supported; give binary files');
      const opts = signOptions(values, undefined, tlvs);
      refuseExisting([outfile], values.force, '--force replaces it');
      const key = values.key === undefined ? undefined : Buffer.from(readInput(values.key, 'key')).toString('utf8');
      const image = signImage(readInput(infile, 'input'), { ...opts, key });
      writeOutput(outfile, image, { force: values.force ?? false });
      process.stderr.write(`zw sign: wrote ${outfile} (${image.length} bytes${key ? '' : ', hash-only'})\n`);
      return EXIT.OK;
    } catch (e) {
      return toolExit(e, 'sign');
    }
  },
};
