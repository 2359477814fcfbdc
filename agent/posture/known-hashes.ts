// The shipped list of known default and vendor password hashes: SHA-256 of the password field
// exactly as it appears in /etc/shadow of an image that ships it (vendor images carry the same
// salted hash on every unit, so the string itself identifies the default). Only digests are
// shipped: neither a password nor a crypt string is in the agent. A manufacturer adds the
// hashes of its own factory images here before `zw build` (the list is part of the signed agent).
export const KNOWN_DEFAULT_HASHES: ReadonlySet<string> = new Set([
  // Zorgwacht demo and simulator gateway image, factory root password (sha512-crypt).
  'd10b8739ec07b90a6154504f26225ce22b1e4f8ddb24682eecc382b44611bc04',
  // Zorgwacht demo gateway image, factory `admin` account (md5-crypt, as old vendor images use).
  '7bc1202e704412842a3bfe13b74ffe8eeabe3e9da050fcdef070a523ccdccf8c',
]);
