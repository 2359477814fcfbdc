// The agent's side of attestation (docs/eat-profile.md §Freshness): answers the verifier's
// challenges with a token carrying its nonce, sends an unsolicited token at boot and whenever
// the posture changes (with the last answered nonce, or none), and keeps the boot count the
// tokens carry. Tokens are built by agent/attest/token.ts; refusals are logged, never sent.
import { hex } from '../bootloader-verify/trust.ts';
import type { Ports } from '../hardware/ports.ts';
import { MAX_NONCE, MIN_NONCE } from './attest/limits.ts';
import { postureMap, type Posture } from './attest/posture.ts';
import { makeToken } from './attest/token.ts';
import type { Freshness, Trigger } from './attest/claims.ts';
import { gatherPosture } from './posture/gather.ts';
import type { MeasurementRecord } from './start.ts';
import type { Store } from './store/store.ts';
import type { Answer, Challenge } from './transport/client.ts';

export const EAT_CONTENT_TYPE = 'application/eat+cwt';
const BOOT_SEQ_KEY = 'agent/boot-seq';


/** Counts this boot in the store (committed before any token carries it). */
export function nextBootSeq(store: Store): number {
  const r = store.get(BOOT_SEQ_KEY);
  const prev = r.ok && r.value && r.value.length === 4 ? new DataView(r.value.buffer, r.value.byteOffset).getUint32(0) : 0;
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, (prev + 1) >>> 0);
  store.put(BOOT_SEQ_KEY, v);
  return prev + 1;
}

export class Attester {
  #lastNonce: Uint8Array | null = null;
  #posture: Posture;
  #digest: string;

  constructor(private readonly ports: Ports, private readonly measurements: readonly MeasurementRecord[], private readonly bootSeq: number) {
    this.#posture = gatherPosture(ports, measurements);
    this.#digest = this.#digestOf(this.#posture);
  }

  /** The token answering a challenge whose payload is the nonce; null (logged) when refused. */
  answer(c: Challenge): Answer | null {
    if (c.payload.length < MIN_NONCE || c.payload.length > MAX_NONCE) {
      this.ports.log.log('warn', 'attest.nonce', { detail: `a challenge nonce of ${c.payload.length} bytes (${MIN_NONCE}..${MAX_NONCE})` });
      return null;
    }
    const token = this.#token('challenge', 'challenge', c.payload);
    if (token) this.#lastNonce = c.payload.slice();
    return token ? { payload: token, contentType: EAT_CONTENT_TYPE } : null;
  }

  /** An unsolicited token (boot, posture change), with the last answered nonce when there is one. */
  unsolicited(trigger: Exclude<Trigger, 'challenge'>): Uint8Array | null {
    return this.#lastNonce ? this.#token(trigger, 'last-challenge', this.#lastNonce) : this.#token(trigger, 'none');
  }

  /** Gathers the posture again; true when it differs from the one the last token carried. */
  postureChanged(): boolean {
    const p = gatherPosture(this.ports, this.measurements);
    const d = this.#digestOf(p);
    if (d === this.#digest) return false;
    this.ports.log.log('warn', 'posture.changed', { from: this.#digest.slice(0, 16), to: d.slice(0, 16) });
    this.#posture = p;
    this.#digest = d;
    return true;
  }

  #digestOf(p: Posture): string {
    return hex(postureMap(p, (d) => this.ports.crypto.sha256(d)).get(7) as Uint8Array);
  }

  #token(trigger: Trigger, freshness: Freshness, nonce?: Uint8Array): Uint8Array | null {
    const agent = this.measurements.find((m) => m.type === 'agent');
    const r = makeToken(this.ports, {
      deviceId: this.ports.device.id(),
      agentVersion: agent?.version ?? '0.0.0',
      measurements: this.measurements,
      posture: this.#posture,
      trigger, freshness, bootSeq: this.bootSeq,
      ...(nonce ? { nonce } : {}),
      ...this.#hardware(),
    });
    if (!r.ok) {
      this.ports.log.log('error', r.reason, { trigger, detail: r.detail });
      return null;
    }
    this.ports.log.log('info', 'attest.token', { trigger, freshness, bytes: r.token.length });
    return r.token;
  }

  /** oemid and hwmodel, when provisioned (settings are checked by zw provision). */
  #hardware(): { oemid?: Uint8Array; hwmodel?: Uint8Array } {
    const oemid = this.ports.device.setting('oemid');
    const hwmodel = this.ports.device.setting('hwmodel');
    return {
      ...(oemid ? { oemid: Uint8Array.from(oemid.match(/../g) ?? [], (h) => parseInt(h, 16)) } : {}),
      ...(hwmodel ? { hwmodel: new TextEncoder().encode(hwmodel) } : {}),
    };
  }
}
