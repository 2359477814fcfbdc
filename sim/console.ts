// What a gateway's console log says: the init's "ZW-SIM <stage> t=<uptime> k=v" lines, the
// host's ZW-MEASURED records, ZW-POWER-CUT / ZW-FLASH-OPS, "zw-host: <reason>: …" failures and
// the agent's JSON log lines. Pure: text in, facts out; the harness re-reads the log as it grows.

export interface Stage {
  readonly name: string;
  /** Guest uptime in seconds when the init printed it. */
  readonly uptime: number | null;
  readonly fields: Readonly<Record<string, string>>;
}

export interface Measurement {
  readonly type: string;
  readonly component: string;
  readonly status: string;
  readonly reason?: string;
  readonly version?: string;
  readonly digest?: string;
}

export interface ConsoleFacts {
  readonly stages: Stage[];
  readonly measurements: Measurement[];
  /** The agent's own `agent.start` line. */
  agent: { verified: boolean; version: string | null; digest: string | null } | null;
  /** The agent's `store.opened` line (recovery figures). */
  store: Record<string, unknown> | null;
  /** Every `code` the agent logged, in order. */
  readonly codes: string[];
  /** Reason of a refused agent image (`zw-host: <reason>: agent image refused`). */
  refused: string | null;
  /** Other `zw-host: <reason>: …` lines. */
  readonly hostErrors: string[];
  powerCut: number | null;
  flashOps: number | null;
  hostExit: number | null;
}

const STAGE = /ZW-SIM ([a-z-]+)(?: t=([0-9.]+))?(.*)$/;

function fieldsOf(rest: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of rest.matchAll(/([a-z]+)=(\S*)/g)) out[m[1]!] = m[2]!;
  return out;
}

function jsonAt(line: string, from: number): Record<string, unknown> | null {
  if (from < 0) return null;
  try {
    const v: unknown = JSON.parse(line.slice(from));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function agentLine(f: ConsoleFacts, o: Record<string, unknown>): void {
  if (typeof o.code !== 'string') return;
  f.codes.push(o.code);
  if (o.code === 'agent.start') {
    f.agent = { verified: o.verified === true, version: typeof o.version === 'string' ? o.version : null, digest: typeof o.digest === 'string' ? o.digest : null };
  } else if (o.code === 'store.opened') {
    const { t: _t, level: _l, code: _c, ...rest } = o;
    f.store = rest;
  }
}

function readLine(f: ConsoleFacts, line: string): void {
  const stage = STAGE.exec(line);
  if (stage) {
    const fields = fieldsOf(stage[3] ?? '');
    f.stages.push({ name: stage[1]!, uptime: stage[2] ? Number(stage[2]) : null, fields });
    if (stage[1] === 'host-exit' && fields.status !== undefined) f.hostExit = Number(fields.status);
    return;
  }
  const measured = line.indexOf('ZW-MEASURED ');
  if (measured >= 0) {
    const m = jsonAt(line, measured + 12);
    if (m) f.measurements.push(m as unknown as Measurement);
    return;
  }
  const cut = /ZW-POWER-CUT op=(\d+)/.exec(line);
  if (cut) return void (f.powerCut = Number(cut[1]));
  const ops = /ZW-FLASH-OPS n=(\d+)/.exec(line);
  if (ops) return void (f.flashOps = Number(ops[1]));
  const host = /zw-host: ([a-z0-9.-]+): (.*)$/.exec(line);
  if (host) {
    if (/agent image refused/.test(host[2]!)) f.refused = host[1]!;
    else f.hostErrors.push(`${host[1]}: ${host[2]}`);
    return;
  }
  const o = jsonAt(line, line.indexOf('{"'));
  if (o) agentLine(f, o);
}

export function readConsole(text: string): ConsoleFacts {
  const f: ConsoleFacts = { stages: [], measurements: [], agent: null, store: null, codes: [], refused: null, hostErrors: [], powerCut: null, flashOps: null, hostExit: null };
  for (const line of text.split(/\r?\n/)) readLine(f, line);
  return f;
}

/** The agent runs from an image it verified and has opened its store. */
export function agentRunning(f: ConsoleFacts): boolean {
  return f.agent?.verified === true && f.store !== null;
}

export function hasStage(f: ConsoleFacts, name: string): boolean {
  return f.stages.some((s) => s.name === name);
}

/** The host is gone: exited (the init printed its status) or cut by the fault plan. */
export function hostGone(f: ConsoleFacts): boolean {
  return f.hostExit !== null || f.powerCut !== null;
}
