// Creating a blank flash device file: every byte erased (0xFF), the size of the layout.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ZwError } from '../errors.ts';
import { DEVICE_SIZE, ERASED } from '../layout.ts';

export function createBlankDevice(path: string, { overwrite = false } = {}): void {
  let fd: number;
  try {
    fd = openSync(path, overwrite ? 'w' : 'wx');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ZwError('provision.exists', `${path} exists; refusing to overwrite it`);
    throw new ZwError('flash.io', `cannot create ${path}: ${(e as Error).message}`);
  }
  try {
    const chunk = new Uint8Array(1024 * 1024).fill(ERASED);
    for (let at = 0; at < DEVICE_SIZE; at += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, DEVICE_SIZE - at), at);
  } finally {
    closeSync(fd);
  }
}
