// Reads typed values out of one decoded CBOR map of a token (claims, a software component,
// the posture map), recording a token.claims finding that names the claim for each problem.
import { finding, type Finding } from './findings.ts';
import { MAX_POSTURE_ENTRIES, MAX_TSTR } from './limits.ts';

type Spec = 'tstr' | 'uint' | { bstr: [number, number] };

/** Reads typed values out of one CBOR map, recording a finding for each problem. */
export class MapReader {
  constructor(readonly map: Map<unknown, unknown>, readonly where: string, readonly out: Finding[]) {}

  private problem(name: string, what: string): undefined {
    this.out.push(finding('token.claims', 'contraindicated', `${this.where}${name} ${what}`, { claim: name }));
    return undefined;
  }

  get(key: number, name: string, spec: Spec, required: boolean): unknown {
    const v = this.map.get(key);
    if (v === undefined) return required ? this.problem(name, 'is missing') : undefined;
    if (spec === 'tstr') {
      if (typeof v !== 'string') return this.problem(name, 'is not a text string');
      if (Buffer.byteLength(v) > MAX_TSTR) return this.problem(name, `is longer than ${MAX_TSTR} bytes`);
    } else if (spec === 'uint') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return this.problem(name, 'is not an unsigned integer');
    } else if (!(v instanceof Uint8Array)) {
      return this.problem(name, 'is not a byte string');
    } else if (v.length < spec.bstr[0] || v.length > spec.bstr[1]) {
      return this.problem(name, `has ${v.length} bytes, not ${spec.bstr[0]}..${spec.bstr[1]}`);
    }
    return v;
  }

  tstr(key: number, name: string, required = true): string | undefined {
    return this.get(key, name, 'tstr', required) as string | undefined;
  }

  uint(key: number, name: string, required = true): number | undefined {
    return this.get(key, name, 'uint', required) as number | undefined;
  }

  bstr(key: number, name: string, min: number, max: number, required = true): Uint8Array | undefined {
    return this.get(key, name, { bstr: [min, max] }, required) as Uint8Array | undefined;
  }

  /** An array of at most `max` text strings (posture lists). */
  strings(key: number, name: string, max = MAX_POSTURE_ENTRIES): string[] | undefined {
    const v = this.map.get(key);
    if (v === undefined) return this.problem(name, 'is missing');
    if (!Array.isArray(v) || v.length > max) return this.problem(name, `is not an array of at most ${max} entries`);
    if (!v.every((s) => typeof s === 'string' && Buffer.byteLength(s) <= MAX_TSTR)) return this.problem(name, 'holds an entry that is not a short text string');
    return v as string[];
  }

  /** Keys the profile does not define: a warning, so a newer profile is visible, not fatal. */
  unknownKeys(known: readonly number[]): void {
    const extra = [...this.map.keys()].filter((k) => !known.includes(k as number)).map(String);
    if (extra.length) this.out.push(finding('token.claims', 'warning', `${this.where}holds keys the profile does not define`, { keys: extra }));
  }
}
