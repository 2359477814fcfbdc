// The agent's start: announce what booted, from the measurement log the host kept. Later work
// adds the store, the MQTT session and attestation on top of this.
import type { Ports } from '../hardware/ports.ts';

export interface MeasurementRecord {
  /** What was measured: the agent itself, or gateway firmware. */
  readonly type: 'agent' | 'firmware';
  /** Where it was read: its partition. */
  readonly component: string;
  readonly status: 'accepted' | 'rejected';
  readonly reason?: string;
  readonly version?: string;
  readonly signer?: string;
  readonly digest?: string;
  readonly securityCounter?: number | null;
}

export const AGENT_NAME = 'zorgwacht-agent';

export function startAgent(ports: Ports, measurements: readonly MeasurementRecord[]): void {
  const self = measurements.find((m) => m.type === 'agent');
  ports.log.log('info', 'agent.start', {
    agent: AGENT_NAME,
    version: self?.version ?? null,
    verified: self?.status === 'accepted',
    digest: self?.digest ?? null,
  });
  for (const m of measurements) {
    ports.log.log(m.status === 'accepted' ? 'info' : 'warn', 'boot.measured', {
      type: m.type, component: m.component, status: m.status, reason: m.reason ?? null, version: m.version ?? null,
    });
  }
}
