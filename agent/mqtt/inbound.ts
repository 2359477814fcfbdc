// Packets from the broker while connected (MQTT 5.0 §3, §4.13). Anything a broker must not send
// closes the connection with a DISCONNECT carrying the reason code; a broker's own DISCONNECT
// is surfaced with its reason.
import { utf8Problem } from './bytes.ts';
import { pump } from './flow.ts';
import type { Packet, Publish, Suback } from './packets.ts';
import { RC, type Reject } from './reject.ts';
import type { SessionState } from './state.ts';
import { isOwnTopic, parseDeviceTopic } from './topics.ts';
import type { Turn } from './turn.ts';

/** Sends DISCONNECT with the reject's reason code, surfaces it, and closes (§4.13.1). */
export function refuseBroker(t: Turn, r: Reject): SessionState {
  t.send({ type: 'disconnect', reasonCode: r.code, properties: {} });
  t.lost(r.reason, r.code, r.detail);
  return t.closing(r.reason, 'retry');
}

export const protocolReject = (detail: string): Reject => ({ ok: false, code: RC.PROTOCOL, reason: 'mqtt.protocol', detail });

function publish(t: Turn, p: Publish): SessionState | null {
  // §3.3.2.3.4: we announced no Topic Alias Maximum, so any Topic Alias is invalid.
  if (p.properties.topicAlias !== undefined) {
    return refuseBroker(t, { ok: false, code: RC.TOPIC_ALIAS_INVALID, reason: 'mqtt.topic-alias', detail: `Topic Alias ${p.properties.topicAlias}; we allow none` });
  }
  // §3.3.2.3.2: a payload marked as UTF-8 that is not is refused with 0x99, not delivered.
  const problem = p.properties.payloadFormatIndicator ? utf8Problem(p.payload, true) : null;
  if (problem !== null) {
    t.log('warn', 'mqtt.payload-format', { topic: p.topic, detail: problem });
    if (p.qos === 1) t.send({ type: 'puback', packetId: p.packetId, reasonCode: RC.PAYLOAD_FORMAT_INVALID, properties: {} });
    return null;
  }
  const own = parseDeviceTopic(p.topic);
  const rt = p.properties.responseTopic;
  // §4.10: the answer goes to the Response Topic with the Correlation Data — but only to one of
  // the device's own topics (DESIGN.md §Contracts "Identities and topics").
  const answerable = rt !== undefined && isOwnTopic(t.config.deviceId, rt);
  if (rt !== undefined && !answerable) t.log('warn', 'mqtt.response-topic', { topic: p.topic, responseTopic: rt });
  t.emit({
    type: 'deliver',
    message: {
      topic: p.topic, leaf: own?.deviceId === t.config.deviceId ? own.leaf : null, payload: p.payload, qos: p.qos,
      retain: p.retain, dup: p.dup, properties: p.properties,
      response: answerable ? { topic: rt, correlationData: p.properties.correlationData ?? null } : null,
    },
  });
  // §4.3.2: PUBACK after the message is handed over (the at-least-once side stays with us).
  if (p.qos === 1) t.send({ type: 'puback', packetId: p.packetId, reasonCode: RC.SUCCESS, properties: {} });
  return null;
}

function puback(t: Turn, packetId: number, code: number, reasonString: string | undefined): SessionState | null {
  const f = t.inflight.find((x) => x.packetId === packetId && x.sent);
  if (!f) return refuseBroker(t, protocolReject(`PUBACK for Packet Identifier ${packetId}, which is not in flight`));
  t.inflight = t.inflight.filter((x) => x !== f);
  const id = f.message.reportId;
  // §3.4.2.1: 0x00 and 0x10 accept the message; 0x80 and above refuse it.
  if (code < 0x80) { if (id !== null) t.emit({ type: 'acked', reportId: id }); }
  else if (id !== null) t.emit({ type: 'publish-failed', reportId: id, reason: 'mqtt.puback', code, detail: reasonString ?? `PUBACK 0x${code.toString(16)}` });
  else t.log('warn', 'mqtt.puback', { topic: f.message.topic, code });
  pump(t);
  return null;
}

function suback(t: Turn, p: Suback): SessionState | null {
  const asked = t.subs.filter((s) => s.pendingId === p.packetId);
  if (asked.length === 0) return refuseBroker(t, protocolReject(`SUBACK for Packet Identifier ${p.packetId}, which is not awaited`));
  // §3.9.3 [MQTT-3.9.3-1]: one reason code per subscription, in order; no more QoS than asked.
  if (p.reasonCodes.length !== asked.length) return refuseBroker(t, protocolReject(`SUBACK with ${p.reasonCodes.length} reason codes for ${asked.length} subscriptions`));
  const over = asked.findIndex((s, i) => p.reasonCodes[i]! < 0x80 && p.reasonCodes[i]! > s.qos);
  if (over >= 0) return refuseBroker(t, protocolReject(`SUBACK grants QoS ${p.reasonCodes[over]} for ${asked[over]!.topicFilter}, asked ${asked[over]!.qos}`));
  t.subs = t.subs.map((s) => (s.pendingId === p.packetId ? { ...s, pendingId: 0, acked: true } : s));
  const results = asked.map((s, i) => ({ topicFilter: s.topicFilter, reasonCode: p.reasonCodes[i]! }));
  for (const r of results) if (r.reasonCode >= 0x80) t.log('warn', 'mqtt.suback', { topicFilter: r.topicFilter, code: r.reasonCode, reasonString: p.properties.reasonString ?? null });
  t.emit({ type: 'subscribed', results });
  return null;
}

/** One packet while connected; a state when the connection ends because of it, else null. */
export function connectedPacket(t: Turn, p: Packet): SessionState | null {
  switch (p.type) {
    case 'publish': return publish(t, p);
    case 'puback': return puback(t, p.packetId, p.reasonCode, p.properties.reasonString);
    case 'suback': return suback(t, p);
    case 'pingresp':
      if (t.link) t.link = { ...t.link, pingSentAt: null };
      return null;
    case 'disconnect':
      // §3.14.4: after a DISCONNECT nothing more is sent; the connection is closed.
      t.lost('mqtt.server-disconnect', p.reasonCode, `the broker disconnected with 0x${p.reasonCode.toString(16)}`, p.properties);
      return t.closing('mqtt.server-disconnect', 'retry');
    case 'connack': return refuseBroker(t, protocolReject('a second CONNACK (§3.2)'));
    // A broker never sends what only a client sends; no UNSUBSCRIBE was sent, so no UNSUBACK is due.
    default: return refuseBroker(t, protocolReject(`${p.type.toUpperCase()} from the broker`));
  }
}
