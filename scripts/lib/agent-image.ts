// The agent as a signed image (DESIGN.md §"The chain of trust"): the agent bundle compiled to
// QuickJS bytecode is the payload of an MCUboot image with its own security counter, signed
// like any firmware (imgtool-compatible; scripts/lib/imgtool/sign.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBytecode, ROOT } from './host.ts';
import { signImage } from './imgtool/sign.ts';

export interface AgentBuild {
  /** PEM private key of a manufacturer key the gateway trusts. */
  key: string | Uint8Array;
  version: string;
  securityCounter: number;
  /** Module to build; the real agent entry by default. */
  entry?: string;
  /** Where the intermediate bytecode goes. */
  workDir: string;
}

export async function buildAgentImage(b: AgentBuild): Promise<{ image: Uint8Array; bytecode: Uint8Array }> {
  const bc = join(b.workDir, 'agent.qjsbc');
  await buildBytecode(b.entry ?? join(ROOT, 'hardware/hw/agent-main.ts'), bc);
  const bytecode = new Uint8Array(readFileSync(bc));
  const image = signImage(bytecode, {
    key: b.key, headerSize: 32, padHeader: true, align: 4, version: b.version, securityCounter: b.securityCounter, slotSize: 2 * 1024 * 1024,
  });
  return { image, bytecode };
}
