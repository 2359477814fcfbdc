// The bounds of the Zorgwacht EAT profile v1 (docs/eat-profile.md §Limits), checked by the
// verifier before it decodes or allocates; one place, so the profile and the code agree.

/** A whole token, in bytes; a bigger one is refused before decoding. */
export const MAX_TOKEN = 8192;
/** Software components (claim 2399). */
export const MAX_COMPONENTS = 8;
/** Any tstr value, in UTF-8 bytes. */
export const MAX_TSTR = 128;
/** Posture arrays (listening, default-credentials, debug). */
export const MAX_POSTURE_ENTRIES = 64;
/** CBOR nesting, counted as cbor2's maxDepth counts it (verifier/cbor.ts does the same): the
 *  outermost item is at depth 0, an item inside a map or a tag one deeper than its container,
 *  an item inside an array two deeper; an item deeper than the limit is refused before it is
 *  read. The deepest structure the profile has (payload map → sw-components array → component
 *  map; tag → COSE array → header map) puts the component's or header's values at depth 4;
 *  one more level of arrays or maps is refused. */
export const MAX_DEPTH = 4;
/** eat_nonce length range (RFC 9711 §4.1: 8..64 bytes). */
export const NONCE_MIN = 8;
export const NONCE_MAX = 64;
/** A reference-value document (docs/refvalues.md): bytes and entries. */
export const MAX_REFVALUES = 1 << 20;
export const MAX_REFERENCE_ENTRIES = 4096;
