// fast-check arbitraries for every packet the MQTT codec handles, with every property allowed in
// each place (MQTT 5.0 §2.2.2.2 Table 2-4) present or absent at random.
import fc from 'fast-check';
import type { Packet, Subscription, Will } from '../../agent/mqtt/packets.ts';
import type { Properties, UserProperty } from '../../agent/mqtt/properties.ts';

/** Text: any code point but U+0000 (MQTT 5.0 §1.5.4), now and then outside the BMP. */
export const text = (maxLength = 12) => fc.string({ unit: 'binary', maxLength }).filter((s) => !s.includes('\u0000'));
const level = fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((s) => !/[\u0000/+#]/.test(s));
export const topicName = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
export const topicFilter = fc.tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([l, hash]) => (hash ? [...l, '#'] : l).join('/'));
const bytes = (maxLength = 24) => fc.uint8Array({ maxLength });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const nz16 = fc.integer({ min: 1, max: 0xffff });
const nz32 = fc.integer({ min: 1, max: 0xffffffff });
const varint = fc.oneof(fc.integer({ min: 1, max: 127 }), fc.integer({ min: 1, max: 268_435_455 }));
const userProperties: fc.Arbitrary<UserProperty[]> = fc.array(fc.tuple(text(8), text(8)).filter(([n]) => n !== '__proto__'), { minLength: 1, maxLength: 4 });

const props = (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Properties> =>
  fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Properties>;

export const PROPS = {
  connect: props({
    sessionExpiryInterval: u32, receiveMaximum: nz16, maximumPacketSize: nz32, topicAliasMaximum: u16,
    requestResponseInformation: fc.boolean(), requestProblemInformation: fc.boolean(), userProperties,
  }),
  will: props({
    willDelayInterval: u32, payloadFormatIndicator: fc.boolean(), messageExpiryInterval: u32, contentType: text(),
    responseTopic: topicName, correlationData: bytes(), userProperties,
  }),
  connack: props({
    sessionExpiryInterval: u32, receiveMaximum: nz16, maximumQoS: fc.constantFrom(0, 1), retainAvailable: fc.boolean(),
    maximumPacketSize: nz32, assignedClientIdentifier: text(), topicAliasMaximum: u16, reasonString: text(), userProperties,
    wildcardSubscriptionAvailable: fc.boolean(), subscriptionIdentifiersAvailable: fc.boolean(),
    sharedSubscriptionAvailable: fc.boolean(), serverKeepAlive: u16, responseInformation: text(), serverReference: text(),
  }),
  publish: props({
    payloadFormatIndicator: fc.boolean(), messageExpiryInterval: u32, topicAlias: nz16, responseTopic: topicName,
    correlationData: bytes(), userProperties, subscriptionIdentifiers: fc.array(varint, { minLength: 1, maxLength: 3 }), contentType: text(),
  }),
  ack: props({ reasonString: text(), userProperties }),
  subscribe: props({ subscriptionIdentifiers: varint.map((v) => [v]), userProperties }),
  unsubscribe: props({ userProperties }),
  disconnect: props({ sessionExpiryInterval: u32, reasonString: text(), userProperties, serverReference: text() }),
};

const qos = fc.constantFrom(0 as const, 1 as const);
const will: fc.Arbitrary<Will> = fc.record({ topic: topicName, payload: bytes(), qos, retain: fc.boolean(), properties: PROPS.will });
const subscription: fc.Arbitrary<Subscription> = fc.record({
  topicFilter, qos, noLocal: fc.boolean(), retainAsPublished: fc.boolean(), retainHandling: fc.constantFrom(0 as const, 1 as const, 2 as const),
});
const packetId = fc.integer({ min: 1, max: 0xffff });
const code = (...c: number[]) => fc.constantFrom(...c);

export const PACKETS: Record<Packet['type'], fc.Arbitrary<Packet>> = {
  connect: fc.record({
    type: fc.constant('connect' as const), clientId: text(23), cleanStart: fc.boolean(), keepAlive: u16, properties: PROPS.connect,
    will: fc.option(will, { nil: null }), username: fc.option(text(), { nil: null }), password: fc.option(bytes(), { nil: null }),
  }),
  connack: fc.tuple(fc.boolean(), code(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f), PROPS.connack)
    .map(([sp, reasonCode, properties]) => ({ type: 'connack' as const, sessionPresent: sp && reasonCode < 0x80, reasonCode, properties })),
  publish: fc.tuple(topicName, bytes(64), qos, fc.boolean(), fc.boolean(), packetId, PROPS.publish)
    .map(([topic, payload, q, retain, dup, id, properties]) => ({ type: 'publish' as const, topic, payload, qos: q, retain, dup: q === 1 && dup, packetId: q === 1 ? id : 0, properties })),
  puback: fc.record({ type: fc.constant('puback' as const), packetId, reasonCode: code(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99), properties: fc.oneof(fc.constant({}), PROPS.ack) }),
  subscribe: fc.record({ type: fc.constant('subscribe' as const), packetId, subscriptions: fc.array(subscription, { minLength: 1, maxLength: 4 }), properties: PROPS.subscribe }),
  suback: fc.record({ type: fc.constant('suback' as const), packetId, reasonCodes: fc.array(code(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2), { minLength: 1, maxLength: 4 }), properties: PROPS.ack }),
  unsubscribe: fc.record({ type: fc.constant('unsubscribe' as const), packetId, topicFilters: fc.array(topicFilter, { minLength: 1, maxLength: 4 }), properties: PROPS.unsubscribe }),
  unsuback: fc.record({ type: fc.constant('unsuback' as const), packetId, reasonCodes: fc.array(code(0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91), { minLength: 1, maxLength: 4 }), properties: PROPS.ack }),
  pingreq: fc.constant({ type: 'pingreq' as const }),
  pingresp: fc.constant({ type: 'pingresp' as const }),
  disconnect: fc.record({ type: fc.constant('disconnect' as const), reasonCode: code(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2), properties: fc.oneof(fc.constant({}), PROPS.disconnect) }),
};

export const anyPacket: fc.Arbitrary<Packet> = fc.oneof(...Object.values(PACKETS));
