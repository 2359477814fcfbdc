/* The Net port of the `hw` module (hardware/ports.ts `Net`, hardware/native/README.md): one
 * TLS 1.3 client connection per HwNet object, driven by the event loop. The trust anchor (CERT
 * `ca`), the client chain (CERT `device`) and the private key (KEY `tls`) come from `secure`;
 * the key is built here and never becomes a JS value. Events reach the JS callback
 * onEvent(type, value, detail): "open"; "data" with a Uint8Array; "close" with null (orderly)
 * or a reason code, and a detail string. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "hw_names.h"
#include "zw.h"

#define READ_CHUNK 16384     /* one TLS record's plaintext (RFC 8446 §5.1): nothing stays buffered */
#define READS_PER_WAKE 64    /* then other fds and timers get their turn */
#define TIMEOUT_MAX_MS 600000
/* How long an open waits for the server's first record after the handshake when none comes
 * (hardware/node/net.ts uses the same value). In TLS 1.3 the client's handshake ends before the
 * server has judged its certificate (RFC 8446 §4.4.2); a server that refuses it answers with an
 * alert, one that accepts it sends NewSessionTicket (§4.6.1) or data. */
#define ACCEPT_SETTLE_MS 500

enum { S_CONNECTING, S_HANDSHAKE, S_CONFIRMING, S_OPEN, S_CLOSING, S_DONE };
enum { T_DEADLINE, T_SETTLE, T_RESUME, T_ABORT };

typedef struct chunk {
  struct chunk *next;
  size_t len, off;
  uint8_t data[];
} chunk;

typedef struct {
  int fd, state, connect_errno;
  int64_t timeout_ms;
  bool ticket, hs_wants_write, read_wants_write, write_wants_read;
  SSL *ssl;
  JSValue obj;  /* a reference to itself while the connection lives: the loop keeps it */
  JSValue cb;   /* onEvent */
  int64_t timers[4];
  chunk *head, *tail;
  uint8_t *held; /* data read while confirming, delivered after "open" */
  size_t held_len;
} net_conn;

static JSClassID net_class;

/* ---- the HwNet class ---- */

static void free_queue(net_conn *c) {
  while (c->head) {
    chunk *k = c->head;
    c->head = k->next;
    free(k);
  }
  c->tail = NULL;
  free(c->held);
  c->held = NULL;
}

/* Frees the TLS state (and with it the key) and the socket. */
static void release_io(net_conn *c) {
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = NULL;
  if (c->fd >= 0) {
    zw_loop_unwatch(c->fd);
    close(c->fd);
  }
  c->fd = -1;
  free_queue(c);
}

static void net_finalizer(JSRuntime *rt, JSValue val) {
  net_conn *c = JS_GetOpaque(val, net_class);
  if (!c) return;
  release_io(c);
  JS_FreeValueRT(rt, c->cb);
  free(c);
}

static void net_mark(JSRuntime *rt, JSValueConst val, JS_MarkFunc *mark) {
  net_conn *c = JS_GetOpaque(val, net_class);
  if (c) JS_MarkValue(rt, c->cb, mark);
}

int zw_net_init(JSContext *ctx) {
  static const JSClassDef def = {"HwNet", .finalizer = net_finalizer, .gc_mark = net_mark};
  if (!net_class) JS_NewClassID(&net_class);
  if (JS_NewClass(JS_GetRuntime(ctx), net_class, &def) < 0) return -1;
  JSValue proto = JS_NewObject(ctx);
  if (JS_IsException(proto)) return -1;
  JS_DefinePropertyValueStr(ctx, proto, "kind", JS_NewString(ctx, "net-connection"), JS_PROP_CONFIGURABLE);
  JS_SetClassProto(ctx, net_class, proto);
  return 0;
}

/* ---- secure material: CERT `ca` and `device`, KEY `tls` (hardware/secure-format.md) ---- */

/* The bytes after the length-prefixed name of entry (type, name): 1 found, 0 absent, -1 exception. */
static int named_value(JSContext *ctx, uint16_t type, const char *name, const uint8_t **p, size_t *n) {
  const zw_entry *e;
  if (zw_secure_find(ctx, type, name, &e) < 0) return -1;
  if (!e || e->len < 1u + e->value[0]) return 0;
  *p = e->value + 1 + e->value[0];
  *n = e->len - 1u - e->value[0];
  return 1;
}

static EVP_PKEY *p256_private(const uint8_t priv[32], const uint8_t pub[65]) {
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BIGNUM *d = BN_secure_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *k = NULL;
  if (bld && d && pc && BN_bin2bn(priv, 32, d) &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
      EVP_PKEY_fromdata_init(pc) > 0 && EVP_PKEY_fromdata(pc, &k, EVP_PKEY_KEYPAIR, params) <= 0)
    k = NULL;
  for (OSSL_PARAM *q = params; q && q->key; q++) OPENSSL_cleanse(q->data, q->data_size); /* the scalar */
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(d);
  EVP_PKEY_CTX_free(pc);
  return k;
}

/* The `tls` key from its KEY value (after the name): algorithm, private, public. */
static EVP_PKEY *tls_key(const uint8_t *v, size_t n) {
  if (n < 2 || 2u + v[1] >= n) return NULL;
  int alg = v[0];
  size_t pl = v[1], ql = v[2 + pl];
  const uint8_t *priv = v + 2, *pub = v + 3 + pl;
  if (3 + pl + ql != n) return NULL;
  if (alg == 1 && pl == 32) return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
  if (alg == 2 && pl == 32 && ql == 65) return p256_private(priv, pub);
  return NULL;
}

/* Adds every certificate of a PEM text: to the store, or as the client chain (leaf first). */
static int load_pem(SSL_CTX *s, const uint8_t *pem, size_t n, bool chain) {
  BIO *bio = BIO_new_mem_buf(pem, (int)n);
  int count = 0;
  X509 *x;
  while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    bool ok = !chain                ? X509_STORE_add_cert(SSL_CTX_get_cert_store(s), x) == 1
              : count == 0          ? SSL_CTX_use_certificate(s, x) == 1
                                    : SSL_CTX_add1_chain_cert(s, x) == 1;
    X509_free(x);
    if (!ok) {
      count = -1;
      break;
    }
    count++;
  }
  BIO_free(bio);
  ERR_clear_error(); /* the end of the PEM text is reported as an error */
  return count;
}

/* An SSL_CTX for one connection: TLS 1.3 only, the `ca` CERT entry as the only trust anchor,
 * the `device` chain with the `tls` key. NULL with an exception pending. */
static SSL_CTX *make_ctx(JSContext *ctx) {
  const uint8_t *ca, *dev, *key;
  size_t ca_n, dev_n, key_n;
  int rc_ca = named_value(ctx, ZW_ENTRY_CERT, "ca", &ca, &ca_n);
  int rc_dev = rc_ca < 0 ? -1 : named_value(ctx, ZW_ENTRY_CERT, "device", &dev, &dev_n);
  int rc_key = rc_dev < 0 ? -1 : named_value(ctx, ZW_ENTRY_KEY, "tls", &key, &key_n);
  if (rc_key < 0) return NULL;
  if (!rc_ca || !rc_dev || !rc_key) {
    zw_throw(ctx, "net.cert.absent", "secure holds no %s", !rc_dev ? "device certificate (CERT device)"
                                                          : !rc_ca ? "hospital CA (CERT ca)" : "tls key");
    return NULL;
  }
  SSL_CTX *s = SSL_CTX_new(TLS_client_method());
  if (!s || !SSL_CTX_set_min_proto_version(s, TLS1_3_VERSION) || !SSL_CTX_set_max_proto_version(s, TLS1_3_VERSION)) {
    SSL_CTX_free(s);
    zw_throw(ctx, "crypto.backend", "cannot set up TLS 1.3");
    return NULL;
  }
  SSL_CTX_set_verify(s, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_mode(s, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const char *missing = NULL;
  if (load_pem(s, ca, ca_n, false) <= 0) missing = "the ca entry holds no usable certificate";
  else if (load_pem(s, dev, dev_n, true) <= 0) missing = "the device entry holds no usable certificate";
  if (!missing) {
    EVP_PKEY *k = tls_key(key, key_n);
    if (!k) missing = "the tls key is not an Ed25519 or P-256 key";
    else if (SSL_CTX_use_PrivateKey(s, k) != 1 || SSL_CTX_check_private_key(s) != 1)
      missing = "the device certificate does not match the tls key";
    EVP_PKEY_free(k);
  }
  if (missing) {
    ERR_clear_error();
    SSL_CTX_free(s);
    zw_throw(ctx, "net.cert.absent", "%s", missing);
    return NULL;
  }
  return s;
}

/* OpenSSL calls this for each NewSessionTicket: the server has accepted our Finished (and with
 * it our certificate). The session itself is not kept. */
static int on_ticket(SSL *ssl, SSL_SESSION *sess) {
  ZW_UNUSED(sess);
  net_conn *c = SSL_get_app_data(ssl);
  if (c) c->ticket = true;
  return 0;
}

/* ---- events ---- */

static int emit(JSContext *ctx, net_conn *c, const char *type, JSValue value, const char *detail) {
  JSValue cb = JS_DupValue(ctx, c->cb);
  JSValue argv[3] = {JS_NewString(ctx, type), value, detail ? JS_NewString(ctx, detail) : JS_UNDEFINED};
  JSValue ret = JS_Call(ctx, cb, JS_UNDEFINED, 3, (JSValueConst *)argv);
  for (int i = 0; i < 3; i++) JS_FreeValue(ctx, argv[i]);
  JS_FreeValue(ctx, cb);
  if (JS_IsException(ret)) return -1;
  JS_FreeValue(ctx, ret);
  return 0;
}

static void clear_timer(JSContext *ctx, net_conn *c, int which) {
  if (c->timers[which] > 0) zw_timer_clear(ctx, c->timers[which]);
  c->timers[which] = 0;
}

static JSValue on_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic, JSValue *data);

static int add_timer(JSContext *ctx, net_conn *c, int which, double ms) {
  JSValue fn = JS_NewCFunctionData(ctx, on_timer, 0, which, 1, &c->obj);
  if (JS_IsException(fn)) return -1;
  int64_t id = zw_timer_add(ctx, fn, ms, false, 0, NULL);
  JS_FreeValue(ctx, fn);
  if (id < 0) {
    JS_ThrowOutOfMemory(ctx);
    return -1;
  }
  c->timers[which] = id;
  return 0;
}

/* Ends the connection and reports it: reason NULL for an orderly close. The object may be
 * freed on return. */
static int finish(JSContext *ctx, net_conn *c, const char *reason, const char *detail) {
  if (c->state == S_DONE) return 0;
  c->state = S_DONE;
  for (int i = 0; i < 4; i++) clear_timer(ctx, c, i);
  release_io(c);
  JSValue self = c->obj;
  c->obj = JS_UNDEFINED;
  int rc = emit(ctx, c, "close", reason ? JS_NewString(ctx, reason) : JS_NULL, detail);
  JS_FreeValue(ctx, self);
  return rc;
}

static int on_fd(JSContext *ctx, int fd, void *opaque);

static void update_watch(net_conn *c) {
  short ev = POLLIN;
  if (c->state == S_CONNECTING) ev = POLLOUT;
  else if (c->state == S_HANDSHAKE) ev = c->hs_wants_write ? POLLOUT : POLLIN;
  else if (c->read_wants_write || ((c->head || c->state == S_CLOSING) && !c->write_wants_read)) ev |= POLLOUT;
  zw_loop_watch_events(c->fd, ev, on_fd, c); /* replaces the watch: cannot fail */
}

/* ---- failures ---- */

static const char *connect_reason(int err) {
  return err == ETIMEDOUT ? "net.timeout" : err == ECONNRESET ? "net.reset" : "net.refused";
}

/* The reason for a failed TLS operation (SSL_get_error `e`, errno `err`), with its detail:
 * during the handshake, what went wrong; after it and before the server accepted us, a refused
 * handshake (a server refusing our certificate alerts and closes); once open, a lost connection. */
static const char *tls_reason(net_conn *c, int e, int err, char *detail, size_t cap) {
  unsigned long code = ERR_peek_error();
  long verify = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
  if (code) ERR_error_string_n(code, detail, cap);
  else snprintf(detail, cap, "%s", err ? strerror(err) : "the peer closed the connection");
  ERR_clear_error();
  int r = ERR_GET_LIB(code) == ERR_LIB_SSL ? ERR_GET_REASON(code) : 0;
  if (c->state == S_CONFIRMING) return "net.tls.handshake";
  if (c->state != S_HANDSHAKE) return "net.reset";
  if ((e == SSL_ERROR_SYSCALL && !code) || r == SSL_R_UNEXPECTED_EOF_WHILE_READING) return "net.reset";
  if (verify != X509_V_OK || r == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    snprintf(detail, cap, "server certificate: %s", X509_verify_cert_error_string(verify));
    return "net.tls.verify";
  }
  if (r == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || r == SSL_R_UNSUPPORTED_PROTOCOL ||
      r == SSL_R_NO_PROTOCOLS_AVAILABLE || r == SSL_R_UNSUPPORTED_SSL_VERSION || r == SSL_R_WRONG_SSL_VERSION)
    return "net.tls.version";
  return "net.tls.handshake";
}

static int fail_tls(JSContext *ctx, net_conn *c, int e) {
  int err = errno;
  char detail[256];
  const char *reason = tls_reason(c, e, err, detail, sizeof detail);
  return finish(ctx, c, reason, detail);
}

/* ---- the state machine ---- */

static int become_open(JSContext *ctx, net_conn *c) {
  c->state = S_OPEN;
  clear_timer(ctx, c, T_SETTLE);
  return emit(ctx, c, "open", JS_NULL, NULL);
}

/* Writes what the queue holds until the socket would block. */
static int flush(JSContext *ctx, net_conn *c) {
  c->write_wants_read = false;
  while (c->head) {
    chunk *k = c->head;
    ERR_clear_error();
    int n = SSL_write(c->ssl, k->data + k->off, (int)(k->len - k->off));
    if (n > 0) {
      k->off += (size_t)n;
      if (k->off == k->len) {
        c->head = k->next;
        if (!c->head) c->tail = NULL;
        free(k);
      }
      continue;
    }
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_WRITE) return 0;
    if (e == SSL_ERROR_WANT_READ) return c->write_wants_read = true, 0;
    return fail_tls(ctx, c, e) < 0 ? -1 : 1;
  }
  return 0;
}

/* Reads what has arrived; delivers data (open) or decides the open (confirming). */
static int drain(JSContext *ctx, net_conn *c) {
  static uint8_t buf[READ_CHUNK];
  c->read_wants_write = false;
  for (int i = 0; i < READS_PER_WAKE && (c->state == S_CONFIRMING || c->state == S_OPEN || c->state == S_CLOSING); i++) {
    ERR_clear_error();
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n > 0) {
      if (c->state == S_CONFIRMING) {
        /* the server sent data: it accepted us. "open" goes out alone; the data follows. */
        c->held = malloc((size_t)n);
        if (!c->held) return JS_ThrowOutOfMemory(ctx), -1;
        memcpy(c->held, buf, (size_t)n);
        c->held_len = (size_t)n;
        if (add_timer(ctx, c, T_RESUME, 0) < 0) return -1;
        return become_open(ctx, c);
      }
      if (c->state != S_OPEN) continue; /* close() was called: the rest is discarded */
      JSValue data = zw_u8_copy(ctx, buf, (size_t)n);
      if (JS_IsException(data) || emit(ctx, c, "data", data, NULL) < 0) return -1;
      continue;
    }
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ) break;
    if (e == SSL_ERROR_WANT_WRITE) {
      c->read_wants_write = true;
      break;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
      /* close_notify from the peer (RFC 8446 §6.1): answer it, then end. */
      if (c->state == S_CONFIRMING)
        return finish(ctx, c, "net.tls.handshake", "the server closed the connection after the handshake without accepting it");
      ERR_clear_error();
      SSL_shutdown(c->ssl);
      ERR_clear_error();
      return finish(ctx, c, NULL, NULL);
    }
    return fail_tls(ctx, c, e);
  }
  if (c->state == S_CONFIRMING && c->ticket) return become_open(ctx, c);
  return 0;
}

static int pump(JSContext *ctx, net_conn *c) {
  if (c->state == S_OPEN || c->state == S_CLOSING) {
    int rc = flush(ctx, c);
    if (rc != 0) return rc < 0 ? -1 : 0;
  }
  if (c->state == S_CLOSING && !c->head && !c->write_wants_read) {
    ERR_clear_error();
    int r = SSL_shutdown(c->ssl);
    int e = r < 0 ? SSL_get_error(c->ssl, r) : SSL_ERROR_NONE;
    ERR_clear_error();
    if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) return finish(ctx, c, NULL, NULL);
  }
  return drain(ctx, c);
}

static int start_handshake(JSContext *ctx, net_conn *c) {
  ERR_clear_error();
  int r = SSL_connect(c->ssl);
  if (r == 1) {
    clear_timer(ctx, c, T_DEADLINE);
    c->state = S_CONFIRMING;
    if (add_timer(ctx, c, T_SETTLE, ACCEPT_SETTLE_MS) < 0) return -1;
    return drain(ctx, c);
  }
  int e = SSL_get_error(c->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    c->hs_wants_write = e == SSL_ERROR_WANT_WRITE;
    return 0;
  }
  return fail_tls(ctx, c, e);
}

static int on_fd(JSContext *ctx, int fd, void *opaque) {
  ZW_UNUSED(fd);
  net_conn *c = opaque;
  JSValue keep = JS_DupValue(ctx, c->obj); /* c outlives this call even if it finishes */
  int rc = 0;
  if (c->state == S_CONNECTING) {
    int err = c->connect_errno;
    socklen_t len = sizeof err;
    if (!err && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err) rc = finish(ctx, c, connect_reason(err), strerror(err));
    else c->state = S_HANDSHAKE;
  }
  if (rc == 0 && c->state == S_HANDSHAKE) rc = start_handshake(ctx, c);
  else if (rc == 0 && c->state != S_DONE && c->state != S_CONNECTING) rc = pump(ctx, c);
  if (rc == 0 && c->state != S_DONE) update_watch(c);
  JS_FreeValue(ctx, keep);
  return rc;
}

static JSValue on_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic, JSValue *data) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  net_conn *c = JS_GetOpaque(data[0], net_class);
  if (!c || c->state == S_DONE) return JS_UNDEFINED;
  c->timers[magic] = 0;
  int rc = 0;
  char detail[96];
  if (magic == T_DEADLINE && c->state < S_CONFIRMING) {
    snprintf(detail, sizeof detail, "no TLS connection within %lld ms", (long long)c->timeout_ms);
    rc = finish(ctx, c, "net.timeout", detail);
  } else if (magic == T_SETTLE && c->state == S_CONFIRMING) {
    rc = become_open(ctx, c);
  } else if (magic == T_RESUME && c->held) {
    uint8_t *p = c->held;
    size_t n = c->held_len;
    c->held = NULL;
    JSValue d = c->state == S_OPEN ? zw_u8_copy(ctx, p, n) : JS_UNDEFINED;
    free(p);
    if (JS_IsException(d) || (c->state == S_OPEN && emit(ctx, c, "data", d, NULL) < 0)) rc = -1;
    if (rc == 0 && c->state != S_DONE) rc = pump(ctx, c);
  } else if (magic == T_ABORT) {
    rc = finish(ctx, c, NULL, NULL);
  }
  if (rc == 0 && c->state != S_DONE) update_watch(c);
  return rc < 0 ? JS_EXCEPTION : JS_UNDEFINED;
}

/* ---- hw functions ---- */

static net_conn *arg_conn(JSContext *ctx, JSValueConst v) {
  net_conn *c = JS_GetOpaque(v, net_class);
  if (!c) zw_throw(ctx, "input.type", "\"conn\" expected an HwNet connection");
  return c;
}

/* Builds the connection: TLS objects first (they can refuse), then the socket. */
static JSValue connect_to(JSContext *ctx, const char *host, const struct sockaddr *sa, socklen_t salen,
                          int64_t timeout_ms, JSValueConst cb) {
  SSL_CTX *sctx = make_ctx(ctx);
  if (!sctx) return JS_EXCEPTION;
  SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(sctx, on_ticket);
  SSL *ssl = SSL_new(sctx);
  SSL_CTX_free(sctx); /* the SSL keeps its own reference */
  /* RFC 6125 §6.2 via OpenSSL: the server certificate must carry `host` as an IP SAN. */
  if (!ssl || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) {
    SSL_free(ssl);
    ERR_clear_error();
    return zw_throw(ctx, "crypto.backend", "cannot set up the TLS connection");
  }
  JSValue obj = JS_NewObjectClass(ctx, (int)net_class);
  net_conn *c = JS_IsException(obj) ? NULL : calloc(1, sizeof *c);
  if (!c) {
    SSL_free(ssl);
    JS_FreeValue(ctx, obj);
    return JS_IsException(obj) ? obj : JS_ThrowOutOfMemory(ctx);
  }
  *c = (net_conn){.fd = -1, .state = S_CONNECTING, .timeout_ms = timeout_ms, .ssl = ssl,
                  .obj = JS_UNDEFINED, .cb = JS_DupValue(ctx, cb)};
  JS_SetOpaque(obj, c);
  SSL_set_app_data(ssl, c);
  c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    int err = errno;
    JS_FreeValue(ctx, obj);
    return zw_throw(ctx, "net.refused", "socket: %s", strerror(err));
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, sa, salen) < 0 && errno != EINPROGRESS) c->connect_errno = errno; /* reported from the loop */
  SSL_set_fd(ssl, c->fd);
  c->obj = JS_DupValue(ctx, obj);
  bool timer = add_timer(ctx, c, T_DEADLINE, (double)timeout_ms) == 0;
  if (!timer || zw_loop_watch_events(c->fd, POLLOUT, on_fd, c) < 0) {
    clear_timer(ctx, c, T_DEADLINE);
    c->state = S_DONE;
    release_io(c);
    JS_FreeValue(ctx, c->obj);
    c->obj = JS_UNDEFINED;
    JS_FreeValue(ctx, obj);
    return timer ? zw_throw(ctx, "net.refused", "the host watches too many descriptors") : JS_EXCEPTION;
  }
  return obj;
}

JSValue zw_hw_netConnect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  size_t len;
  int64_t port, timeout;
  const char *host = zw_arg_str(ctx, argv[0], "host", &len);
  if (!host) return JS_EXCEPTION;
  struct sockaddr_in v4 = {.sin_family = AF_INET};
  struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
  int family = len >= INET6_ADDRSTRLEN || strlen(host) != len ? 0
               : inet_pton(AF_INET, host, &v4.sin_addr) == 1  ? AF_INET
               : inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 ? AF_INET6
                                                               : 0;
  JSValue res = JS_EXCEPTION;
  if (!family) {
    zw_throw(ctx, "input.range", "\"host\" expected an IPv4 or IPv6 literal (the gateway resolves no names)");
  } else if (zw_arg_int(ctx, argv[1], "port", 1, 65535, "input.range", &port) == 0 &&
             zw_arg_int(ctx, argv[2], "timeoutMs", 1, TIMEOUT_MAX_MS, "input.range", &timeout) == 0) {
    if (!JS_IsFunction(ctx, argv[3])) {
      zw_throw(ctx, "input.type", "\"onEvent\" expected a function");
    } else {
      v4.sin_port = v6.sin6_port = htons((uint16_t)port);
      res = family == AF_INET ? connect_to(ctx, host, (struct sockaddr *)&v4, sizeof v4, timeout, argv[3])
                              : connect_to(ctx, host, (struct sockaddr *)&v6, sizeof v6, timeout, argv[3]);
    }
  }
  JS_FreeCString(ctx, host);
  return res;
}

JSValue zw_hw_netWrite(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  zw_bytes b;
  net_conn *c = arg_conn(ctx, argv[0]);
  if (!c || zw_arg_bytes(ctx, argv[1], "data", "input.type", &b) < 0) return JS_EXCEPTION;
  if (c->state != S_OPEN) return zw_throw(ctx, "net.closed", "the connection is %s", c->state < S_OPEN ? "not open yet" : "closed");
  if (b.n == 0) return JS_UNDEFINED;
  chunk *k = malloc(sizeof *k + b.n);
  if (!k) return JS_ThrowOutOfMemory(ctx);
  *k = (chunk){NULL, b.n, 0};
  memcpy(k->data, b.p, b.n);
  if (c->tail) c->tail->next = k;
  else c->head = k;
  c->tail = k;
  update_watch(c);
  return JS_UNDEFINED;
}

JSValue zw_hw_netClose(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  net_conn *c = arg_conn(ctx, argv[0]);
  if (!c) return JS_EXCEPTION;
  if (c->state == S_OPEN) {
    c->state = S_CLOSING; /* the queue is written out, then close_notify; "close" follows */
    update_watch(c);
  } else if (c->state < S_OPEN && c->timers[T_ABORT] == 0) {
    if (add_timer(ctx, c, T_ABORT, 0) < 0) return JS_EXCEPTION;
  }
  return JS_UNDEFINED;
}
