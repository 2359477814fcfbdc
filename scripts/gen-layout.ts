// Writes the C header of the partition table from hardware/layout.ts (the single source).
// Usage: tsx scripts/gen-layout.ts OUT.h
import { writeFileSync } from 'node:fs';
import { DEVICE_SIZE, ERASE_BLOCK, ERASED, PARTITIONS, PROGRAM_UNIT } from '../hardware/layout.ts';

export function layoutHeader(): string {
  const rows = PARTITIONS.map((p) => `  { "${p.name}", ${p.offset}u, ${p.size}u },`).join('\n');
  return `/* Generated from hardware/layout.ts by scripts/gen-layout.ts. Do not edit. */
#ifndef ZW_LAYOUT_H
#define ZW_LAYOUT_H
#define ZW_ERASE_BLOCK ${ERASE_BLOCK}u
#define ZW_PROGRAM_UNIT ${PROGRAM_UNIT}u
#define ZW_ERASED 0x${ERASED.toString(16)}u
#define ZW_DEVICE_SIZE ${DEVICE_SIZE}u
#define ZW_PARTITION_COUNT ${PARTITIONS.length}
typedef struct { const char *name; unsigned offset; unsigned size; } zw_partition_spec;
static const zw_partition_spec ZW_PARTITIONS[ZW_PARTITION_COUNT] = {
${rows}
};
#endif
`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: gen-layout.ts OUT.h');
    process.exit(2);
  }
  writeFileSync(out, layoutHeader());
}
