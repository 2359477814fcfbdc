// The gateway's one flash device (DESIGN.md §Contracts "One flash device, fixed partitions").
// This table is the single source: the native host's `layout.h` is generated from it
// (scripts/gen-layout.ts) and a test checks the two agree.

export const ERASE_BLOCK = 4096;
export const PROGRAM_UNIT = 16;
export const ERASED = 0xff;
const MiB = 1024 * 1024;

export type PartitionName = 'secure' | 'agent' | 'slot-a' | 'slot-b' | 'data';

export interface PartitionSpec {
  readonly name: PartitionName;
  /** Byte offset on the device; a multiple of 1 MiB. */
  readonly offset: number;
  /** Byte size; a multiple of 1 MiB. */
  readonly size: number;
}

export const PARTITIONS: readonly PartitionSpec[] = [
  { name: 'secure', offset: 0, size: 1 * MiB },
  { name: 'agent', offset: 1 * MiB, size: 2 * MiB },
  { name: 'slot-a', offset: 3 * MiB, size: 16 * MiB },
  { name: 'slot-b', offset: 19 * MiB, size: 16 * MiB },
  { name: 'data', offset: 35 * MiB, size: 8 * MiB },
];

/** Total size of the flash device file in bytes (43 MiB). */
export const DEVICE_SIZE = PARTITIONS.reduce((end, p) => Math.max(end, p.offset + p.size), 0);

export function partitionSpec(name: string): PartitionSpec | undefined {
  return PARTITIONS.find((p) => p.name === name);
}
