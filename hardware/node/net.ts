// The Net port over node:tls (hardware/ports.ts; the same behaviour as hardware/native/hw_net.c):
// TLS 1.3 only, the `ca` CERT entry of secure as the only trust anchor, the server checked for
// the IP literal, the `device` chain with the `tls` key. On Node (tools, tests, the local demo)
// the key becomes a KeyObject in this process; zw-host keeps it native. One difference remains:
// node:tls reports a TCP end without close_notify as an orderly end (onClose(null)); zw-host
// reports net.reset (test/net/cases.ts marks that case zw-host only).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { ZwError } from '../errors.ts';
import type { Net, NetConnectOptions, NetConnection } from '../ports.ts';
import type { Reason } from '../reasons.ts';
import { certPem, ENTRY, parseKey, type KeyRecord } from '../secure-format.ts';
import { bytes, integer } from './check.ts';
import type { SecureState } from './keys.ts';

/** How long an open waits for the server's first record after the handshake when none comes
 *  (hw_net.c ACCEPT_SETTLE_MS). In TLS 1.3 the client's handshake ends before the server has
 *  judged its certificate (RFC 8446 §4.4.2): a server that refuses it answers with an alert,
 *  one that accepts it sends NewSessionTicket (§4.6.1) or data. */
export const ACCEPT_SETTLE_MS = 500;
const TIMEOUT_MAX_MS = 600_000;
const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL', 'EACCES', 'EPERM']);
const VERSION = /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|WRONG_SSL_VERSION|UNSUPPORTED_SSL_VERSION/;

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function tlsKey(r: KeyRecord | null): KeyObject {
  if (r?.alg === 'ed25519' && r.priv.length === 32 && r.pub.length === 32) {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64u(r.priv), x: b64u(r.pub) }, format: 'jwk' });
  }
  if (r?.alg === 'p256' && r.priv.length === 32 && r.pub.length === 65) {
    const [x, y] = [r.pub.subarray(1, 33), r.pub.subarray(33)];
    return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64u(r.priv), x: b64u(x), y: b64u(y) }, format: 'jwk' });
  }
  throw new ZwError('net.cert.absent', 'the tls key is not an Ed25519 or P-256 key');
}

/** A TLS 1.3 context from secure: the hospital CA, the device chain, the tls key. */
function secureContext(state: SecureState): tls.SecureContext {
  const ca = state.find(ENTRY.CERT, 'ca');
  const device = state.find(ENTRY.CERT, 'device');
  const key = state.find(ENTRY.KEY, 'tls');
  if (!device || !ca || !key) {
    const what = !device ? 'device certificate (CERT device)' : !ca ? 'hospital CA (CERT ca)' : 'tls key';
    throw new ZwError('net.cert.absent', `secure holds no ${what}`);
  }
  const keyObject = tlsKey(parseKey(key));
  try {
    return tls.createSecureContext({
      minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ca: certPem(ca), cert: certPem(device),
      key: keyObject.export({ format: 'pem', type: 'pkcs8' }),
    });
  } catch (e) {
    throw new ZwError('net.cert.absent', `the device certificate, CA or tls key cannot be used: ${(e as Error).message}`);
  }
}

function checkOptions(opts: NetConnectOptions): NetConnectOptions {
  if (typeof opts !== 'object' || opts === null) throw new ZwError('input.type', '"opts" expected NetConnectOptions');
  if (typeof opts.host !== 'string') throw new ZwError('input.type', '"host" expected string');
  if (isIP(opts.host) === 0) throw new ZwError('input.range', '"host" expected an IPv4 or IPv6 literal (the gateway resolves no names)');
  integer('port', opts.port, 1, 65535);
  integer('timeoutMs', opts.timeoutMs, 1, TIMEOUT_MAX_MS);
  return opts;
}

/** The reason for a socket error: during the handshake, what went wrong; after it and before the
 *  server accepted us, a refused handshake; once open, a lost connection. */
function failureReason(e: NodeJS.ErrnoException, socket: tls.TLSSocket, state: State): Reason {
  const code = e.code ?? '';
  if (state === 'confirming') return 'net.tls.handshake';
  if (state !== 'connecting') return 'net.reset';
  if (REFUSED.has(code)) return 'net.refused';
  if (code === 'ETIMEDOUT') return 'net.timeout';
  // Node checks the server certificate and the IP SAN after the handshake and records the failure here.
  if ((socket as { authorizationError?: unknown }).authorizationError != null || code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'net.tls.verify';
  if (VERSION.test(code)) return 'net.tls.version';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'net.reset';
  return 'net.tls.handshake';
}

type State = 'connecting' | 'confirming' | 'open' | 'closing' | 'done';

class NodeConnection implements NetConnection {
  onData: ((data: Uint8Array) => void) | null = null;
  onClose: ((reason: string | null) => void) | null = null;
  #state: State = 'connecting';
  #held: Uint8Array[] = []; // data that arrived before the caller could set onData
  #reason: Reason | null = null;
  #detail = '';
  #timer: NodeJS.Timeout;

  constructor(private readonly socket: tls.TLSSocket, timeoutMs: number,
              private readonly settle: { resolve: (c: NetConnection) => void; reject: (e: ZwError) => void }) {
    this.#timer = setTimeout(() => this.#fail('net.timeout', `no TLS connection within ${timeoutMs} ms`), timeoutMs);
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      clearTimeout(this.#timer);
      this.#state = 'confirming';
      this.#timer = setTimeout(() => this.#open(), ACCEPT_SETTLE_MS);
    });
    // Not from inside the 'session' event: it fires in the middle of OpenSSL's read, where a
    // write by the resolved caller would be lost.
    socket.on('session', () => setImmediate(() => this.#open()));
    socket.on('data', (d: Buffer) => this.#data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (this.#reason) return;
      this.#reason = failureReason(e, socket, this.#state);
      this.#detail = e.message;
    });
    socket.on('close', () => this.#closed());
  }

  #fail(reason: Reason, detail: string): void {
    this.#reason ??= reason;
    this.#detail ||= detail;
    this.socket.destroy();
  }

  #open(): void {
    if (this.#state !== 'confirming') return;
    clearTimeout(this.#timer);
    this.#state = 'open';
    this.settle.resolve(this);
    if (this.#held.length) setImmediate(() => this.#flushHeld());
  }

  #flushHeld(): void {
    while (this.#held.length && (this.#state === 'open' || this.#state === 'done')) this.onData?.(this.#held.shift()!);
  }

  #data(d: Uint8Array): void {
    if (this.#state === 'confirming') {
      this.#held.push(d); // the server sent data: it accepted us
      this.#open();
    } else if (this.#state === 'open') {
      if (this.#held.length) this.#held.push(d);
      else this.onData?.(d);
    }
  }

  #closed(): void {
    const was = this.#state;
    if (was === 'done') return;
    this.#state = 'done';
    clearTimeout(this.#timer);
    if (was === 'connecting') {
      this.settle.reject(new ZwError(this.#reason ?? 'net.reset', this.#detail || 'the connection ended during the handshake'));
      return;
    }
    if (was === 'confirming') {
      // A server that refuses our certificate alerts and closes (Node reports only the end).
      this.settle.reject(new ZwError(this.#reason ?? 'net.tls.handshake', this.#detail || 'the server closed the connection after the handshake without accepting it'));
      return;
    }
    if (was === 'open') this.#flushHeld();
    this.#held = [];
    this.onClose?.(this.#reason);
  }

  write(data: Uint8Array): void {
    bytes('data', data);
    if (this.#state !== 'open') throw new ZwError('net.closed', `the connection is ${this.#state === 'done' ? 'closed' : 'closing'}`);
    if (data.length) this.socket.write(Buffer.from(data));
  }

  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    // close_notify, then the socket: "close" follows without waiting for the peer's answer.
    this.socket.end(() => this.socket.destroy());
  }
}

export class NodeNet implements Net {
  constructor(private readonly state: SecureState) {}

  connect(opts: NetConnectOptions): Promise<NetConnection> {
    return new Promise((resolve, reject) => {
      const { host, port, timeoutMs } = checkOptions(opts);
      const socket = tls.connect({
        host, port, secureContext: secureContext(this.state), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3',
        rejectUnauthorized: true, checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
      });
      new NodeConnection(socket, timeoutMs, { resolve, reject });
    });
  }
}
