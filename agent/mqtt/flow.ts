// Outgoing traffic: publish and subscribe requests are checked when they are made (a wrong one
// is our misuse and throws), wait in the outbox, and go out while the broker's Receive Maximum
// leaves room (MQTT 5.0 §4.9). After a reconnect the PUBLISH packets still unacknowledged go
// first, in their order, with DUP set and their Packet Identifiers (§4.4, §4.6).
import { fail } from '../../hardware/errors.ts';
import { STATUS_PROPERTIES, ONLINE } from './config.ts';
import { encodePacket } from './encode.ts';
import { MAX_SUBSCRIPTIONS } from './limits.ts';
import type { QoS } from './packets.ts';
import type { InFlight, OutMessage, PublishRequest, ServerLimits } from './state.ts';
import { deviceTopic, devicePrefix, isOwnTopic, topicFilterProblem } from './topics.ts';
import type { Turn } from './turn.ts';

/** A publish request as the session keeps it; misuse throws before anything changes. */
export function checkedMessage(t: Turn, r: PublishRequest): OutMessage {
  const deviceId = t.config.deviceId;
  // DESIGN.md §Contracts "Identities and topics": everything a device publishes stays under zw/v1/<id>/.
  if (typeof r.topic !== 'string' || !isOwnTopic(deviceId, r.topic)) fail('mqtt.usage', `"topic" ${JSON.stringify(r.topic)} is not one of ${devicePrefix(deviceId)}{…}`);
  if (r.qos !== 0 && r.qos !== 1) fail('mqtt.usage', `"qos" expected 0 or 1, got ${String(r.qos)}`);
  if (r.qos === 0 && r.reportId !== null) fail('mqtt.usage', '"reportId" needs QoS 1: only a PUBACK acknowledges a report');
  if (r.reportId !== null && !(Number.isSafeInteger(r.reportId) && r.reportId >= 0)) fail('mqtt.usage', `"reportId" expected a non-negative integer, got ${String(r.reportId)}`);
  const properties = r.properties ?? {};
  // §3.3.4 [MQTT-3.3.4-6]: a client sends no Subscription Identifier; this client uses no Topic Alias.
  if (properties.subscriptionIdentifiers !== undefined || properties.topicAlias !== undefined) fail('mqtt.usage', '"properties": a client sends neither Subscription Identifier nor Topic Alias');
  if (!(r.payload instanceof Uint8Array)) fail('mqtt.usage', '"payload" expected Uint8Array');
  const m: OutMessage = { topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain ?? false, properties, reportId: r.reportId };
  // Throws on anything else the spec forbids; the payload does not change what is allowed.
  encodePacket({ type: 'publish', ...m, payload: new Uint8Array(0), dup: false, packetId: m.qos ? 1 : 0 });
  return m;
}

export function enqueue(t: Turn, m: OutMessage): void {
  if (t.outbox.length < t.config.maxOutbox) { t.outbox.push(m); return; }
  if (m.reportId !== null) t.emit({ type: 'publish-failed', reportId: m.reportId, reason: 'mqtt.outbox-full', code: null, detail: `${t.outbox.length} messages wait already` });
  else t.log('warn', 'mqtt.outbox-full', { topic: m.topic });
}

/** Adds topic filters to the subscriptions kept; each must lie under the device's own topics. */
export function addSubscriptions(t: Turn, filters: readonly { readonly topicFilter: string; readonly qos: QoS }[]): void {
  const prefix = devicePrefix(t.config.deviceId);
  for (const f of filters) {
    const problem = typeof f.topicFilter === 'string' ? topicFilterProblem(f.topicFilter) : 'not a string';
    if (problem || !f.topicFilter.startsWith(prefix)) fail('mqtt.usage', `"topicFilter" ${JSON.stringify(f.topicFilter)}: ${problem ?? `not under ${prefix}`}`);
    if (f.qos !== 0 && f.qos !== 1) fail('mqtt.usage', `"qos" expected 0 or 1, got ${String(f.qos)}`);
  }
  for (const f of filters) {
    const i = t.subs.findIndex((s) => s.topicFilter === f.topicFilter);
    const sub = { topicFilter: f.topicFilter, qos: f.qos, acked: false, pendingId: 0 };
    if (i >= 0) t.subs[i] = sub;
    else if (t.subs.length < MAX_SUBSCRIPTIONS) t.subs.push(sub);
    else fail('mqtt.usage', `"filters": at most ${MAX_SUBSCRIPTIONS} subscriptions`);
  }
}

/** After a CONNACK: what the broker no longer has is sent again (§4.4), and "online" goes out
 *  retained on the status topic, replacing one still waiting from an earlier connection. */
export function resume(t: Turn, sessionPresent: boolean): void {
  t.inflight = t.inflight.map((f) => ({ ...f, sent: false }));
  t.subs = t.subs.map((s) => ({ ...s, pendingId: 0, acked: s.acked && sessionPresent }));
  const status = deviceTopic(t.config.deviceId, 'status');
  t.outbox = t.outbox.filter((m) => !(m.reportId === null && m.topic === status));
  t.outbox.unshift({ topic: status, payload: ONLINE, qos: 1, retain: true, properties: STATUS_PROPERTIES, reportId: null });
}

function failed(t: Turn, m: OutMessage, reason: 'mqtt.too-large' | 'mqtt.qos', detail: string): void {
  if (m.reportId !== null) t.emit({ type: 'publish-failed', reportId: m.reportId, reason, code: null, detail });
  else t.log('warn', reason, { topic: m.topic, detail });
}

/** The bytes of `m` as the broker allows them, or null when it cannot take them at all. */
function fitted(t: Turn, server: ServerLimits, m: OutMessage, packetId: number, dup: boolean): Uint8Array | null {
  // §3.2.2.3.4: no QoS above the broker's Maximum QoS; a report needs QoS 1.
  if (m.qos > server.maximumQoS) { failed(t, m, 'mqtt.qos', 'the broker allows QoS 0 only'); return null; }
  let retain = m.retain;
  // §3.2.2.3.5: no retained message where the broker has none.
  if (retain && !server.retainAvailable) { retain = false; t.log('warn', 'mqtt.retain', { topic: m.topic }); }
  const bytes = encodePacket({ type: 'publish', topic: m.topic, payload: m.payload, qos: m.qos, retain, dup, packetId, properties: m.properties });
  // §3.2.2.3.6 [MQTT-3.1.2-25]: a packet over the broker's Maximum Packet Size is dropped unsent.
  if (bytes.length > server.maximumPacketSize) { failed(t, m, 'mqtt.too-large', `${bytes.length} bytes; the broker takes ${server.maximumPacketSize}`); return null; }
  return bytes;
}

function sendSubscriptions(t: Turn): void {
  const todo = t.subs.filter((s) => !s.acked && s.pendingId === 0);
  if (todo.length === 0) return;
  const id = t.allocateId();
  t.send({
    type: 'subscribe', packetId: id, properties: {},
    subscriptions: todo.map((s) => ({ topicFilter: s.topicFilter, qos: s.qos, noLocal: false, retainAsPublished: false, retainHandling: 0 })),
  });
  t.subs = t.subs.map((s) => (todo.includes(s) ? { ...s, pendingId: id } : s));
}

/** Sends what the window allows: unacknowledged PUBLISH packets again, then the outbox. */
export function pump(t: Turn): void {
  const server = t.link?.server;
  if (!server) return;
  sendSubscriptions(t);
  const window = Math.min(server.receiveMaximum, t.config.maxInflight);
  for (;;) {
    const inWindow = t.inflight.filter((f) => f.sent).length;
    const again = t.inflight.find((f) => !f.sent);
    if (again) {
      if (inWindow >= window) return;
      // §4.4 [MQTT-4.4.0-1]: the same Packet Identifier, and DUP set (§3.3.1.1).
      const bytes = fitted(t, server, again.message, again.packetId, true);
      t.inflight = bytes ? t.inflight.map((f): InFlight => (f === again ? { ...f, sent: true } : f)) : t.inflight.filter((f) => f !== again);
      if (bytes) t.sendBytes(bytes);
      continue;
    }
    const m = t.outbox[0];
    if (!m || (m.qos === 1 && inWindow >= window)) return;
    t.outbox.shift();
    const id = m.qos === 1 ? t.allocateId() : 0;
    const bytes = fitted(t, server, m, id, false);
    if (!bytes) continue;
    if (m.qos === 1) t.inflight.push({ packetId: id, message: m, sent: true });
    t.sendBytes(bytes);
  }
}
