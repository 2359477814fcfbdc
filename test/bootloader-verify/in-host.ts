// The imgtool vectors verified from slot-a inside zw-host: one `ZW-VERDICT <json>` per case.
import vectors from 'zw-vectors:imgtool';
import { hwCrypto, hwFlash } from '../../hardware/hw/platform.ts';
import { hex } from '../support/bytes.ts';
import { outcome, TRUST_KEY_FILES, trustStore, verifyInSlot } from './cases.ts';

const v = vectors as { images: Record<string, string>; keys: Record<string, string> };
const trust = trustStore(TRUST_KEY_FILES.map((f) => hex(v.keys[f]!)), hwCrypto);
const say = (name: string, o: string) => console.log('ZW-VERDICT ' + JSON.stringify({ name, outcome: o }));

async function main(): Promise<void> {
  for (const [name, h] of Object.entries(v.images)) {
    say(name, outcome(verifyInSlot(hwFlash, hwCrypto, hex(h), { trust, minSecurityCounter: 0 })));
    await new Promise((r) => setTimeout(r, 0));
  }
  say('rollback p03 at 8', outcome(verifyInSlot(hwFlash, hwCrypto, hex(v.images['p03_ed25519_seccnt7.bin']!), { trust, minSecurityCounter: 8 })));
  say('revoked p01', outcome(verifyInSlot(hwFlash, hwCrypto, hex(v.images['p01_ed25519_hdr32.bin']!), { trust: { ...trust, revoked: [trust.keys[0]!.id] }, minSecurityCounter: 0 })));
}
void main();
