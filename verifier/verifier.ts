// The verifier core the hospital's MQTT process drives (DESIGN.md §Contracts "Identities and
// topics"): it issues a challenge nonce per device, verifies and appraises each token that
// arrives on zw/v1/<id>/attest with that device's enrolment record, and stores every result.
// The MQTT process owns the connection; this class owns the decisions and the database.
import { checkDeviceId } from '../agent/identity.ts';
import { appraiseToken, type Appraisal } from './appraise.ts';
import type { AppraisalRow, VerifierDb } from './db.ts';
import type { Enrolment } from './enrolment.ts';
import { NonceStore } from './nonces.ts';
import type { Policy } from './policy.ts';
import type { RefValues } from './refvalues.ts';

export interface VerifierOptions {
  readonly db: VerifierDb;
  readonly policy: Policy;
  /** Reference values already checked with openRefValues against the policy's signers. */
  readonly refs: RefValues;
  /** The enrolment record of a device id, or null when the device is not enrolled. */
  readonly enrolment: (deviceId: string) => Enrolment | null;
  /** Wall clock in ms (tests inject one). */
  readonly now?: () => number;
}

const TOPIC = /^zw\/v1\/([^/+#]+)\/attest$/;

/** The device id a token topic speaks for (zw/v1/<id>/attest), or null for any other topic. */
export function deviceOfTopic(topic: string): string | null {
  const id = TOPIC.exec(topic)?.[1];
  return id !== undefined && checkDeviceId(id).ok ? id : null;
}

export class Verifier {
  readonly nonces: NonceStore;
  private readonly now: () => number;

  constructor(private readonly o: VerifierOptions) {
    this.nonces = new NonceStore(o.db, o.policy.freshnessMs);
    this.now = o.now ?? Date.now;
  }

  /** A new challenge nonce for `deviceId`: publish it on zw/v1/<id>/challenge. */
  challenge(deviceId: string): Uint8Array {
    const id = checkDeviceId(deviceId);
    if (!id.ok) throw new RangeError(`"deviceId" ${id.detail}`);
    return this.nonces.issue(deviceId, this.now());
  }

  /** Verifies and appraises a token received for `deviceId`, stores the result, returns it. */
  receive(deviceId: string, token: Uint8Array): Appraisal {
    const now = this.now();
    const a = appraiseToken(token, deviceId, this.o.enrolment(deviceId), { policy: this.o.policy, refs: this.o.refs, nonces: this.nonces }, now);
    this.o.db.storeAppraisal(deviceId, now, a.status, [...a.findings], a.ear);
    return a;
  }

  /** The same for a token that arrived on `topic`; null when the topic is not a token topic. */
  receiveOnTopic(topic: string, token: Uint8Array): Appraisal | null {
    const id = deviceOfTopic(topic);
    return id === null ? null : this.receive(id, token);
  }

  /** The device's newest stored results, newest first. */
  history(deviceId: string, limit = 20): AppraisalRow[] {
    return this.o.db.appraisals(deviceId, limit);
  }

  /** Forgets nonces older than twice the freshness window; call now and then. */
  prune(): number {
    return this.nonces.prune(this.now() - 2 * this.o.policy.freshnessMs);
  }
}
