// The `ZW-CASE <json>` lines a portable suite prints when it runs as bytecode in zw-host
// (test/contracts/harness.ts runCase), read back by the vitest side.
import type { CaseResult } from '../contracts/harness.ts';

export function caseResults(stdout: string): CaseResult[] {
  return stdout.split('\n').filter((l) => l.startsWith('ZW-CASE ')).map((l) => JSON.parse(l.slice(8)) as CaseResult);
}
