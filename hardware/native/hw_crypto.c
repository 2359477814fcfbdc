/* Symmetric crypto of the `hw` module over OpenSSL 3 EVP, and the HwKey / HwHash classes
 * (hardware/ports.ts `Crypto`; DESIGN.md §Contracts "Crypto parameters"). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hw_names.h"
#include "zw.h"

static JSClassID key_class, hash_class;

/* ---- HwKey: key bytes in native memory, wiped when the handle is collected ---- */

typedef struct {
  size_t len;
  uint8_t bytes[];
} zw_key;

static void key_finalizer(JSRuntime *rt, JSValue val) {
  ZW_UNUSED(rt);
  zw_key *k = JS_GetOpaque(val, key_class);
  if (k) {
    OPENSSL_cleanse(k->bytes, k->len);
    free(k);
  }
}

static JSValue key_get_kind(JSContext *ctx, JSValueConst this_val) {
  if (!JS_GetOpaque(this_val, key_class)) return zw_throw(ctx, "crypto.handle", "not an HwKey");
  return JS_NewString(ctx, "key-handle");
}

static JSValue key_get_length(JSContext *ctx, JSValueConst this_val) {
  zw_key *k = JS_GetOpaque(this_val, key_class);
  if (!k) return zw_throw(ctx, "crypto.handle", "not an HwKey");
  return JS_NewInt64(ctx, (int64_t)k->len);
}

static const JSCFunctionListEntry key_proto[] = {
    JS_CGETSET_DEF("kind", key_get_kind, NULL),
    JS_CGETSET_DEF("length", key_get_length, NULL),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "HwKey", JS_PROP_CONFIGURABLE),
};

JSValue zw_key_new(JSContext *ctx, const uint8_t *p, size_t len) {
  JSValue obj = JS_NewObjectClass(ctx, (int)key_class);
  if (JS_IsException(obj)) return obj;
  zw_key *k = malloc(sizeof *k + (len ? len : 1));
  if (!k) {
    JS_FreeValue(ctx, obj);
    return JS_ThrowOutOfMemory(ctx);
  }
  k->len = len;
  if (len) memcpy(k->bytes, p, len);
  JS_SetOpaque(obj, k);
  return obj;
}

int zw_arg_key(JSContext *ctx, JSValueConst v, const char *what, zw_bytes *out) {
  if (zw_is_u8(ctx, v)) return zw_arg_bytes(ctx, v, what, "crypto.type", out);
  if (JS_IsObject(v)) {
    zw_key *k = JS_GetOpaque(v, key_class);
    if (!k) {
      zw_throw(ctx, "crypto.handle", "\"%s\" is not a key handle of this platform", what);
      return -1;
    }
    out->p = k->bytes;
    out->n = k->len;
    return 0;
  }
  return zw_arg_bytes(ctx, v, what, "crypto.type", out);
}

/* ---- HwHash: streaming SHA-256 / SHA-512 ---- */

static void hash_finalizer(JSRuntime *rt, JSValue val) {
  ZW_UNUSED(rt);
  EVP_MD_CTX *md = JS_GetOpaque(val, hash_class);
  EVP_MD_CTX_free(md);
}

static JSValue hash_update(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(argc);
  EVP_MD_CTX *md = JS_GetOpaque(this_val, hash_class);
  if (!md) return zw_throw(ctx, "crypto.state", "hash used after digest()");
  zw_bytes d;
  if (zw_arg_bytes(ctx, argv[0], "data", "crypto.type", &d) < 0) return JS_EXCEPTION;
  if (!EVP_DigestUpdate(md, d.p, d.n)) return zw_throw(ctx, "crypto.backend", "EVP_DigestUpdate failed");
  return JS_DupValue(ctx, this_val);
}

static JSValue hash_digest(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  EVP_MD_CTX *md = JS_GetOpaque(this_val, hash_class);
  if (!md) return zw_throw(ctx, "crypto.state", "digest() called twice");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  int ok = EVP_DigestFinal_ex(md, out, &n);
  EVP_MD_CTX_free(md);
  JS_SetOpaque(this_val, NULL);
  if (!ok) return zw_throw(ctx, "crypto.backend", "EVP_DigestFinal_ex failed");
  return zw_u8_copy(ctx, out, n);
}

static const JSCFunctionListEntry hash_proto[] = {
    JS_CFUNC_DEF("update", 1, hash_update),
    JS_CFUNC_DEF("digest", 0, hash_digest),
    JS_PROP_STRING_DEF("[Symbol.toStringTag]", "HwHash", JS_PROP_CONFIGURABLE),
};

static const char *const HASH_ALGS[] = {"sha256", "sha512", NULL};

JSValue zw_hw_hashNew(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  int alg = zw_arg_enum(ctx, argv[0], "alg", HASH_ALGS, "crypto.param");
  if (alg < 0) return JS_EXCEPTION;
  JSValue obj = JS_NewObjectClass(ctx, (int)hash_class);
  if (JS_IsException(obj)) return obj;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md || !EVP_DigestInit_ex(md, alg == 0 ? EVP_sha256() : EVP_sha512(), NULL)) {
    EVP_MD_CTX_free(md);
    JS_FreeValue(ctx, obj);
    return zw_throw(ctx, "crypto.backend", "EVP_DigestInit_ex failed");
  }
  JS_SetOpaque(obj, md);
  return obj;
}

static JSValue digest_of(JSContext *ctx, JSValueConst data, const EVP_MD *md) {
  zw_bytes d;
  if (zw_arg_bytes(ctx, data, "data", "crypto.type", &d) < 0) return JS_EXCEPTION;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(d.p, d.n, out, &n, md, NULL)) return zw_throw(ctx, "crypto.backend", "EVP_Digest failed");
  return zw_u8_copy(ctx, out, n);
}

int zw_sha256(const uint8_t *p, size_t n, uint8_t out[32]) {
  unsigned int len = 0;
  return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) && len == 32 ? 0 : -1;
}

JSValue zw_hw_sha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  return digest_of(ctx, argv[0], EVP_sha256());
}

JSValue zw_hw_sha512(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  return digest_of(ctx, argv[0], EVP_sha512());
}

/* ---- HMAC and HKDF ---- */

static EVP_MAC *hmac_alg;

int zw_hmac_sha256(const uint8_t *key, size_t klen, const zw_bytes *parts, int nparts, uint8_t out[32]) {
  /* RFC 2104 pads a short key with zeros to the block size, so an empty key is the same key
   * as one zero byte; OpenSSL refuses a zero-length key. */
  static const uint8_t zero = 0;
  if (klen == 0) {
    key = &zero;
    klen = 1;
  }
  if (!hmac_alg) hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (!hmac_alg) return -1;
  EVP_MAC_CTX *mc = EVP_MAC_CTX_new(hmac_alg);
  if (!mc) return -1;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  size_t n = 0;
  int ok = EVP_MAC_init(mc, key, klen, params);
  for (int i = 0; ok && i < nparts; i++) {
    if (parts[i].n) ok = EVP_MAC_update(mc, parts[i].p, parts[i].n);
  }
  ok = ok && EVP_MAC_final(mc, out, &n, 32) && n == 32;
  EVP_MAC_CTX_free(mc);
  return ok ? 0 : -1;
}

int zw_hkdf_sha256(zw_bytes ikm, zw_bytes salt, zw_bytes info, uint8_t *out, size_t len) {
  uint8_t prk[32], t[32];
  size_t tlen = 0;
  int rc = -1;
  /* RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt is HashLen zeros (same key). */
  if (len > 255 * 32 || zw_hmac_sha256(salt.p, salt.n, &ikm, 1, prk) < 0) goto done;
  /* §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i) */
  for (size_t done = 0, i = 1; done < len; i++) {
    uint8_t ctr = (uint8_t)i;
    zw_bytes parts[3] = {{t, tlen}, info, {&ctr, 1}};
    if (zw_hmac_sha256(prk, 32, parts, 3, t) < 0) goto done;
    tlen = 32;
    size_t take = len - done < 32 ? len - done : 32;
    memcpy(out + done, t, take);
    done += take;
  }
  rc = 0;
done:
  OPENSSL_cleanse(prk, sizeof prk);
  OPENSSL_cleanse(t, sizeof t);
  return rc;
}

JSValue zw_hw_hmacSha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes key, data;
  if (zw_arg_key(ctx, argv[0], "key", &key) < 0 || zw_arg_bytes(ctx, argv[1], "data", "crypto.type", &data) < 0)
    return JS_EXCEPTION;
  uint8_t out[32];
  if (zw_hmac_sha256(key.p, key.n, &data, 1, out) < 0) return zw_throw(ctx, "crypto.backend", "HMAC failed");
  return zw_u8_copy(ctx, out, 32);
}

JSValue zw_hw_hkdfSha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes ikm, salt, info;
  int64_t len;
  if (zw_arg_key(ctx, argv[0], "ikm", &ikm) < 0 ||
      zw_arg_int(ctx, argv[3], "length", 1, 255 * 32, "crypto.param", &len) < 0 ||
      zw_arg_bytes(ctx, argv[1], "salt", "crypto.type", &salt) < 0 ||
      zw_arg_bytes(ctx, argv[2], "info", "crypto.type", &info) < 0)
    return JS_EXCEPTION;
  uint8_t out[255 * 32];
  if (zw_hkdf_sha256(ikm, salt, info, out, (size_t)len) < 0) return zw_throw(ctx, "crypto.backend", "HKDF failed");
  JSValue r = JS_GetOpaque(argv[0], key_class) ? zw_key_new(ctx, out, (size_t)len) : zw_u8_copy(ctx, out, (size_t)len);
  OPENSSL_cleanse(out, (size_t)len);
  return r;
}

JSValue zw_hw_keySlice(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_key *k = JS_GetOpaque(argv[0], key_class);
  if (!k) return zw_throw(ctx, "crypto.handle", "\"key\" is not a key handle of this platform");
  int64_t start, end;
  if (zw_arg_int(ctx, argv[1], "start", 0, (double)k->len, "crypto.param", &start) < 0 ||
      zw_arg_int(ctx, argv[2], "end", (double)start + 1, (double)k->len, "crypto.param", &end) < 0)
    return JS_EXCEPTION;
  return zw_key_new(ctx, k->bytes + start, (size_t)(end - start));
}

/* ---- AEAD and AES-CTR ---- */

static const char *const AEAD_ALGS[] = {"aes-256-gcm", "chacha20-poly1305", NULL};
static const size_t LEN12[] = {12, 0}, LEN16[] = {16, 0};

/* Shared by seal and open: key 32, nonce 12, tag 16 (DESIGN.md §Contracts). */
static JSValue aead(JSContext *ctx, JSValueConst *argv, bool seal) {
  zw_bytes key, nonce, aad, in;
  if (zw_arg_key(ctx, argv[1], "key", &key) < 0) return JS_EXCEPTION;
  if (key.n != 32) return zw_throw(ctx, "crypto.param", "\"key\" expected key of length 32, got length=%zu", key.n);
  if (zw_arg_bytes_len(ctx, argv[2], "nonce", LEN12, &nonce) < 0 ||
      zw_arg_bytes(ctx, argv[4], "aad", "crypto.type", &aad) < 0)
    return JS_EXCEPTION;
  int alg = zw_arg_enum(ctx, argv[0], "alg", AEAD_ALGS, "crypto.param");
  if (alg < 0 || zw_arg_bytes(ctx, argv[3], seal ? "plaintext" : "sealed", "crypto.type", &in) < 0)
    return JS_EXCEPTION;
  if (!seal && in.n < 16) return JS_NULL;
  size_t outlen = seal ? in.n + 16 : in.n - 16, body = seal ? in.n : in.n - 16;
  uint8_t *out;
  JSValue res = zw_new_u8(ctx, outlen, &out);
  if (JS_IsException(res)) return res;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  const EVP_CIPHER *ci = alg == 0 ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
  uint8_t fin[16];
  int n = 0, ok = c && EVP_CipherInit_ex(c, ci, NULL, NULL, NULL, seal) &&
                  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
                  EVP_CipherInit_ex(c, NULL, NULL, key.p, nonce.p, seal);
  if (ok && aad.n) ok = EVP_CipherUpdate(c, NULL, &n, aad.p, (int)aad.n);
  if (ok && body) ok = EVP_CipherUpdate(c, out, &n, in.p, (int)body);
  if (ok && !seal) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(in.p + body));
  bool authentic = ok && EVP_CipherFinal_ex(c, fin, &n);
  if (authentic && seal) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + body);
  EVP_CIPHER_CTX_free(c);
  if (ok && authentic) return res;
  OPENSSL_cleanse(out, outlen);
  JS_FreeValue(ctx, res);
  if (seal || !ok) return zw_throw(ctx, "crypto.backend", "AEAD failed");
  return JS_NULL; /* authentication failed */
}

JSValue zw_hw_aeadSeal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  return aead(ctx, argv, true);
}

JSValue zw_hw_aeadOpen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  return aead(ctx, argv, false);
}

JSValue zw_hw_aesCtr(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes key, iv, data;
  if (zw_arg_key(ctx, argv[0], "key", &key) < 0) return JS_EXCEPTION;
  if (key.n != 16 && key.n != 32)
    return zw_throw(ctx, "crypto.param", "\"key\" expected key of length 16 or 32, got length=%zu", key.n);
  if (zw_arg_bytes_len(ctx, argv[1], "iv", LEN16, &iv) < 0 ||
      zw_arg_bytes(ctx, argv[2], "data", "crypto.type", &data) < 0)
    return JS_EXCEPTION;
  uint8_t *out;
  JSValue res = zw_new_u8(ctx, data.n, &out);
  if (JS_IsException(res)) return res;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n = 0, ok = c && EVP_EncryptInit_ex(c, key.n == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr(), NULL, key.p, iv.p);
  /* EVP_EncryptUpdate takes an int length: feed large inputs in pieces. */
  for (size_t at = 0; ok && at < data.n; at += 1u << 30) {
    size_t piece = data.n - at < (1u << 30) ? data.n - at : (1u << 30);
    ok = EVP_EncryptUpdate(c, out + at, &n, data.p + at, (int)piece);
  }
  EVP_CIPHER_CTX_free(c);
  if (ok) return res;
  JS_FreeValue(ctx, res);
  return zw_throw(ctx, "crypto.backend", "AES-CTR failed");
}

int zw_crypto_init(JSContext *ctx) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  static const JSClassDef key_def = {"HwKey", .finalizer = key_finalizer};
  static const JSClassDef hash_def = {"HwHash", .finalizer = hash_finalizer};
  if (!key_class) JS_NewClassID(&key_class);
  if (!hash_class) JS_NewClassID(&hash_class);
  if (JS_NewClass(rt, key_class, &key_def) < 0 || JS_NewClass(rt, hash_class, &hash_def) < 0) return -1;
  JSValue kp = JS_NewObject(ctx), hp = JS_NewObject(ctx);
  if (JS_IsException(kp) || JS_IsException(hp)) return -1;
  JS_SetPropertyFunctionList(ctx, kp, key_proto, sizeof key_proto / sizeof key_proto[0]);
  JS_SetPropertyFunctionList(ctx, hp, hash_proto, sizeof hash_proto / sizeof hash_proto[0]);
  JS_SetClassProto(ctx, key_class, kp);
  JS_SetClassProto(ctx, hash_class, hp);
  return 0;
}
