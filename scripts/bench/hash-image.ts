// The smallest program that hashes an image the way boot verification will: through the
// Partition port, natively, in streamed chunks. Used for the process-for-process comparison
// with `openssl dgst -sha256`.
import * as hwdev from 'hwdev';
import { hwFlash } from '../../hardware/hw/platform.ts';
import { toHex } from '../../test/support/bytes.ts';

console.log(toHex(hwFlash.open('slot-a').sha256(0, Number(hwdev.args()[0]))));
