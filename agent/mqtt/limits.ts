// Every bound of the MQTT client in one place (STYLE.md 8). Received lengths are checked
// against these before anything is sized by them.

/** Largest value of a Variable Byte Integer (MQTT 5.0 §1.5.5: at most four bytes). */
export const MAX_VARINT = 268_435_455;
/** Largest UTF-8 string or binary field: a two-byte length (§1.5.4, §1.5.6). */
export const MAX_FIELD = 65_535;
/** Our Maximum Packet Size on receive, announced in CONNECT (§3.1.2.11.4): challenges,
 *  commands and update chunks fit in it; anything larger is refused before it is buffered. */
export const DEFAULT_MAX_PACKET_IN = 1024 * 1024;
/** PUBLISH packets we keep unacknowledged at once, whatever the broker's Receive Maximum. */
export const MAX_INFLIGHT = 32;
/** Receive Maximum we announce: QoS 1 PUBLISH packets the broker may have unacknowledged
 *  towards us (§3.1.2.11.3). We acknowledge each one in the step that delivers it. */
export const RECEIVE_MAXIMUM = 16;
/** Publish requests held while offline or while the window is full. */
export const MAX_OUTBOX = 256;
/** Topic filters the device keeps subscribed. */
export const MAX_SUBSCRIPTIONS = 16;
/** Keep Alive we ask for, in seconds (§3.1.2.10). */
export const DEFAULT_KEEP_ALIVE_S = 60;
/** Session Expiry Interval we ask for, in seconds (§3.1.2.11.2): a day of broker outage or
 *  gateway downtime keeps the challenges queued for us. */
export const DEFAULT_SESSION_EXPIRY_S = 86_400;
/** Will Delay Interval (§3.1.3.2.2): a reconnect within it publishes no "offline". */
export const DEFAULT_WILL_DELAY_S = 10;
/** Time from transport up to CONNACK. */
export const DEFAULT_CONNACK_TIMEOUT_MS = 10_000;
/** Reconnect backoff (DESIGN.md §Scale): base, cap and the jittered fraction of each delay. */
export const DEFAULT_BACKOFF = { baseMs: 1_000, capMs: 300_000, jitter: 0.5 } as const;
