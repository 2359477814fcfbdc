// The agent bundle's entry on the device: wires the hw ports and the host's measurement log
// into the pure agent (agent/start.ts). `zw build` compiles this into the signed agent image.
import * as hw from 'hw';
import { startAgent, type MeasurementRecord } from '../../agent/start.ts';
import { hwPorts } from './platform.ts';

startAgent(hwPorts, hw.measurements() as unknown as MeasurementRecord[]);
