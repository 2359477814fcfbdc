// Debug interfaces left enabled on the gateway: the kernel debugger on a console (kgdboc= or
// kgdbwait on the command line, Documentation/process/debugging/kgdb.rst), a login getty on a
// serial console in inittab (busybox and sysvinit), root login over SSH explicitly permitted
// (sshd_config(5): PermitRootLogin set to anything but `no`), and debugfs mounted.
export interface DebugSources {
  readonly cmdline: string | null;
  readonly inittab: string | null;
  readonly sshdConfig: string | null;
  readonly mounts: string | null;
}

const SERIAL_TTY = /\b(ttyS\d+|ttyAMA\d+|ttyUSB\d+|ttymxc\d+|ttyPS\d+|hvc\d+)\b/;

function serialGetty(inittab: string): boolean {
  return inittab.split('\n').some((l) => !l.trimStart().startsWith('#') && /getty/.test(l) && SERIAL_TTY.test(l));
}

function sshRootLogin(config: string): boolean {
  // sshd_config(5): the first value obtained for a keyword is used.
  for (const line of config.split('\n')) {
    const m = /^\s*PermitRootLogin\s+(\S+)/i.exec(line);
    if (m) return m[1]!.toLowerCase() !== 'no';
  }
  return false;
}

export function debugInterfaces(s: DebugSources): string[] {
  const out: string[] = [];
  if (s.cmdline && /(^|\s)(kgdboc=\S+|kgdbwait)(\s|$)/.test(s.cmdline)) out.push('kgdb');
  if (s.inittab && serialGetty(s.inittab)) out.push('serial-getty');
  if (s.sshdConfig && sshRootLogin(s.sshdConfig)) out.push('ssh-root-login');
  if (s.mounts && s.mounts.split('\n').some((l) => l.split(/\s+/)[2] === 'debugfs')) out.push('debugfs');
  return out;
}
