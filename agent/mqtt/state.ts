// The MQTT session as data (STYLE.md 2): its states, the events that drive it and the actions it
// asks of the caller. What outlives a connection — the outbox, the PUBLISH packets in flight,
// the subscriptions, the packet identifiers, the reconnect attempt — is SessionData.
import type { LogLevel, LogValue } from '../../hardware/ports.ts';
import type { Reason } from '../../hardware/reasons.ts';
import type { SessionConfig } from './config.ts';
import type { Decoder } from './decoder.ts';
import type { QoS } from './packets.ts';
import type { Properties } from './properties.ts';
import type { Leaf } from './topics.ts';

/** A message to publish. `reportId` names a report of the store's queue: it comes back in
 *  `acked` after the broker's PUBACK, or in `publish-failed`. null for the client's own status. */
export interface OutMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  readonly reportId: number | null;
}

export interface InFlight {
  readonly packetId: number;
  readonly message: OutMessage;
  /** Sent on the current connection (and so counted against the window). */
  readonly sent: boolean;
}

export interface Sub {
  readonly topicFilter: string;
  readonly qos: QoS;
  /** The broker granted (or refused) it in this session. */
  readonly acked: boolean;
  /** Packet Identifier of the SUBSCRIBE awaiting its SUBACK; 0 when none. */
  readonly pendingId: number;
}

export interface SessionData {
  readonly config: SessionConfig;
  readonly outbox: readonly OutMessage[];
  readonly inflight: readonly InFlight[];
  readonly subs: readonly Sub[];
  /** The next Packet Identifier to try (1..65535). */
  readonly nextId: number;
  /** Failed connection attempts since the last CONNACK that accepted us. */
  readonly attempt: number;
  /** The timer last asked for. */
  readonly timerAt: number | null;
}

/** What the broker's CONNACK granted (MQTT 5.0 §3.2.2.3), defaults filled in. */
export interface ServerLimits {
  readonly receiveMaximum: number;
  readonly maximumPacketSize: number;
  readonly maximumQoS: QoS;
  readonly retainAvailable: boolean;
  readonly wildcardSubscriptionAvailable: boolean;
  readonly subscriptionIdentifiersAvailable: boolean;
  readonly sharedSubscriptionAvailable: boolean;
  readonly topicAliasMaximum: number;
  readonly sessionExpiryS: number;
  /** The keep-alive in force: Server Keep Alive when the broker sent one (§3.2.2.3.14). */
  readonly keepAliveS: number;
  readonly assignedClientIdentifier: string | null;
  readonly responseInformation: string | null;
}

export interface Link {
  readonly server: ServerLimits;
  readonly lastSentAt: number;
  /** When the unanswered PINGREQ went out; null when none is outstanding. */
  readonly pingSentAt: number | null;
}

/** The Decoder is the one mutable part: it holds the bytes of a packet still arriving. A state
 *  passed to step() must not be stepped again. */
export type SessionState =
  | { readonly phase: 'idle'; readonly data: SessionData }
  | { readonly phase: 'backoff'; readonly data: SessionData; readonly retryAt: number }
  | { readonly phase: 'opening'; readonly data: SessionData }
  | { readonly phase: 'connecting'; readonly data: SessionData; readonly decoder: Decoder; readonly deadline: number }
  | { readonly phase: 'connected'; readonly data: SessionData; readonly decoder: Decoder; readonly link: Link }
  | { readonly phase: 'closing'; readonly data: SessionData; readonly then: 'retry' | 'stop' };

export interface PublishRequest {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain?: boolean;
  readonly properties?: Properties;
  readonly reportId: number | null;
}

/** Every event carries the monotonic time in milliseconds. */
export type SessionEvent =
  | { readonly type: 'connect'; readonly now: number }
  | { readonly type: 'transport-up'; readonly now: number }
  | { readonly type: 'transport-down'; readonly now: number; readonly reason: string | null }
  | { readonly type: 'bytes'; readonly now: number; readonly data: Uint8Array }
  | { readonly type: 'tick'; readonly now: number }
  | { readonly type: 'publish'; readonly now: number; readonly request: PublishRequest }
  | { readonly type: 'subscribe'; readonly now: number; readonly filters: readonly { readonly topicFilter: string; readonly qos: QoS }[] }
  | { readonly type: 'disconnect'; readonly now: number };

/** A message for the agent. `leaf` names the topic when it is one of the device's own;
 *  `response` is where and with what Correlation Data to answer a request (MQTT 5.0 §4.10),
 *  present only when the Response Topic is one of the device's own topics. */
export interface Delivered {
  readonly topic: string;
  readonly leaf: Leaf | null;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly properties: Properties;
  readonly response: { readonly topic: string; readonly correlationData: Uint8Array | null } | null;
}

export type SessionAction =
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  | { readonly type: 'open' }
  /** Close the transport; reason null for an orderly end we asked for. */
  | { readonly type: 'close'; readonly reason: Reason | null }
  /** Send a tick at (or after) this monotonic time; it replaces any earlier timer. */
  | { readonly type: 'timer'; readonly at: number }
  | { readonly type: 'deliver'; readonly message: Delivered }
  /** The broker acknowledged the report: the store's queue may drop it now. */
  | { readonly type: 'acked'; readonly reportId: number }
  /** The report was not taken by the broker and will not be retried by the session. */
  | { readonly type: 'publish-failed'; readonly reportId: number; readonly reason: Reason; readonly code: number | null; readonly detail: string }
  | { readonly type: 'connected'; readonly sessionPresent: boolean; readonly server: ServerLimits }
  | {
    readonly type: 'lost'; readonly reason: Reason; readonly code: number | null; readonly detail: string;
    readonly reasonString: string | null; readonly serverReference: string | null;
  }
  | { readonly type: 'subscribed'; readonly results: readonly { readonly topicFilter: string; readonly reasonCode: number }[] }
  | { readonly type: 'log'; readonly level: LogLevel; readonly code: string; readonly fields: Record<string, LogValue> };
