// Every bound of the store in one place (STYLE.md 8). agent/store/FORMAT.md says what each is.

/** Bytes per segment: sixteen 4 KiB erase blocks. */
export const SEGMENT_SIZE = 64 * 1024;
export const SEGMENT_HEADER = 64;
export const RECORD_HEADER = 48;
export const TAG = 16;
/** Largest sealed body a record header may announce; checked before any read sized by it. */
export const MAX_SEALED = 16 * 1024;
/** Largest plaintext body: the sealed body less the tag. */
export const MAX_BODY = MAX_SEALED - TAG;
/** Largest key of the key/value area, in UTF-8 bytes. */
export const MAX_KEY = 128;
/** Largest value, queue payload or audit record (body less the largest field header). */
export const MAX_VALUE = MAX_BODY - 2 - MAX_KEY - 48;
/** Largest commit, in bytes on flash: it must fit an empty segment. */
export const MAX_COMMIT = SEGMENT_SIZE - SEGMENT_HEADER;
/** Reports waiting for the broker. */
export const MAX_QUEUE = 4096;
/** Keys of the key/value area. */
export const MAX_KEYS = 1024;
/** Audit records kept on the device (exported ones can be dropped with an anchor). */
export const MAX_AUDIT = 16384;
/** Slots kept free for compaction: a commit that would leave fewer is store.full. */
export const RESERVE_SEGMENTS = 2;
/** Reads of a record that fail before it counts as damaged (a flipped bit is not damage).
 *  An attempt reads header and body separately, so with a flipped bit in 5% of reads one in
 *  ten attempts fails: three attempts served intact records as damaged in the power-cut
 *  campaign's flipped reboots (test/store/campaign.test.ts), eight make it one in 10^8. */
export const READ_RETRIES = 8;
/** Commits between epoch advances (besides the one at every open). */
export const CHECKPOINT_EVERY = 64;
