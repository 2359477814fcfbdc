// Challenge nonces (docs/eat-profile.md §Freshness): the verifier issues a random nonce per
// challenge, bound to the device it was sent to; an answer may use it once (nonce.replayed),
// only if this verifier issued it to that device (nonce.unknown), and only within the freshness
// window (nonce.stale). A nonce is marked used by one conditional UPDATE, so two answers racing
// for it cannot both win; a stale nonce is used up as well.
import { randomBytes } from 'node:crypto';
import type { VerifierDb } from './db.ts';
import { NONCE_MAX, NONCE_MIN } from './limits.ts';

export type NonceVerdict = 'fresh' | 'unknown' | 'replayed' | 'stale';

/** What the appraisal needs to judge freshness; NonceStore is the database-backed one. */
export interface NonceCheck {
  /** Uses the nonce for an answer to a challenge. */
  consume(device: string, nonce: Uint8Array, now: number): NonceVerdict;
  /** Whether this verifier ever issued `nonce` to `device` (unsolicited tokens quote the last one). */
  issued(device: string, nonce: Uint8Array): boolean;
}

export const NONCE_BYTES = 32;

export class NonceStore implements NonceCheck {
  constructor(private readonly db: VerifierDb, private readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`"windowMs" expected a positive number, got ${windowMs}`);
  }

  /** A fresh random nonce for a challenge to `device`, recorded as issued at `now` (ms). */
  issue(device: string, now: number, bytes = NONCE_BYTES): Uint8Array {
    if (bytes < NONCE_MIN || bytes > NONCE_MAX) throw new RangeError(`"bytes" expected ${NONCE_MIN}..${NONCE_MAX}, got ${bytes}`);
    const nonce = new Uint8Array(randomBytes(bytes));
    this.db.write('INSERT INTO nonces (device, nonce, issued_at) VALUES (?, ?, ?)', [device, nonce, now]);
    return nonce;
  }

  consume(device: string, nonce: Uint8Array, now: number): NonceVerdict {
    const row = this.db.rows('SELECT issued_at FROM nonces WHERE device = ? AND nonce = ?', [device, nonce])[0];
    if (!row) return 'unknown';
    const won = this.db.write('UPDATE nonces SET used_at = ? WHERE device = ? AND nonce = ? AND used_at IS NULL', [now, device, nonce]);
    if (won === 0) return 'replayed';
    return now - (row[0] as number) > this.windowMs ? 'stale' : 'fresh';
  }

  issued(device: string, nonce: Uint8Array): boolean {
    return this.db.rows('SELECT 1 FROM nonces WHERE device = ? AND nonce = ?', [device, nonce]).length > 0;
  }

  /** Forgets nonces issued before `before` (ms) that can no longer be fresh; returns how many. */
  prune(before: number): number {
    return this.db.write('DELETE FROM nonces WHERE issued_at < ?', [before]);
  }
}

/** The CLI's check: one nonce the caller says was issued (zw attest verify --nonce HEX). */
export class GivenNonce implements NonceCheck {
  private used = false;
  constructor(private readonly nonce: Uint8Array | null) {}

  consume(_device: string, nonce: Uint8Array): NonceVerdict {
    if (!this.nonce || Buffer.compare(this.nonce, nonce) !== 0) return 'unknown';
    if (this.used) return 'replayed';
    this.used = true;
    return 'fresh';
  }

  issued(_device: string, nonce: Uint8Array): boolean {
    return this.nonce !== null && Buffer.compare(this.nonce, nonce) === 0;
  }
}
