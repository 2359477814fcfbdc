// The posture map (claim -70004, docs/eat-profile.md §Posture map), read with the same checks
// as the other claims.
import { MapReader } from './claim-reader.ts';
import { finding, type Finding } from './findings.ts';

export interface Posture {
  readonly listening: readonly string[];
  readonly defaultCredentials: readonly string[];
  readonly debug: readonly string[];
  readonly firmwareVersion?: string;
  readonly sbom?: Uint8Array;
  readonly sbomFormat?: string;
  readonly digest: Uint8Array;
}

const KEY = { listening: 1, defaultCredentials: 2, debug: 3, firmwareVersion: 4, sbom: 5, sbomFormat: 6, digest: 7 } as const;

export function readPosture(v: unknown, out: Finding[]): Posture | undefined {
  if (!(v instanceof Map)) {
    out.push(finding('token.claims', 'contraindicated', `zw-posture ${v === undefined ? 'is missing' : 'is not a map'}`, { claim: 'zw-posture' }));
    return undefined;
  }
  const r = new MapReader(v, 'zw-posture.', out);
  const listening = r.strings(KEY.listening, 'listening');
  const defaultCredentials = r.strings(KEY.defaultCredentials, 'default-credentials');
  const debug = r.strings(KEY.debug, 'debug');
  const firmwareVersion = r.tstr(KEY.firmwareVersion, 'firmware-version', false);
  const sbom = r.bstr(KEY.sbom, 'sbom', 32, 32, false);
  const sbomFormat = r.tstr(KEY.sbomFormat, 'sbom-format', false);
  const digest = r.bstr(KEY.digest, 'digest', 32, 32);
  r.unknownKeys(Object.values(KEY));
  if ((sbom === undefined) !== (sbomFormat === undefined) || (sbomFormat !== undefined && sbomFormat !== 'spdx' && sbomFormat !== 'cyclonedx')) {
    out.push(finding('token.claims', 'contraindicated', 'zw-posture.sbom-format must be "spdx" or "cyclonedx" and come with sbom', { claim: 'sbom-format' }));
  }
  if (!listening || !defaultCredentials || !debug || !digest) return undefined;
  return {
    listening, defaultCredentials, debug, digest,
    ...(firmwareVersion !== undefined && { firmwareVersion }), ...(sbom && { sbom }), ...(sbomFormat !== undefined && { sbomFormat }),
  };
}
