// Findings: what the verifier found, each with a stable id from hardware/reasons.ts, a
// severity, a plain-language reason and optional context (STYLE.md 10). The verifier collects
// every finding rather than stopping at the first; the worst severity decides the EAR status.
import type { Reason } from '../hardware/reasons.ts';

export type Severity = 'info' | 'warning' | 'contraindicated';

export interface Finding {
  readonly id: Reason;
  readonly severity: Severity;
  /** Plain language for a security officer: what is wrong and what it means. */
  readonly reason: string;
  readonly context?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, contraindicated: 2 };

export function finding(id: Reason, severity: Severity, reason: string, context?: Finding['context']): Finding {
  return context === undefined ? { id, severity, reason } : { id, severity, reason, context };
}

/** The worst severity among `findings`, or null when there are none. */
export function worst(findings: readonly Finding[]): Severity | null {
  let w: Severity | null = null;
  for (const f of findings) if (w === null || RANK[f.severity] > RANK[w]) w = f.severity;
  return w;
}

export function atLeast(s: Severity, than: Severity): boolean {
  return RANK[s] >= RANK[than];
}

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'contraindicated'];
