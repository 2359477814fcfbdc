// The store's keys (agent/store/FORMAT.md "Keys"): handles from KeyStore.deriveKey over the
// storage root, never bytes in zw-host. The header MAC and the per-epoch AEAD live here.
import type { Crypto, KeyHandle, KeyStore } from '../../hardware/ports.ts';
import { ZwError } from '../../hardware/errors.ts';
import { MAC_LEN } from './codec.ts';

export class StoreKeys {
  readonly #header: KeyHandle;
  readonly #aead = new Map<number, KeyHandle>();

  /** `create`: generate the storage root on first use when provisioning did not make it. */
  constructor(private readonly keys: KeyStore, private readonly crypto: Crypto, create = true) {
    if (!keys.has('storage')) {
      if (!create) throw new ZwError('keystore.absent', 'no storage root in secure: this device never had a store');
      keys.generate('storage', 'secret32');
    }
    this.#header = keys.deriveKey('store/v1/header');
  }

  /** The 16-byte MAC of an authenticated header. */
  mac(bytes: Uint8Array): Uint8Array {
    return this.crypto.hmacSha256(this.#header, bytes).subarray(0, MAC_LEN);
  }

  macMatches(bytes: Uint8Array, mac: Uint8Array): boolean {
    const want = this.mac(bytes);
    let d = 0;
    for (let i = 0; i < MAC_LEN; i++) d |= want[i]! ^ mac[i]!;
    return d === 0 && mac.length === MAC_LEN;
  }

  seal(epoch: number, nonce: Uint8Array, body: Uint8Array, aad: Uint8Array): Uint8Array {
    return this.crypto.aeadSeal('chacha20-poly1305', this.#epochKey(epoch), nonce, body, aad);
  }

  open(epoch: number, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
    return this.crypto.aeadOpen('chacha20-poly1305', this.#epochKey(epoch), nonce, sealed, aad);
  }

  #epochKey(epoch: number): KeyHandle {
    let k = this.#aead.get(epoch);
    if (!k) {
      k = this.keys.deriveKey(`store/v1/aead/${epoch}`);
      this.#aead.set(epoch, k);
    }
    return k;
  }
}
