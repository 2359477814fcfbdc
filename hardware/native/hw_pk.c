/* Public-key crypto of the `hw` module over OpenSSL 3: X25519 (RFC 7748), Ed25519 (RFC 8032),
 * ECDSA P-256 with SHA-256 (FIPS 186-5). Hostile input is a return value (false / null),
 * misuse throws (hardware/ports.ts). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "hw_names.h"
#include "zw.h"

static const size_t LEN32[] = {32, 0};

/* ---- X25519 ---- */

int zw_x25519(const uint8_t priv[32], const uint8_t pub[32], uint8_t out[32]) {
  EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
  EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, 32);
  EVP_PKEY_CTX *pc = a ? EVP_PKEY_CTX_new(a, NULL) : NULL;
  size_t n = 32;
  int rc = -1;
  if (pc && b && EVP_PKEY_derive_init(pc) > 0 && EVP_PKEY_derive_set_peer(pc, b) > 0) {
    /* OpenSSL refuses an all-zero shared secret (RFC 7748 §6.1): that is the null result. */
    rc = EVP_PKEY_derive(pc, out, &n) > 0 && n == 32 ? 0 : 1;
  }
  if (rc == 0) {
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++) acc |= out[i];
    if (acc == 0) rc = 1;
  }
  EVP_PKEY_CTX_free(pc);
  EVP_PKEY_free(a);
  EVP_PKEY_free(b);
  return rc;
}

static int raw_public(int type, const uint8_t priv[32], uint8_t pub[32]) {
  EVP_PKEY *k = EVP_PKEY_new_raw_private_key(type, NULL, priv, 32);
  size_t n = 32;
  int ok = k && EVP_PKEY_get_raw_public_key(k, pub, &n) && n == 32;
  EVP_PKEY_free(k);
  return ok ? 0 : -1;
}

int zw_x25519_public(const uint8_t priv[32], uint8_t pub[32]) { return raw_public(EVP_PKEY_X25519, priv, pub); }

JSValue zw_hw_x25519(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes priv, pub;
  if (zw_arg_bytes_len(ctx, argv[0], "privateKey", LEN32, &priv) < 0 ||
      zw_arg_bytes_len(ctx, argv[1], "publicKey", LEN32, &pub) < 0)
    return JS_EXCEPTION;
  uint8_t out[32];
  int rc = zw_x25519(priv.p, pub.p, out);
  JSValue r = rc == 0 ? zw_u8_copy(ctx, out, 32) : JS_NULL;
  OPENSSL_cleanse(out, 32);
  return r;
}

JSValue zw_hw_x25519PublicKey(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes priv;
  if (zw_arg_bytes_len(ctx, argv[0], "privateKey", LEN32, &priv) < 0) return JS_EXCEPTION;
  uint8_t pub[32];
  if (zw_x25519_public(priv.p, pub) < 0) return zw_throw(ctx, "crypto.backend", "X25519 public key failed");
  return zw_u8_copy(ctx, pub, 32);
}

/* ---- Ed25519 ---- */

int zw_ed25519_public(const uint8_t seed[32], uint8_t pub[32]) { return raw_public(EVP_PKEY_ED25519, seed, pub); }

int zw_ed25519_sign(const uint8_t seed[32], const uint8_t *msg, size_t n, uint8_t sig[64]) {
  EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  size_t len = 64;
  int ok = k && md && EVP_DigestSignInit(md, NULL, NULL, NULL, k) > 0 &&
           EVP_DigestSign(md, sig, &len, msg, n) > 0 && len == 64;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(k);
  return ok ? 0 : -1;
}

JSValue zw_hw_ed25519Verify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes pub, msg, sig;
  if (zw_arg_bytes(ctx, argv[1], "message", "crypto.type", &msg) < 0 ||
      zw_arg_bytes(ctx, argv[0], "publicKey", "crypto.type", &pub) < 0 ||
      zw_arg_bytes(ctx, argv[2], "signature", "crypto.type", &sig) < 0)
    return JS_EXCEPTION;
  if (pub.n != 32 || sig.n != 64) return JS_FALSE;
  EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub.p, 32);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  bool ok = k && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) > 0 &&
            EVP_DigestVerify(md, sig.p, sig.n, msg.p, msg.n) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(k);
  return JS_NewBool(ctx, ok);
}

/* ---- ECDSA P-256 ---- */

/* An EVP_PKEY for a P-256 public point (SEC1, 65 or 33 bytes) and optionally a private scalar. */
static EVP_PKEY *p256_key(const uint8_t *pub, size_t publen, const uint8_t *priv) {
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BIGNUM *d = priv ? BN_bin2bn(priv, 32, NULL) : NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *k = NULL;
  if (bld && pc && (!priv || d) &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) &&
      (!d || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)) &&
      (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pc) > 0) {
    if (EVP_PKEY_fromdata(pc, &k, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) k = NULL;
  }
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(d);
  EVP_PKEY_CTX_free(pc);
  return k;
}

/* P1363 r||s (32 + 32 bytes) as a DER ECDSA-Sig-Value; returns its length or -1. */
static int p1363_to_der(const uint8_t *rs, uint8_t *der, size_t cap) {
  ECDSA_SIG *s = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(rs, 32, NULL), *ss = BN_bin2bn(rs + 32, 32, NULL);
  int len = -1;
  if (s && r && ss && ECDSA_SIG_set0(s, r, ss)) {
    r = ss = NULL; /* owned by s now */
    int n = i2d_ECDSA_SIG(s, NULL);
    if (n > 0 && (size_t)n <= cap) {
      unsigned char *w = der;
      len = i2d_ECDSA_SIG(s, &w);
    }
  }
  BN_free(r);
  BN_free(ss);
  ECDSA_SIG_free(s);
  return len;
}

static const char *const SIG_FORMATS[] = {"der", "p1363", NULL};

/* ECDSA P-256 verify (FIPS 186-5). `prehashed`: `msg` is already the digest (MCUboot signs the
 * image hash itself), 32..64 bytes, truncated to the order's bit length as ECDSA specifies;
 * otherwise SHA-256 is applied to `msg` first. */
static JSValue p256_verify(JSContext *ctx, JSValueConst *argv, bool prehashed) {
  zw_bytes pub, msg, sig;
  if (zw_arg_bytes(ctx, argv[1], prehashed ? "digest" : "message", "crypto.type", &msg) < 0 ||
      zw_arg_bytes(ctx, argv[0], "publicKey", "crypto.type", &pub) < 0 ||
      zw_arg_bytes(ctx, argv[2], "signature", "crypto.type", &sig) < 0)
    return JS_EXCEPTION;
  int format = zw_arg_enum(ctx, argv[3], "format", SIG_FORMATS, "crypto.param");
  if (format < 0) return JS_EXCEPTION;
  if (prehashed && (msg.n < 32 || msg.n > 64)) return zw_throw(ctx, "crypto.param", "\"digest\" expected 32..64 bytes, got length=%zu", msg.n);
  if (pub.n != 65 && pub.n != 33) return JS_FALSE;
  uint8_t der[80];
  if (format == 1) {
    if (sig.n != 64) return JS_FALSE;
    int n = p1363_to_der(sig.p, der, sizeof der);
    if (n < 0) return JS_FALSE;
    sig.p = der;
    sig.n = (size_t)n;
  }
  /* OpenSSL re-encodes the parsed signature and compares it with the input: strict DER. */
  EVP_PKEY *k = p256_key(pub.p, pub.n, NULL);
  bool ok = false;
  if (prehashed) {
    EVP_PKEY_CTX *pc = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
    ok = pc && EVP_PKEY_verify_init(pc) > 0 && EVP_PKEY_verify(pc, sig.p, sig.n, msg.p, msg.n) == 1;
    EVP_PKEY_CTX_free(pc);
  } else {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ok = k && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) > 0 &&
         EVP_DigestVerify(md, sig.p, sig.n, msg.p, msg.n) == 1;
    EVP_MD_CTX_free(md);
  }
  EVP_PKEY_free(k);
  return JS_NewBool(ctx, ok);
}

JSValue zw_hw_p256Verify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  return p256_verify(ctx, argv, false);
}

JSValue zw_hw_p256VerifyDigest(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  return p256_verify(ctx, argv, true);
}

int zw_p256_public(const uint8_t priv[32], uint8_t pub[65]) {
  EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT *q = g ? EC_POINT_new(g) : NULL;
  BIGNUM *d = BN_bin2bn(priv, 32, NULL);
  BN_CTX *bc = BN_CTX_new();
  int rc = -1;
  if (g && q && d && bc && !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
      EC_POINT_mul(g, q, d, NULL, NULL, bc) &&
      EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, 65, bc) == 65)
    rc = 0;
  BN_CTX_free(bc);
  BN_clear_free(d);
  EC_POINT_free(q);
  EC_GROUP_free(g);
  return rc;
}

int zw_p256_sign(const uint8_t priv[32], const uint8_t pub[65], const uint8_t *msg, size_t n, uint8_t sig[80]) {
  EVP_PKEY *k = p256_key(pub, 65, priv);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  size_t len = 80;
  int ok = k && md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) > 0 &&
           EVP_DigestSign(md, sig, &len, msg, n) > 0;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(k);
  return ok ? (int)len : -1;
}
