// The transport test gateway (gateway.ts) as bytecode in zw-host: hw ports, commands on stdin.
import { args, readStdin } from 'hwdev';
import { hwPorts } from '../../hardware/hw/platform.ts';
import { lineReader, runGateway, type GatewayConfig } from './gateway.ts';

void runGateway(hwPorts, JSON.parse(args()[0] ?? '{}') as GatewayConfig, { print: (l) => console.log(l), line: lineReader(readStdin) })
  .catch((e: unknown) => console.log('ZW-EV ' + JSON.stringify({ type: 'error', detail: String(e) })));
