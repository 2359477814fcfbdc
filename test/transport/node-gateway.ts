// The transport test gateway (gateway.ts) on the Node ports in its own process (so that a test
// can kill it like a power cut): node --import tsx node-gateway.ts <flash> <config json>.
import { makeNodeLog, nodePlatform } from '../../hardware/node/platform.ts';
import { lineReader, runGateway, type GatewayConfig } from './gateway.ts';

const [flash, config] = process.argv.slice(2);
const p = nodePlatform(flash!, { log: makeNodeLog() });
const chunks: (Uint8Array | null)[] = [];
let waiting: ((c: Uint8Array | null) => void) | null = null;
const push = (c: Uint8Array | null) => { if (waiting) { const w = waiting; waiting = null; w(c); } else chunks.push(c); };
process.stdin.on('data', (d: Buffer) => push(new Uint8Array(d)));
process.stdin.on('end', () => push(null));
const read = () => (chunks.length ? Promise.resolve(chunks.shift()!) : new Promise<Uint8Array | null>((ok) => { waiting = ok; }));

runGateway(p, JSON.parse(config!) as GatewayConfig, { print: (l) => process.stdout.write(l + '\n'), line: lineReader(read) })
  .catch((e: unknown) => process.stdout.write('ZW-EV ' + JSON.stringify({ type: 'error', detail: String(e) }) + '\n'))
  .finally(() => { p.close(); process.exit(0); });
