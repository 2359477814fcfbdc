// The MQTT 5 client session as one pure step function (STYLE.md 2): step(state, event) →
// [state, actions]. No I/O, no clock: time comes in the events, bytes go out in actions, and
// the caller opens and closes the transport when asked. Phases:
//   idle → opening (transport asked) → connecting (CONNECT sent) → connected (CONNACK accepted)
//   → closing (transport asked to close) → backoff (jittered exponential wait) → opening …
import { fail } from '../../hardware/errors.ts';
import { backoffDelay, connectPacket, type SessionConfig } from './config.ts';
import { Decoder } from './decoder.ts';
import { addSubscriptions, checkedMessage, enqueue, pump, resume } from './flow.ts';
import { connectedPacket, protocolReject, refuseBroker } from './inbound.ts';
import { MAX_VARINT } from './limits.ts';
import type { Connack } from './packets.ts';
import { RC } from './reject.ts';
import type { Delivered, PublishRequest, ServerLimits, SessionAction, SessionEvent, SessionState } from './state.ts';
import { Turn } from './turn.ts';

export function initialSession(config: SessionConfig): SessionState {
  return { phase: 'idle', data: { config, outbox: [], inflight: [], subs: [], nextId: 1, attempt: 0, timerAt: null } };
}

/** MQTT 5.0 §3.2.2.3: the CONNACK's properties, with the defaults the spec gives for absent ones. */
function serverLimits(c: SessionConfig, p: Connack['properties']): ServerLimits {
  return {
    receiveMaximum: p.receiveMaximum ?? 65_535,
    maximumPacketSize: p.maximumPacketSize ?? MAX_VARINT + 5,
    maximumQoS: p.maximumQoS ?? 1,
    retainAvailable: p.retainAvailable ?? true,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? true,
    subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? true,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? true,
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
    sessionExpiryS: p.sessionExpiryInterval ?? c.sessionExpiryS,
    keepAliveS: p.serverKeepAlive ?? c.keepAliveS, // §3.2.2.3.14 [MQTT-3.2.2-21]
    assignedClientIdentifier: p.assignedClientIdentifier ?? null,
    responseInformation: p.responseInformation ?? null,
  };
}

/** The wait before the next attempt, counted. */
function backoff(t: Turn): SessionState {
  const retryAt = t.now + backoffDelay(t.attempt, t.config.backoff, t.config.random);
  t.attempt++;
  return { phase: 'backoff', data: t.state.data, retryAt };
}

function open(t: Turn): SessionState {
  t.emit({ type: 'open' });
  return { phase: 'opening', data: t.state.data };
}

function connack(t: Turn, p: Connack, decoder: Decoder): SessionState {
  // §3.2.2.2: 0x80 and above refuse the connection; the broker then closes it.
  if (p.reasonCode >= 0x80) {
    t.lost('mqtt.connack', p.reasonCode, `the broker refused the connection with 0x${p.reasonCode.toString(16)}`, p.properties);
    return t.closing('mqtt.connack', 'retry');
  }
  const server = serverLimits(t.config, p.properties);
  t.attempt = 0;
  t.link = { server, lastSentAt: t.now, pingSentAt: null };
  t.emit({ type: 'connected', sessionPresent: p.sessionPresent, server });
  resume(t, p.sessionPresent);
  pump(t);
  return { phase: 'connected', data: t.state.data, decoder, link: t.link };
}

/** Packets out of `data`, each handled in the phase the previous one left; stops at a close. */
function received(t: Turn, s: SessionState & { phase: 'connecting' | 'connected' }, data: Uint8Array): SessionState {
  let state: SessionState = s;
  for (const d of s.decoder.push(data)) {
    if (state.phase !== 'connecting' && state.phase !== 'connected') break;
    if (!d.ok) { state = refuseBroker(t, d); break; }
    const p = d.packet;
    if (state.phase === 'connecting') {
      // §3.2.0 [MQTT-3.2.0-1]: the broker's first packet is CONNACK.
      if (p.type === 'connack') state = connack(t, p, s.decoder);
      else if (p.type === 'disconnect') {
        t.lost('mqtt.server-disconnect', p.reasonCode, `the broker disconnected with 0x${p.reasonCode.toString(16)} before CONNACK`, p.properties);
        state = t.closing('mqtt.server-disconnect', 'retry');
      } else state = refuseBroker(t, protocolReject(`${p.type.toUpperCase()} before CONNACK (§3.2.0)`));
    } else state = connectedPacket(t, p) ?? state;
  }
  return state;
}

function keepAlive(t: Turn, s: SessionState & { phase: 'connected' }): SessionState {
  const link = t.link ?? s.link;
  const k = link.server.keepAliveS * 1000;
  if (k === 0) return s;
  // §3.1.2.10: no PINGRESP within a keep-alive after the PINGREQ: the connection is given up.
  if (link.pingSentAt !== null && t.now >= link.pingSentAt + k) {
    t.lost('mqtt.keepalive', null, `no PINGRESP within ${link.server.keepAliveS} s`);
    return t.closing('mqtt.keepalive', 'retry');
  }
  if (link.pingSentAt === null && t.now >= link.lastSentAt + k) {
    t.send({ type: 'pingreq' });
    t.link = { ...t.link!, pingSentAt: t.now };
  }
  return s;
}

function request(t: Turn, s: SessionState, e: SessionEvent & { type: 'publish' | 'subscribe' }): SessionState {
  if (e.type === 'publish') enqueue(t, checkedMessage(t, e.request));
  else addSubscriptions(t, e.filters);
  if (s.phase === 'connected') pump(t);
  return s;
}

function transportDown(t: Turn, s: SessionState, reason: string | null): SessionState {
  switch (s.phase) {
    case 'closing': return s.then === 'stop' ? { phase: 'idle', data: s.data } : backoff(t);
    case 'opening': case 'connecting': case 'connected':
      t.lost('mqtt.transport', null, reason ?? 'the broker closed the connection');
      t.link = null;
      return backoff(t);
    default: return s;
  }
}

function disconnect(t: Turn, s: SessionState): SessionState {
  switch (s.phase) {
    case 'connected':
      // §3.14.2.1: 0x04 asks the broker to publish the Will, the retained "offline" status.
      t.send({ type: 'disconnect', reasonCode: RC.DISCONNECT_WITH_WILL, properties: {} });
      return t.closing(null, 'stop');
    case 'opening': case 'connecting': return t.closing(null, 'stop');
    case 'closing': return { ...s, then: 'stop' };
    default: return { phase: 'idle', data: s.data };
  }
}

function next(t: Turn, s: SessionState, e: SessionEvent): SessionState {
  switch (e.type) {
    case 'connect':
      if (s.phase === 'idle') return open(t);
      return s.phase === 'closing' ? { ...s, then: 'retry' } : s;
    case 'transport-up':
      if (s.phase !== 'opening') { t.log('warn', 'mqtt.transport', { detail: `transport up while ${s.phase}` }); return s; }
      t.send(connectPacket(t.config));
      return { phase: 'connecting', data: s.data, decoder: new Decoder(t.config.maxPacketIn), deadline: t.now + t.config.connackTimeoutMs };
    case 'transport-down': return transportDown(t, s, e.reason);
    case 'bytes': return s.phase === 'connecting' || s.phase === 'connected' ? received(t, s, e.data) : s;
    case 'tick':
      if (s.phase === 'backoff' && t.now >= s.retryAt) return open(t);
      if (s.phase === 'connecting' && t.now >= s.deadline) {
        t.lost('mqtt.timeout', null, `no CONNACK within ${t.config.connackTimeoutMs} ms`);
        return t.closing('mqtt.timeout', 'retry');
      }
      return s.phase === 'connected' ? keepAlive(t, s) : s;
    case 'publish': case 'subscribe': return request(t, s, e);
    case 'disconnect': return disconnect(t, s);
  }
}

/** One event in, the next state and the actions to carry out, in order. */
export function step(state: SessionState, event: SessionEvent): [SessionState, SessionAction[]] {
  if (typeof event.now !== 'number' || !Number.isFinite(event.now)) fail('mqtt.usage', `"now" expected a finite number, got ${String(event.now)}`);
  const t = new Turn(state, event.now);
  return t.finish(next(t, state, event), event.type === 'tick');
}

/** The publish request that answers `request` (MQTT 5.0 §4.10): on its Response Topic, with its
 *  Correlation Data. Misuse when the request offered no answerable Response Topic. */
export function answer(request: Delivered, payload: Uint8Array, reportId: number | null, extra: PublishRequest['properties'] = {}): PublishRequest {
  if (!request.response) fail('mqtt.usage', '"request" has no Response Topic of the device to answer on');
  const cd = request.response.correlationData;
  return { topic: request.response.topic, payload, qos: 1, properties: cd ? { ...extra, correlationData: cd } : extra, reportId };
}
