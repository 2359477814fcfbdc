// What the MQTT session is, chosen once when the agent is put together (STYLE.md 3): the device
// id, the intervals and bounds, the backoff and its random source. Also the CONNECT it sends,
// with the Last Will on the status topic, and the reconnect delay.
import { fail } from '../../hardware/errors.ts';
import { checkInt } from './bytes.ts';
import {
  DEFAULT_BACKOFF, DEFAULT_CONNACK_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_S, DEFAULT_MAX_PACKET_IN, DEFAULT_SESSION_EXPIRY_S,
  DEFAULT_WILL_DELAY_S, MAX_INFLIGHT, MAX_OUTBOX, MAX_SUBSCRIPTIONS, MAX_VARINT, RECEIVE_MAXIMUM,
} from './limits.ts';
import type { Connect } from './packets.ts';
import type { Properties } from './properties.ts';
import { devicePrefix, deviceTopic } from './topics.ts';

export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  /** Fraction of each delay taken off at random: 0 none, 1 "full jitter". */
  readonly jitter: number;
}

export interface SessionConfig {
  readonly deviceId: string;
  readonly keepAliveS: number;
  readonly sessionExpiryS: number;
  readonly willDelayS: number;
  /** Our Maximum Packet Size on receive. */
  readonly maxPacketIn: number;
  /** Our Receive Maximum. */
  readonly receiveMaximum: number;
  /** Our own cap on unacknowledged PUBLISH packets, below the broker's Receive Maximum. */
  readonly maxInflight: number;
  readonly maxOutbox: number;
  readonly connackTimeoutMs: number;
  readonly backoff: Backoff;
  /** Uniform in [0, 1): the jitter source (deterministic in tests). */
  readonly random: () => number;
  readonly username: string | null;
  readonly password: Uint8Array | null;
}

export type SessionOptions = Partial<Omit<SessionConfig, 'deviceId' | 'random'>>;

/** A checked configuration; wrong values are our misuse (mqtt.usage, device.id). */
export function sessionConfig(deviceId: string, random: () => number, o: SessionOptions = {}): SessionConfig {
  devicePrefix(deviceId);
  if (typeof random !== 'function') fail('mqtt.usage', '"random" expected a function');
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  checkInt(backoff.baseMs, 1, 86_400_000, 'backoff.baseMs');
  checkInt(backoff.capMs, backoff.baseMs, 86_400_000, 'backoff.capMs');
  if (!(backoff.jitter >= 0 && backoff.jitter <= 1)) fail('mqtt.usage', `"backoff.jitter" expected a number in 0..1, got ${backoff.jitter}`);
  return {
    deviceId,
    keepAliveS: checkInt(o.keepAliveS ?? DEFAULT_KEEP_ALIVE_S, 0, 0xffff, 'keepAliveS'),
    sessionExpiryS: checkInt(o.sessionExpiryS ?? DEFAULT_SESSION_EXPIRY_S, 0, 0xffffffff, 'sessionExpiryS'),
    willDelayS: checkInt(o.willDelayS ?? DEFAULT_WILL_DELAY_S, 0, 0xffffffff, 'willDelayS'),
    maxPacketIn: checkInt(o.maxPacketIn ?? DEFAULT_MAX_PACKET_IN, 64, MAX_VARINT, 'maxPacketIn'),
    receiveMaximum: checkInt(o.receiveMaximum ?? RECEIVE_MAXIMUM, 1, 0xffff, 'receiveMaximum'),
    // Packet Identifiers must remain for the SUBSCRIBE packets (one per subscription at most).
    maxInflight: checkInt(o.maxInflight ?? MAX_INFLIGHT, 1, 0xffff - MAX_SUBSCRIPTIONS, 'maxInflight'),
    maxOutbox: checkInt(o.maxOutbox ?? MAX_OUTBOX, 1, 65_536, 'maxOutbox'),
    connackTimeoutMs: checkInt(o.connackTimeoutMs ?? DEFAULT_CONNACK_TIMEOUT_MS, 1, 3_600_000, 'connackTimeoutMs'),
    backoff,
    random,
    username: o.username ?? null,
    password: o.password ?? null,
  };
}

/** The device's status is text: "online" or "offline", retained. */
export const STATUS_PROPERTIES: Properties = { payloadFormatIndicator: true, contentType: 'text/plain' };
const utf8 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const ONLINE = utf8('online');
export const OFFLINE = utf8('offline');

/** CONNECT (MQTT 5.0 §3.1): Clean Start 0 with a Session Expiry Interval, so the broker keeps
 *  the session across reconnects (§3.1.2.4, §3.1.2.11.2); our Receive Maximum and Maximum
 *  Packet Size; the Last Will "offline", retained, on zw/v1/<id>/status (§3.1.2.5). */
export function connectPacket(c: SessionConfig): Connect {
  return {
    type: 'connect',
    clientId: c.deviceId,
    cleanStart: false,
    keepAlive: c.keepAliveS,
    properties: { sessionExpiryInterval: c.sessionExpiryS, receiveMaximum: c.receiveMaximum, maximumPacketSize: c.maxPacketIn },
    will: {
      topic: deviceTopic(c.deviceId, 'status'),
      payload: OFFLINE,
      qos: 1,
      retain: true,
      properties: { ...STATUS_PROPERTIES, willDelayInterval: c.willDelayS },
    },
    username: c.username,
    password: c.password,
  };
}

/** The wait before reconnect attempt `attempt` (0 first): base·2^attempt capped, less a random
 *  fraction of up to `jitter` of it, so that a fleet spreads out after a broker restart
 *  (DESIGN.md §Scale). Always within [(1 − jitter)·d, d] for d = min(cap, base·2^attempt). */
export function backoffDelay(attempt: number, b: Backoff, random: () => number): number {
  const d = Math.min(b.capMs, b.baseMs * 2 ** Math.min(attempt, 40));
  const r = random();
  const u = r >= 0 && r < 1 ? r : 0;
  return Math.ceil(d * (1 - b.jitter * u));
}
