// BOOT_RECORD CBOR (RFC 8949) decoding: the subset imgtool writes, and refusal of the rest.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBootRecord } from '../../bootloader-verify/boot-record.ts';
import { hex } from '../support/bytes.ts';

// {1: "NSPE", 4: "1.2.3", 6: "SHA256"} with a 2-byte signer id under key 5.
const GOOD = hex('a4' + '01' + '644e535045' + '04' + '65312e322e33' + '05' + '42abcd' + '06' + '66534841323536');

describe('BOOT_RECORD', () => {
  it('decodes the fields imgtool writes', () => {
    expect(parseBootRecord(GOOD)).toEqual({ swType: 'NSPE', version: '1.2.3', signerId: 'abcd', measurementType: 'SHA256' });
  });
  it('refuses malformed or out-of-subset CBOR', () => {
    const bad: Record<string, string> = {
      empty: '',
      'not a map': '8101',
      'indefinite map': 'bf01644e535045ff',
      'duplicate key': 'a201616101616',
      'trailing bytes': 'a10161' + '61' + '00',
      'string past the end': 'a1016a4e53',
      'invalid UTF-8': 'a10162c328',
      'text key': 'a161610101',
      '64-bit length': 'a1015b0000000000000001' + '00',
      'nested map': 'a101a0',
    };
    for (const [what, h] of Object.entries(bad)) expect(parseBootRecord(hex(h.length % 2 ? h + '0' : h)), what).toBeNull();
  });
  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      parseBootRecord(b);
      return true;
    }), { numRuns: 5000 });
  });
});
