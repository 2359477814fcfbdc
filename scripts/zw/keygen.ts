// zw keygen: a key pair for signing (or encrypting) images, as imgtool 2.4.0 `keygen` writes
// it (mcu-tools/mcuboot scripts/imgtool/main.py keygen, keys/*.py export_private): the private
// key as unencrypted PKCS#8 PEM; --pub also writes the public key (imgtool getpub -e pem).
import { createHash, createPublicKey } from 'node:crypto';
import { generateKey } from '../lib/imgtool/keys.ts';
import { refuseExisting, toolExit, writeOutput } from '../lib/imgtool/files.ts';
import { EXIT, parse, printJson, UsageError, type Command } from './cli.ts';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'generate an image signing (or encryption) key pair as PEM',
  usage: `zw keygen -k FILE -t ed25519|ecdsa-p256|x25519 [--pub FILE] [--json]

Writes a new private key to FILE as PKCS#8 PEM (mode 0600), as imgtool keygen does; --pub FILE
also writes its public key (SubjectPublicKeyInfo PEM, as imgtool getpub -e pem). Ed25519 and
ECDSA P-256 keys sign images (zw sign); X25519 keys decrypt them. Existing files are never
overwritten. Password-protected keys (imgtool -p) are not offered.
Exit 0 written, 2 usage (unknown type), 3 I/O (a file exists or cannot be written).`,
  async run(argv) {
    try {
      const { values, positionals } = parse(argv, {
        key: { type: 'string', short: 'k' },
        type: { type: 'string', short: 't' },
        pub: { type: 'string' },
        json: { type: 'boolean' },
      }, false);
      if (!values.key || !values.type) throw new UsageError('-k FILE and -t TYPE are needed');
      if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`);
      if (values.pub === values.key) throw new UsageError('--pub must name another file than -k');
      const pair = generateKey(values.type);
      refuseExisting(values.pub ? [values.key, values.pub] : [values.key]);
      writeOutput(values.key, pair.privatePem, { mode: 0o600 });
      if (values.pub) writeOutput(values.pub, pair.publicPem);
      // MCUboot KEYHASH / the trust store's key id: SHA-256 of the DER SubjectPublicKeyInfo.
      const keyHash = createHash('sha256').update(createPublicKey(pair.publicPem).export({ format: 'der', type: 'spki' })).digest('hex');
      if (values.json) printJson({ type: values.type, key: values.key, pub: values.pub ?? null, publicPem: pair.publicPem, keyHash });
      else process.stderr.write(`zw keygen: wrote ${values.type} private key ${values.key}${values.pub ? ` and public key ${values.pub}` : ''}; key hash ${keyHash}\n`);
      return EXIT.OK;
    } catch (e) {
      return toolExit(e, 'keygen');
    }
  },
};
