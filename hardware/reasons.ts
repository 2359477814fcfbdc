// The registry of stable reason codes (DESIGN.md §Contracts "CLI"): every code the project
// emits — thrown in a ZwError, returned in a verdict, printed by a host — is listed here with
// its one-line meaning. `zw reasons` prints it; a test checks that the native host and the
// TypeScript code use no code missing from it.

export const REASONS = {
  // crypto
  'crypto.param': 'a crypto parameter is outside the contract (key, nonce, tag or output size; unsupported algorithm)',
  'crypto.type': 'a crypto argument has the wrong type (e.g. a string where bytes are required)',
  'crypto.state': 'a streaming hash was used after digest()',
  'crypto.handle': 'a key handle is invalid, foreign or already released',
  'crypto.backend': 'the crypto backend (OpenSSL) failed unexpectedly',
  // key store and counters (the secure partition)
  'keystore.absent': 'the named key does not exist in secure',
  'keystore.exists': 'the named key already exists; keys are never silently replaced',
  'keystore.alg': 'the algorithm is not allowed for that key name, or the key cannot do that operation',
  'keystore.name': 'unknown key name',
  'counter.name': 'unknown counter name',
  'counter.rollback': 'a monotonic counter was asked to go back',
  'counter.range': 'a counter value is outside 0..0xffffffff',
  'secure.empty': 'the secure partition holds no valid record (device not provisioned)',
  'secure.corrupt': 'a secure record failed its checks and was ignored',
  'secure.full': 'the secure state no longer fits in one bank of the secure partition',
  'secure.layout': 'the device was provisioned with a different partition table',
  // flash
  'flash.range': 'access outside the partition',
  'flash.align': 'program or erase not aligned to the program unit or erase block',
  'flash.unerased': 'programming a byte that is not erased',
  'flash.partition': 'unknown partition name',
  'flash.absent': 'no flash device was given to the host',
  'flash.io': 'the flash device file could not be read or written',
  'flash.size': 'the flash device file does not have the size of the layout',
  'flash.dead': 'the power was cut: the flash refuses every operation until restart',
  // host runtime
  'host.watchdog': 'a script ran longer than the watchdog allows without yielding to the event loop',
  'host.oom': 'the script exceeded the host memory limit',
  'host.uncaught': 'the script ended with an uncaught exception or unhandled rejection',
  'host.usage': 'the host was started with wrong arguments',
  'host.load': 'the bytecode could not be loaded',
  'host.fault-plan': 'ZW_FAULT is not a valid fault plan',
  'host.power-cut': 'the fault plan cut the power (ZW-POWER-CUT)',
  // log
  'log.field': 'a log field has a type that is not allowed (bytes are refused so secrets cannot leak)',
  // provisioning and device identity
  'device.id': 'the device id breaks the rules (^[a-z0-9][a-z0-9-]{2,62}$, not a reserved name)',
  'provision.exists': 'the flash file already exists; refusing to overwrite it',
  'provision.trust-key': 'a trust key file is not an Ed25519 or P-256 public or private key in PEM',
  'provision.counter': 'a counter setting is not name=value with a known name and a 32-bit value',
  // generic input handling
  'input.type': 'an argument has the wrong type',
  'input.range': 'an argument is outside its allowed range',
} as const;

export type Reason = keyof typeof REASONS;

export function isReason(code: string): code is Reason {
  return Object.prototype.hasOwnProperty.call(REASONS, code);
}
