// Reads the same 64 bytes of `data` twenty times and prints them: with a flipReads plan the
// native host must flip exactly the bits the Node flash flips for the same plan.
import { hwFlash } from '../../../hardware/hw/platform.ts';
import { toHex } from '../../support/bytes.ts';

const d = hwFlash.open('data');
const reads: string[] = [];
for (let i = 0; i < 20; i++) reads.push(toHex(d.read(i * 16, 64)));
console.log('ZW-READS ' + JSON.stringify(reads));
