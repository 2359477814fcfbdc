// One step's working copy of the session: the lists it may change, the actions it collects, the
// connection's send clock. step() builds a Turn from the state it is given (never changing that
// state) and turns it back into the next state with finish().
import { fail } from '../../hardware/errors.ts';
import type { LogLevel, LogValue } from '../../hardware/ports.ts';
import type { Reason } from '../../hardware/reasons.ts';
import type { SessionConfig } from './config.ts';
import { encodePacket } from './encode.ts';
import type { Packet } from './packets.ts';
import type { InFlight, Link, OutMessage, SessionAction, SessionData, SessionState, Sub } from './state.ts';

export class Turn {
  readonly actions: SessionAction[] = [];
  readonly config: SessionConfig;
  outbox: OutMessage[];
  inflight: InFlight[];
  subs: Sub[];
  nextId: number;
  attempt: number;
  /** The connection's link while connected. */
  link: Link | null;

  constructor(readonly state: SessionState, readonly now: number) {
    const d = state.data;
    this.config = d.config;
    this.outbox = [...d.outbox];
    this.inflight = [...d.inflight];
    this.subs = [...d.subs];
    this.nextId = d.nextId;
    this.attempt = d.attempt;
    this.link = state.phase === 'connected' ? state.link : null;
  }

  emit(a: SessionAction): void { this.actions.push(a); }

  log(level: LogLevel, code: string, fields: Record<string, LogValue> = {}): void {
    this.emit({ type: 'log', level, code, fields });
  }

  send(p: Packet): void { this.sendBytes(encodePacket(p)); }

  sendBytes(bytes: Uint8Array): void {
    this.emit({ type: 'send', bytes });
    if (this.link) this.link = { ...this.link, lastSentAt: this.now };
  }

  lost(reason: Reason, code: number | null, detail: string, extra: { reasonString?: string | undefined; serverReference?: string | undefined } = {}): void {
    this.emit({ type: 'lost', reason, code, detail, reasonString: extra.reasonString ?? null, serverReference: extra.serverReference ?? null });
  }

  /** Closes the transport for `reason` (already surfaced) and waits for it to go down. */
  closing(reason: Reason | null, then: 'retry' | 'stop'): SessionState {
    this.emit({ type: 'close', reason });
    this.link = null;
    return { phase: 'closing', data: this.state.data, then };
  }

  /** MQTT 5.0 §2.2.1 [MQTT-2.2.1-3]: a non-zero identifier not in use by a PUBLISH in flight or
   *  a SUBSCRIBE awaiting its SUBACK. */
  allocateId(): number {
    for (let i = 0; i < 0xffff; i++) {
      const id = this.nextId;
      this.nextId = id === 0xffff ? 1 : id + 1;
      if (!this.inflight.some((f) => f.packetId === id) && !this.subs.some((s) => s.pendingId === id)) return id;
    }
    return fail('mqtt.usage', 'every Packet Identifier is in use');
  }

  /** The next state: `next` with this turn's data, and a timer action when its deadline moved —
   *  or after a tick, which used the timer up (a tick that came early must not leave none). */
  finish(next: SessionState, ticked: boolean): [SessionState, SessionAction[]] {
    const linked = next.phase === 'connected' && this.link ? { ...next, link: this.link } : next;
    const at = deadline(linked);
    if (at !== null && (ticked || at !== this.state.data.timerAt)) this.emit({ type: 'timer', at });
    const data: SessionData = {
      config: this.config, outbox: this.outbox, inflight: this.inflight, subs: this.subs,
      nextId: this.nextId, attempt: this.attempt, timerAt: at,
    };
    return [{ ...linked, data } as SessionState, this.actions];
  }
}

/** When the state next needs a tick: the retry, the CONNACK deadline, or the keep-alive. */
function deadline(s: SessionState): number | null {
  switch (s.phase) {
    case 'backoff': return s.retryAt;
    case 'connecting': return s.deadline;
    case 'connected': {
      const k = s.link.server.keepAliveS * 1000;
      // MQTT 5.0 §3.1.2.10: a PINGREQ when nothing was sent for a keep-alive; the connection is
      // given up when its PINGRESP does not come within another.
      return k > 0 ? (s.link.pingSentAt ?? s.link.lastSentAt) + k : null;
    }
    default: return null;
  }
}
