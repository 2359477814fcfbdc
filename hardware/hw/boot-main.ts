// The verifier zw-host runs at boot, compiled into the host (DESIGN.md §Contracts "Loading the
// agent is enforced natively"). It judges the host's in-memory copy of the agent partition and
// the firmware slots, and can only hand back verdicts: `boot.agentVerdict` for the agent and
// `boot.record` for every measurement record. The host, not this code, loads the agent.
import * as boot from 'boot';
import { reasonOf } from '../errors.ts';
import type { CounterName, HashAlg } from '../ports.ts';
import { partitionReader, streamed, type ImageReader } from '../../bootloader-verify/reader.ts';
import { deviceTrust, type DeviceTrust } from '../../bootloader-verify/trust-update.ts';
import { verifyImage, type Verdict } from '../../bootloader-verify/verify.ts';
import { hwCounters, hwCrypto, hwFlash } from './platform.ts';

const crypto = hwCrypto;

const agentImage: ImageReader = {
  size: boot.imageSize(),
  read: (o, n) => boot.imageRead(o, n),
  digest: (alg: HashAlg, o, n) => (alg === 'sha256' ? boot.imageSha256(o, n) : streamed(crypto, (a, b) => boot.imageRead(a, b), alg, o, n)),
};

/** Verifies one image against the device's trust store (the applied trust list, else the
 *  provisioned keys); a platform fault (no trust store, a stored list that does not match the
 *  trust counter, an unreadable counter) is a reject too. */
type Refusal = Extract<DeviceTrust, { ok: false }>;
const fault = (e: unknown): Refusal => ({ ok: false, reason: (reasonOf(e) ?? 'host.load') as Refusal['reason'], detail: String(e) });

/** The device's trust store, read once for every image judged at this boot. */
const trust: DeviceTrust = (() => {
  try {
    return deviceTrust(boot.trustKeys(), boot.trustDocument(), hwCounters.read('trust'), crypto);
  } catch (e) {
    return fault(e);
  }
})();

function judge(reader: () => ImageReader, counter: CounterName): Verdict {
  try {
    if (!trust.ok) return trust;
    return verifyImage(reader(), crypto, { trust: trust.store, minSecurityCounter: hwCounters.read(counter) });
  } catch (e) {
    return fault(e);
  }
}

/** One measurement record: `type` says what the component is (the agent, or gateway firmware)
 *  and `component` where it was read (its partition). */
function record(type: 'agent' | 'firmware', component: string, v: Verdict): string {
  const base = { type, component, status: v.ok ? 'accepted' : 'rejected' };
  if (!v.ok) return JSON.stringify({ ...base, reason: v.reason, detail: v.detail });
  const i = v.image;
  return JSON.stringify({ ...base, version: i.version, signer: i.signer, hashAlg: i.hashAlg, digest: i.digest, securityCounter: i.securityCounter, bootRecord: i.bootRecord });
}

const agent = judge(() => agentImage, 'agent');
boot.record(record('agent', 'agent', agent));
if (agent.ok) {
  const h = agent.image.header;
  boot.agentVerdict(true, '', agent.image.hashedLength, h.hdrSize, h.imgSize, boot.imageSha256(0, agent.image.hashedLength));
} else {
  boot.agentVerdict(false, agent.reason, 0, 0, 0, new Uint8Array(32));
}
/** An erased slot (the inactive half of A/B before its first update) holds no image at all:
 *  said as slot.empty rather than as a bad header. */
function judgeSlot(slot: 'slot-a' | 'slot-b'): Verdict {
  try {
    if (hwFlash.open(slot).read(0, 32).every((b) => b === 0xff)) return { ok: false, reason: 'slot.empty', detail: `${slot} is erased: no image` };
  } catch (e) {
    return fault(e);
  }
  return judge(() => partitionReader(hwFlash.open(slot), crypto), 'firmware');
}

for (const slot of ['slot-a', 'slot-b'] as const) boot.record(record('firmware', slot, judgeSlot(slot)));
