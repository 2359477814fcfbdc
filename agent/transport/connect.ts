// Starts the agent's MQTT client from what provisioning put into `secure`: the device id and
// the `broker` setting (an IP literal and port; DESIGN.md §Contracts "Identities and topics").
// A device without a broker setting runs offline (its reports wait in the store's queue); a
// malformed one is refused with transport.broker rather than guessed at.
import type { Ports } from '../../hardware/ports.ts';
import { parseBroker } from '../settings.ts';
import type { Store } from '../store/store.ts';
import { MqttClient, type ChallengeHandler } from './client.ts';

export function startTransport(ports: Ports, store: Store, onChallenge?: ChallengeHandler): MqttClient | null {
  const setting = ports.device.setting('broker');
  if (setting === null) {
    ports.log.log('warn', 'transport.offline', { detail: 'no broker setting (zw provision --set broker=IP:PORT): reports stay queued' });
    return null;
  }
  const broker = parseBroker(setting);
  if (!broker.ok) {
    ports.log.log('error', 'transport.broker', { detail: broker.detail });
    return null;
  }
  const client = new MqttClient(ports, store, {
    deviceId: ports.device.id(),
    broker: broker.value,
    ...(onChallenge ? { onChallenge } : {}),
  });
  ports.log.log('info', 'transport.start', { broker: setting, queued: client.queued });
  client.start();
  return client;
}
