// Writes a signed agent image into a device's `agent` partition (zw provision --agent), after
// verifying it exactly as the gateway will at boot: the device's trust store (its applied
// trust list, else its provisioned keys) and `agent` counter. An image the gateway would refuse is never installed.
import { bytesReader } from '../../bootloader-verify/reader.ts';
import { verifyImage, type ImageFacts } from '../../bootloader-verify/verify.ts';
import { ZwError } from '../../hardware/errors.ts';
import { ERASE_BLOCK } from '../../hardware/layout.ts';
import { nodeCrypto } from '../../hardware/node/crypto.ts';
import { nodePlatform } from '../../hardware/node/platform.ts';
import { SecureState } from '../../hardware/node/keys.ts';
import { secureTrust } from '../../hardware/node/trust.ts';

export function installAgent(flashPath: string, image: Uint8Array): ImageFacts {
  const p = nodePlatform(flashPath);
  try {
    const state = new SecureState(p.flash.openSecure());
    if (!state.snapshot) throw new ZwError('secure.empty', `${flashPath} is not provisioned: there is no trust store to verify the agent against`);
    const trust = secureTrust(state);
    if (!trust.ok) throw new ZwError(trust.reason, trust.detail);
    const v = verifyImage(bytesReader(image, nodeCrypto), nodeCrypto, { trust: trust.store, minSecurityCounter: p.counters.read('agent') });
    if (!v.ok) throw new ZwError('provision.agent', `the gateway would refuse this agent image: ${v.reason} (${v.detail})`);
    const part = p.flash.open('agent');
    if (image.length > part.size) throw new ZwError('provision.agent', `image of ${image.length} bytes does not fit the ${part.size}-byte agent partition`);
    const padded = new Uint8Array(Math.ceil(image.length / 16) * 16).fill(0xff);
    padded.set(image);
    part.erase(0, Math.ceil(padded.length / ERASE_BLOCK) * ERASE_BLOCK);
    part.program(0, padded);
    part.sync();
    return v.image;
  } finally {
    p.close();
  }
}
