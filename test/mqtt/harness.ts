// A driver for the session state machine in tests: it steps events in, keeps every action, and
// reads what the session sent with mqtt-packet's parser; the broker's packets are made by
// mqtt-packet's generator — so neither side of a conversation uses our own codec.
import { sessionConfig, type SessionOptions } from '../../agent/mqtt/config.ts';
import type { Packet } from '../../agent/mqtt/packets.ts';
import { initialSession, step } from '../../agent/mqtt/session.ts';
import type { PublishRequest, SessionAction, SessionEvent, SessionState } from '../../agent/mqtt/state.ts';
import { theirGenerate, theirParse } from './oracle.ts';

export const ID = 'gw-ward-3';
export const T = (leaf: string) => `zw/v1/${ID}/${leaf}`;
type Obj = Record<string, unknown>;
type EventIn = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'now'> & { now?: number } : never) : never;

/** A random source that plays back `values` in a loop (NONENTROPIC: deterministic tests). */
export const NONENTROPIC_SEQUENCE = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

export class Sim {
  state: SessionState;
  now = 0;
  /** Actions of the last step. */
  last: SessionAction[] = [];
  readonly all: SessionAction[] = [];

  constructor(options: SessionOptions = {}, random = NONENTROPIC_SEQUENCE(0.5)) {
    this.state = initialSession(sessionConfig(ID, random, { keepAliveS: 60, ...options }));
  }

  step(e: EventIn): SessionAction[] {
    if (e.now !== undefined) this.now = e.now;
    const [s, a] = step(this.state, { ...e, now: this.now } as SessionEvent);
    this.state = s;
    this.last = a;
    this.all.push(...a);
    return a;
  }

  at(now: number): this { this.now = now; return this; }
  tick(now: number): SessionAction[] { return this.step({ type: 'tick', now }); }
  publish(request: PublishRequest): SessionAction[] { return this.step({ type: 'publish', request }); }
  report(id: number, leaf = 'event', size = 8): SessionAction[] {
    return this.publish({ topic: T(leaf), payload: new Uint8Array(size).fill(id & 0xff), qos: 1, reportId: id });
  }
  /** The broker sends packets (ours or mqtt-packet's objects), as one chunk. */
  broker(...packets: (Packet | Obj)[]): SessionAction[] {
    const parts = packets.map((p) => theirGenerate(p));
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    return this.bytes(all);
  }
  bytes(data: Uint8Array): SessionAction[] { return this.step({ type: 'bytes', data }); }

  /** connect → open → transport up → CONNECT → CONNACK: the actions of the CONNACK step. */
  connect(connack: Obj = {}, sessionPresent = false): SessionAction[] {
    this.step({ type: 'connect' });
    this.step({ type: 'transport-up' });
    return this.broker({ cmd: 'connack', sessionPresent, reasonCode: 0, ...connack });
  }
  /** The transport goes down, the backoff runs out, and the session connects again. */
  reconnect(connack: Obj = {}, sessionPresent = false): SessionAction[] {
    this.step({ type: 'transport-down', reason: 'net.reset' });
    if (this.state.phase !== 'backoff') throw new Error(`expected backoff, in ${this.state.phase}`);
    this.tick(this.state.retryAt);
    this.step({ type: 'transport-up' });
    return this.broker({ cmd: 'connack', sessionPresent, reasonCode: 0, ...connack });
  }
}

/** The packets in `actions`' send actions, as mqtt-packet parses them. */
export function sentPackets(actions: SessionAction[]): Obj[] {
  return actions.flatMap((a) => (a.type === 'send' ? theirParse(a.bytes) : []));
}
export const sentOf = (actions: SessionAction[], cmd: string): Obj[] => sentPackets(actions).filter((p) => p.cmd === cmd);
export const actionsOf = <K extends SessionAction['type']>(actions: SessionAction[], type: K) =>
  actions.filter((a): a is Extract<SessionAction, { type: K }> => a.type === type);
export const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);

export const pubacks = (ids: number[]) => ids.map((messageId) => ({ cmd: 'puback', messageId, reasonCode: 0 }));
/** Connects, and acknowledges the "online" status so that it leaves the window. */
export function online(s: Sim, connack: Obj = {}, sessionPresent = false): void {
  const a = s.connect(connack, sessionPresent);
  const status = sentOf(a, 'publish').find((p) => p.topic === T('status'));
  s.broker(...pubacks([status!.messageId as number]));
}
