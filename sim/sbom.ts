// The simulated gateway's SBOM: an SPDX 2.3 JSON document (spdx.github.io/spdx-spec/v2.3)
// listing what the boot image is made of — the Debian kernel and busybox packages (name and
// version from their .deb files, as apt-get download named them) and the project's static
// hosts — each with the SHA-256 of the bytes that go into the image. The agent reports this
// file's digest in its posture (docs/eat-profile.md); the hospital can ask for the file itself.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';

export interface SbomPart { readonly name: string; readonly version: string; readonly supplier: string; readonly data: Uint8Array; readonly file: string }

/** name_version_arch.deb as apt-get download writes it (the epoch's ':' as %3a). */
export function debVersion(cacheDir: string, pkg: string): string {
  const deb = readdirSync(cacheDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  return deb ? decodeURIComponent(deb.slice(pkg.length + 1).replace(/_[a-z0-9]+\.deb$/, '')) : 'NOASSERTION';
}

const ref = (name: string) => `SPDXRef-Package-${name.replace(/[^A-Za-z0-9.-]/g, '-')}`;

export function spdxSbom(image: string, parts: readonly SbomPart[]): Uint8Array {
  const sha = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');
  // Reproducible: the newest input's time, not the time of the build.
  const created = new Date(Math.max(...parts.map((p) => statSync(p.file).mtimeMs))).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const doc = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: image,
    documentNamespace: `https://zorgwacht.nl/spdx/${image}/${sha(Buffer.from(parts.map((p) => sha(p.data)).join('')))}`,
    creationInfo: { created, creators: ['Tool: zorgwacht-sim'] },
    packages: parts.map((p) => ({
      SPDXID: ref(p.name), name: p.name, versionInfo: p.version, supplier: p.supplier, downloadLocation: 'NOASSERTION',
      filesAnalyzed: false, checksums: [{ algorithm: 'SHA256', checksumValue: sha(p.data) }],
    })),
    relationships: parts.map((p) => ({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: ref(p.name) })),
  };
  return new TextEncoder().encode(JSON.stringify(doc, null, 2) + '\n');
}
