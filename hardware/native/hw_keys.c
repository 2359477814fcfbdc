/* KeyStore and Counter of the `hw` module over the secure partition (hardware/ports.ts,
 * hardware/secure-format.md; the same behaviour as hardware/node/keys.ts). Private keys, the
 * storage root and derived keys stay in native memory: JS gets public keys, signatures and
 * HwKey handles only. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hw_names.h"
#include "zw.h"

static const char *const KEY_NAMES[] = {"attest", "tls", "storage", "image-enc", NULL};
static const char *const ALG_NAMES[] = {"ed25519", "p256", "x25519", "secret32", NULL};
enum { ALG_ED25519 = 1, ALG_P256 = 2, ALG_X25519 = 3, ALG_SECRET32 = 4 };
/* Allowed algorithms per key name, as bit masks of (1 << code). */
static const unsigned ALLOWED[] = {1u << ALG_ED25519, 1u << ALG_ED25519 | 1u << ALG_P256, 1u << ALG_SECRET32,
                                   1u << ALG_X25519};
static const char *const COUNTER_NAMES[] = {"agent", "firmware", "trust", "store-epoch", NULL};
static const char STORAGE_SALT[] = "zorgwacht/storage/v1";

typedef struct {
  int alg; /* ALG_* */
  const uint8_t *priv, *pub;
  size_t priv_len, pub_len;
} key_record;

/* secure-format.md KEY value: name, algorithm, private, public (parsed as secure-format.ts). */
static bool parse_key(const zw_entry *e, key_record *r) {
  const uint8_t *v = e->value;
  size_t len = e->len, at = 1 + (len ? v[0] : 0);
  if (at >= len) return false;
  int code = v[at++];
  if (code < ALG_ED25519 || code > ALG_SECRET32 || at >= len) return false;
  size_t pl = v[at++];
  if (at + pl >= len) return false;
  r->alg = code;
  r->priv = v + at, r->priv_len = pl;
  at += pl;
  size_t ql = v[at++];
  if (at + ql != len) return false;
  r->pub = v + at, r->pub_len = ql;
  return true;
}

/* The named key: 1 present, 0 absent, -1 exception. */
static int record_at(JSContext *ctx, int idx, key_record *r) {
  const zw_entry *e;
  if (zw_secure_find(ctx, ZW_ENTRY_KEY, KEY_NAMES[idx], &e) < 0) return -1;
  return e && parse_key(e, r) ? 1 : 0;
}

static int record(JSContext *ctx, JSValueConst name, int *idx, key_record *r) {
  *idx = zw_arg_enum(ctx, name, "name", KEY_NAMES, "keystore.name");
  return *idx < 0 ? -1 : record_at(ctx, *idx, r);
}

/* The key's index when present; keystore.absent otherwise. */
static int need_at(JSContext *ctx, int idx, key_record *r) {
  int rc = record_at(ctx, idx, r);
  if (rc == 0) zw_throw(ctx, "keystore.absent", "no key %s in secure", KEY_NAMES[idx]);
  return rc == 1 ? idx : -1;
}

static int need(JSContext *ctx, JSValueConst name, key_record *r) {
  int idx = zw_arg_enum(ctx, name, "name", KEY_NAMES, "keystore.name");
  return idx < 0 ? -1 : need_at(ctx, idx, r);
}

static JSValue corrupt(JSContext *ctx, int idx) {
  return zw_throw(ctx, "secure.corrupt", "key %s has key material of the wrong size", KEY_NAMES[idx]);
}

JSValue zw_hw_keyHas(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  key_record r;
  int idx, rc = record(ctx, argv[0], &idx, &r);
  return rc < 0 ? JS_EXCEPTION : JS_NewBool(ctx, rc == 1);
}

JSValue zw_hw_keyAlgorithm(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  key_record r;
  int idx, rc = record(ctx, argv[0], &idx, &r);
  if (rc < 0) return JS_EXCEPTION;
  return rc == 0 ? JS_NULL : JS_NewString(ctx, ALG_NAMES[r.alg - 1]);
}

/* Fresh key material for `alg` (private in priv[32], public in pub, *pub_len). */
static int generate(int alg, uint8_t priv[32], uint8_t pub[65], size_t *pub_len) {
  *pub_len = 0;
  if (alg == ALG_P256) {
    /* A uniform scalar in [1, n-1] by rejection sampling (FIPS 186-5 A.2.2). */
    for (int tries = 0; tries < 64; tries++) {
      if (zw_random(priv, 32) < 0) return -1;
      if (zw_p256_public(priv, pub) == 0) return *pub_len = 65, 0;
    }
    return -1;
  }
  if (zw_random(priv, 32) < 0) return -1;
  if (alg == ALG_ED25519) return *pub_len = 32, zw_ed25519_public(priv, pub);
  if (alg == ALG_X25519) return *pub_len = 32, zw_x25519_public(priv, pub);
  return 0;
}

JSValue zw_hw_keyGenerate(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  key_record r;
  int idx, rc = record(ctx, argv[0], &idx, &r);
  if (rc < 0) return JS_EXCEPTION;
  if (rc == 1) return zw_throw(ctx, "keystore.exists", "key %s already exists", KEY_NAMES[idx]);
  int alg = zw_arg_enum(ctx, argv[1], "alg", ALG_NAMES, "keystore.alg");
  if (alg < 0) return JS_EXCEPTION;
  alg += 1;
  if (!(ALLOWED[idx] & 1u << alg)) return zw_throw(ctx, "keystore.alg", "key %s cannot be %s", KEY_NAMES[idx], ALG_NAMES[alg - 1]);
  uint8_t priv[32], pub[65], value[1 + 16 + 3 + 32 + 65];
  size_t pub_len, name_len = strlen(KEY_NAMES[idx]), at = 0;
  if (generate(alg, priv, pub, &pub_len) < 0) {
    OPENSSL_cleanse(priv, sizeof priv);
    return zw_throw(ctx, "crypto.backend", "key generation failed");
  }
  value[at++] = (uint8_t)name_len;
  memcpy(value + at, KEY_NAMES[idx], name_len), at += name_len;
  value[at++] = (uint8_t)alg;
  value[at++] = 32;
  memcpy(value + at, priv, 32), at += 32;
  value[at++] = (uint8_t)pub_len;
  memcpy(value + at, pub, pub_len), at += pub_len;
  zw_entry e = {ZW_ENTRY_KEY, (uint16_t)at, value};
  rc = zw_secure_commit(ctx, &e);
  OPENSSL_cleanse(priv, sizeof priv);
  OPENSSL_cleanse(value, sizeof value);
  return rc < 0 ? JS_EXCEPTION : zw_u8_copy(ctx, pub, pub_len);
}

JSValue zw_hw_keyPublic(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  key_record r;
  int idx = need(ctx, argv[0], &r);
  if (idx < 0) return JS_EXCEPTION;
  if (r.alg == ALG_SECRET32) return zw_throw(ctx, "keystore.alg", "key %s has no public half", KEY_NAMES[idx]);
  return zw_u8_copy(ctx, r.pub, r.pub_len);
}

JSValue zw_hw_keySign(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  key_record r;
  zw_bytes msg;
  int idx = need(ctx, argv[0], &r);
  if (idx < 0 || zw_arg_bytes(ctx, argv[1], "message", "input.type", &msg) < 0) return JS_EXCEPTION;
  uint8_t sig[80];
  int n = -1;
  if (r.alg == ALG_ED25519) {
    if (r.priv_len != 32) return corrupt(ctx, idx);
    n = zw_ed25519_sign(r.priv, msg.p, msg.n, sig) == 0 ? 64 : -1;
  } else if (r.alg == ALG_P256) {
    if (r.priv_len != 32 || r.pub_len != 65) return corrupt(ctx, idx);
    n = zw_p256_sign(r.priv, r.pub, msg.p, msg.n, sig);
  } else {
    return zw_throw(ctx, "keystore.alg", "key %s (%s) cannot sign", KEY_NAMES[idx], ALG_NAMES[r.alg - 1]);
  }
  if (n < 0) return zw_throw(ctx, "crypto.backend", "signing with key %s failed", KEY_NAMES[idx]);
  return zw_u8_copy(ctx, sig, (size_t)n);
}

JSValue zw_hw_keyAgree(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  static const size_t LEN32[] = {32, 0};
  key_record r;
  zw_bytes peer;
  int idx = need(ctx, argv[0], &r);
  if (idx < 0) return JS_EXCEPTION;
  if (r.alg != ALG_X25519)
    return zw_throw(ctx, "keystore.alg", "key %s (%s) cannot agree", KEY_NAMES[idx], ALG_NAMES[r.alg - 1]);
  if (zw_arg_bytes_len(ctx, argv[1], "peerPublic", LEN32, &peer) < 0) return JS_EXCEPTION;
  if (r.priv_len != 32) return corrupt(ctx, idx);
  uint8_t shared[32];
  int rc = zw_x25519(r.priv, peer.p, shared);
  JSValue res = rc == 0 ? zw_key_new(ctx, shared, 32) : JS_NULL;
  OPENSSL_cleanse(shared, sizeof shared);
  return res;
}

JSValue zw_hw_keyDerive(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  size_t len = 0;
  const char *label = JS_IsString(argv[0]) ? JS_ToCStringLen(ctx, &len, argv[0]) : NULL;
  bool ok = label && len >= 1 && len <= 64;
  for (size_t i = 0; ok && i < len; i++) ok = label[i] >= 0x20 && label[i] <= 0x7e;
  if (!ok) {
    JS_FreeCString(ctx, label);
    return zw_throw(ctx, "crypto.param", "\"label\" expected 1..64 printable ASCII characters");
  }
  key_record r;
  uint8_t out[32];
  zw_bytes salt = {(const uint8_t *)STORAGE_SALT, sizeof STORAGE_SALT - 1}, info = {(const uint8_t *)label, len};
  JSValue res = JS_EXCEPTION;
  if (need_at(ctx, 2 /* storage */, &r) >= 0) {
    zw_bytes root = {r.priv, r.priv_len};
    /* HKDF-SHA256(ikm = storage root, salt = "zorgwacht/storage/v1", info = label, L = 32) */
    if (zw_hkdf_sha256(root, salt, info, out, 32) < 0) res = zw_throw(ctx, "crypto.backend", "HKDF failed");
    else res = zw_key_new(ctx, out, 32);
    OPENSSL_cleanse(out, sizeof out);
  }
  JS_FreeCString(ctx, label);
  return res;
}

/* ---- counters ---- */

/* The counter's index and value; -1 with an exception pending. */
static int counter(JSContext *ctx, JSValueConst name, uint32_t *value) {
  int idx = zw_arg_enum(ctx, name, "name", COUNTER_NAMES, "counter.name");
  const zw_entry *e;
  if (idx < 0 || zw_secure_find(ctx, ZW_ENTRY_COUNTER, COUNTER_NAMES[idx], &e) < 0) return -1;
  *value = 0;
  if (e && e->len) {
    /* secure-format.ts reads missing bytes as 0 */
    uint8_t b[4] = {0};
    for (size_t i = 0, at = 1u + e->value[0]; i < 4; i++) b[i] = at + i < e->len ? e->value[at + i] : 0;
    *value = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
  }
  return idx;
}

JSValue zw_hw_counterRead(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  uint32_t v;
  return counter(ctx, argv[0], &v) < 0 ? JS_EXCEPTION : JS_NewUint32(ctx, v);
}

JSValue zw_hw_counterAdvance(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  uint32_t cur;
  double d = -1;
  int idx = counter(ctx, argv[0], &cur);
  if (idx < 0) return JS_EXCEPTION;
  const char *name = COUNTER_NAMES[idx];
  if (!JS_IsNumber(argv[1]) || JS_ToFloat64(ctx, &d, argv[1]) < 0 || !(d >= 0 && d <= 4294967295.0) || (double)(uint32_t)d != d)
    return zw_throw(ctx, "counter.range", "counter %s: the value is not a 32-bit unsigned integer", name);
  uint32_t v = (uint32_t)d;
  /* ports.ts Counter.advance: monotonic, equal is a no-op (no write). */
  if (v < cur) return zw_throw(ctx, "counter.rollback", "counter %s is %u; refusing %u", name, cur, v);
  if (v == cur) return JS_UNDEFINED;
  uint8_t value[1 + 16 + 4];
  size_t n = strlen(name), at = 0;
  value[at++] = (uint8_t)n;
  memcpy(value + at, name, n), at += n;
  for (int i = 0; i < 4; i++) value[at++] = (uint8_t)(v >> (8 * i));
  zw_entry e = {ZW_ENTRY_COUNTER, (uint16_t)at, value};
  return zw_secure_commit(ctx, &e) < 0 ? JS_EXCEPTION : JS_UNDEFINED;
}
