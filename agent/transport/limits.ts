// Every bound of the agent's MQTT transport in one place (STYLE.md 8).

/** Reports of the store's queue handed to the session at once (its outbox and window). Below
 *  the session's MAX_OUTBOX, so a hand-over never meets a full outbox. */
export const REPORT_WINDOW = 32;
/** TCP connect and TLS 1.3 handshake together (NetConnectOptions.timeoutMs). */
export const CONNECT_TIMEOUT_MS = 20_000;
/** Correlation Data kept with an answer (MQTT 5.0 §3.3.2.3.6 allows 65535 bytes; the verifier
 *  sends a handful). A request with more is not answered. */
export const MAX_CORRELATION = 256;
/** Content Type of a report, in UTF-8 bytes. */
export const MAX_CONTENT_TYPE = 128;
/** MQTT 5.0 §3.3.2.3.7: the User Property naming the store's queue id, so that a receiver drops
 *  a report it already has (a report is sent at least once). */
export const REPORT_ID_PROPERTY = 'report-id';
