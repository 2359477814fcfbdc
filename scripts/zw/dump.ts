// zw dump: what an MCUboot image holds (header, TLVs, signer, trailer), read with the gateway's
// bounded walker; a malformed file is a reject with its reason code, never a stack trace.
import { REASONS } from '../../hardware/reasons.ts';
import { dumpImage, formatDump } from '../lib/imgtool/dump.ts';
import { readInput, toolExit } from '../lib/imgtool/files.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'show the header, TLVs, signer and trailer of an MCUboot image',
  usage: `zw dump [--json] IMAGE

Prints IMAGE's header (magic, load address, header size, protected TLV size, image size, flags
by name, version), every TLV of the protected and unprotected areas (type name, length, value in
hex; SEC_CNT as a number), whether the hash TLV matches, the signer's key hash, and the trailer
of a padded image (imgtool dumpinfo's facts). It checks no signature: use zw verify for that.
Exit 0 shown, 1 not a well-formed image (reason code, e.g. image.truncated), 2 usage, 3 I/O.`,
  async run(argv) {
    try {
      const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
      const [file, extra] = positionals;
      if (!file || extra) throw new UsageError('exactly one IMAGE is needed');
      const d = dumpImage(readInput(file, 'image'));
      if (!d.ok) {
        if (values.json) printJson({ verdict: 'reject', reason: d.reason, meaning: REASONS[d.reason], detail: d.detail });
        else process.stdout.write(`reject  ${file}: ${d.reason} — ${d.detail}\n`);
        return EXIT.REJECT;
      }
      if (values.json) printJson(d.value);
      else process.stdout.write(formatDump(d.value));
      return EXIT.OK;
    } catch (e) {
      return toolExit(e, 'dump');
    }
  },
};
