// Starts the agent's MQTT client from what provisioning put into `secure`: the device id and
// the `broker` setting (an IP literal and port; DESIGN.md §Contracts "Identities and topics").
// A device without a broker setting runs offline (its reports wait in the store's queue); a
// malformed one is refused with transport.broker rather than guessed at.
import type { Ports } from '../../hardware/ports.ts';
import type { SessionAction } from '../mqtt/state.ts';
import { parseBroker } from '../settings.ts';
import type { Store } from '../store/store.ts';
import { MqttClient, type ChallengeHandler } from './client.ts';

export interface TransportHandlers {
  readonly onChallenge?: ChallengeHandler;
  readonly onConnected?: () => void;
}

/** One log line per session event that a test engineer or the hospital's SOC would look for. */
function logAction(ports: Ports, broker: string, a: SessionAction, queued: () => number): void {
  if (a.type === 'connected') ports.log.log('info', 'mqtt.connected', { broker, sessionPresent: a.sessionPresent, queued: queued() });
  else if (a.type === 'lost') ports.log.log('warn', 'mqtt.lost', { reason: a.reason, detail: a.detail });
  else if (a.type === 'publish-failed') ports.log.log('error', a.reason, { report: a.reportId, detail: a.detail });
  else if (a.type === 'acked') ports.log.log('debug', 'mqtt.acked', { report: a.reportId, queued: queued() });
}

export function startTransport(ports: Ports, store: Store, handlers: TransportHandlers = {}): MqttClient | null {
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
  const client: MqttClient = new MqttClient(ports, store, {
    deviceId: ports.device.id(),
    broker: broker.value,
    ...(handlers.onChallenge ? { onChallenge: handlers.onChallenge } : {}),
    onAction: (a) => {
      logAction(ports, setting, a, () => client.queued);
      if (a.type === 'connected') handlers.onConnected?.();
    },
  });
  client.start();
  return client;
}
