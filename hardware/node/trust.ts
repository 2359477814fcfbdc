// The device side of trust-store updates on a Node-backed gateway (a device file): read the
// trust store `secure` binds the device to, and apply a verified update. DESIGN.md §Contracts
// "Trust-store updates are images"; the stored form is hardware/secure-format.md's TRUST_DOC.
import type { ImageReader } from '../../bootloader-verify/reader.ts';
import { applyTrustUpdate, deviceTrust, storedTrustDocument, type DeviceTrust, type TrustUpdate } from '../../bootloader-verify/trust-update.ts';
import { counterEntry, counterValue, ENTRY } from '../secure-format.ts';
import { nodeCrypto } from './crypto.ts';
import type { SecureState } from './keys.ts';

/** The trust store the device is bound by, exactly as zw-host's boot verifier reads it. */
export function secureTrust(state: SecureState): DeviceTrust {
  const initial = state.entries.filter((e) => e.type === ENTRY.TRUST_KEY && e.value.length > 1).map((e) => e.value.subarray(1));
  const doc = state.find(ENTRY.TRUST_DOC)?.value ?? null;
  const counter = state.find(ENTRY.COUNTER, 'trust');
  return deviceTrust(initial, doc, counter ? counterValue(counter) : 0, nodeCrypto);
}

/** Verifies `image` as a trust update against the device's store and `trust` counter and, when
 *  it is accepted, writes the new list and the counter in one commit of `secure` (one erase,
 *  one program, one sync): a power cut leaves the old list or the new one, never a mix. */
export function applyTrustToDevice(state: SecureState, image: ImageReader): TrustUpdate {
  const now = secureTrust(state);
  if (!now.ok) return now;
  const r = applyTrustUpdate(image, nodeCrypto, now.store, now.version);
  if (!r.ok) return r;
  state.commit({ type: ENTRY.TRUST_DOC, value: storedTrustDocument(r.store, r.version) }, counterEntry('trust', r.version));
  return r;
}
