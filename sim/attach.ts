// zw sim console: the gateway's serial console, interactively (the terminal in raw mode, Ctrl-]
// leaves) or as the current boot's log.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { gatewayPaths, lastBoot, loadSummary, SimUsageError } from './gateway.ts';
import { qemuAlive } from './qemu.ts';

const DETACH = 0x1d; // Ctrl-]

function current(id: string) {
  const p = gatewayPaths(id);
  const boot = lastBoot(loadSummary(p));
  if (!boot) throw new SimUsageError(`${id} has never been up`);
  return { p, boot };
}

export function printLog(id: string): number {
  const { boot } = current(id);
  process.stdout.write(readFileSync(boot.console));
  return 0;
}

export function attach(id: string): Promise<number> {
  const { p, boot } = current(id);
  if (!qemuAlive(boot.pid)) throw new SimUsageError(`${id} is down; zw sim console ${id} --log prints its last console log`);
  return new Promise((resolve) => {
    const sock = connect(p.consoleSock);
    const stdin = process.stdin;
    const leave = (code: number): void => {
      stdin.setRawMode(false);
      stdin.pause();
      sock.destroy();
      process.stdout.write('\n');
      resolve(code);
    };
    sock.on('connect', () => {
      process.stderr.write(`connected to ${id}'s console (Enter for a shell; Ctrl-] leaves)\n`);
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', (d: Buffer) => (d.includes(DETACH) ? leave(0) : sock.write(d)));
    });
    sock.on('data', (d) => process.stdout.write(d));
    sock.on('error', (e) => {
      process.stderr.write(`zw sim console: ${e.message}\n`);
      resolve(3);
    });
    sock.on('close', () => leave(0));
  });
}
