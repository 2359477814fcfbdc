/* zw-host's boot sequence (DESIGN.md §Contracts "Loading the agent is enforced natively").
 * The agent partition is read once into native memory. The bootloader-verify bytecode compiled
 * into this binary judges that copy, and the firmware slots, in a runtime of its own whose only
 * outputs are verdicts (the `boot` module). That runtime is destroyed; the very bytes it judged,
 * checked against the verdict's SHA-256, are loaded into a fresh runtime for the agent — never a
 * second read of the flash (time-of-check/time-of-use, RAUC CVE-2020-25860 class). No
 * JS-callable function loads bytecode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hw_names.h"
#include "zw.h"

extern const uint8_t zw_bootverify_bc[];
extern const size_t zw_bootverify_bc_len;

#define MAX_RECORDS 8
#define MAX_RECORD_LEN 4096

static struct {
  uint8_t *image; /* the agent partition, read once */
  size_t len;
  bool judged, ok;
  char reason[64];
  uint32_t hashed, payload_off, payload_len;
  uint8_t sha256[32];
  char *records[MAX_RECORDS];
  size_t nrecords;
  bool phase; /* the `boot` module exists only while the verifier runs */
} B;

bool zw_boot_phase(void) { return B.phase; }

static int range(JSContext *ctx, JSValueConst *argv, int64_t *off, int64_t *len) {
  if (zw_arg_int(ctx, argv[0], "offset", 0, (double)B.len, "input.range", off) < 0) return -1;
  return zw_arg_int(ctx, argv[1], "length", 0, (double)(B.len - (size_t)*off), "input.range", len);
}

static JSValue b_imageSize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc), ZW_UNUSED(argv);
  return JS_NewInt64(ctx, (int64_t)B.len);
}

static JSValue b_imageRead(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc);
  int64_t off, len;
  if (range(ctx, argv, &off, &len) < 0) return JS_EXCEPTION;
  return zw_u8_copy(ctx, B.image + off, (size_t)len);
}

static JSValue b_imageSha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc);
  int64_t off, len;
  uint8_t d[32];
  if (range(ctx, argv, &off, &len) < 0) return JS_EXCEPTION;
  if (zw_sha256(B.image + off, (size_t)len, d) < 0) return zw_throw(ctx, "crypto.backend", "SHA-256 failed");
  return zw_u8_copy(ctx, d, 32);
}

/* The DER SubjectPublicKeyInfo of every TRUST_KEY entry in secure (secure-format.md); an
 * unprovisioned device has no trust store at all (secure.empty), not an empty one. */
static JSValue b_trustKeys(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc), ZW_UNUSED(argv);
  const zw_entry *e;
  size_t n;
  if (zw_secure_require(ctx) < 0 || zw_secure_entries(ctx, &e, &n) < 0) return JS_EXCEPTION;
  JSValue arr = JS_NewArray(ctx);
  uint32_t k = 0;
  for (size_t i = 0; i < n && !JS_IsException(arr); i++) {
    if (e[i].type != ZW_ENTRY_TRUST_KEY || e[i].len < 2) continue;
    JSValue spki = zw_u8_copy(ctx, e[i].value + 1, e[i].len - 1u);
    if (JS_IsException(spki) || JS_SetPropertyUint32(ctx, arr, k++, spki) < 0) {
      JS_FreeValue(ctx, arr);
      return JS_EXCEPTION;
    }
  }
  return arr;
}

/* The TRUST_DOC entry of secure — the trust list of the last applied update — or null when
 * none has been applied (secure-format.md "Entries"). */
static JSValue b_trustDocument(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc), ZW_UNUSED(argv);
  const zw_entry *e;
  size_t n;
  if (zw_secure_require(ctx) < 0 || zw_secure_entries(ctx, &e, &n) < 0) return JS_EXCEPTION;
  for (size_t i = 0; i < n; i++)
    if (e[i].type == ZW_ENTRY_TRUST_DOC) return zw_u8_copy(ctx, e[i].value, e[i].len);
  return JS_NULL;
}

/* agentVerdict(ok, reason, hashedLength, payloadOffset, payloadLength, sha256): once. */
static JSValue b_agentVerdict(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc);
  if (B.judged) return zw_throw(ctx, "input.range", "the agent was already judged");
  int64_t hashed, off, len;
  zw_bytes digest;
  size_t rlen;
  static const size_t L32[] = {32, 0};
  const char *reason = zw_arg_str(ctx, argv[1], "reason", &rlen);
  if (!reason) return JS_EXCEPTION;
  snprintf(B.reason, sizeof B.reason, "%s", reason);
  JS_FreeCString(ctx, reason);
  if (zw_arg_int(ctx, argv[2], "hashedLength", 0, (double)B.len, "input.range", &hashed) < 0 ||
      zw_arg_int(ctx, argv[3], "payloadOffset", 0, (double)B.len, "input.range", &off) < 0 ||
      zw_arg_int(ctx, argv[4], "payloadLength", 0, (double)B.len, "input.range", &len) < 0 ||
      zw_arg_bytes_len(ctx, argv[5], "sha256", L32, &digest) < 0)
    return JS_EXCEPTION;
  B.judged = true;
  B.ok = JS_ToBool(ctx, argv[0]) == 1;
  B.hashed = (uint32_t)hashed, B.payload_off = (uint32_t)off, B.payload_len = (uint32_t)len;
  memcpy(B.sha256, digest.p, 32);
  return JS_UNDEFINED;
}

static JSValue b_record(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc);
  size_t n;
  const char *s = zw_arg_str(ctx, argv[0], "record", &n);
  if (!s) return JS_EXCEPTION;
  char *copy = B.nrecords < MAX_RECORDS && n <= MAX_RECORD_LEN ? strndup(s, n) : NULL;
  JS_FreeCString(ctx, s);
  if (!copy) return zw_throw(ctx, "input.range", "measurement log full or record too long");
  B.records[B.nrecords++] = copy;
  return JS_UNDEFINED;
}

/* One list of names with zwc's stubs (hw_names.h), so the two cannot drift apart. */
#define BOOT_ENTRY(name, argc) JS_CFUNC_DEF(#name, argc, b_##name),
static const JSCFunctionListEntry BOOT_FUNCS[] = {ZW_BOOT_EXPORTS(BOOT_ENTRY)};

static int boot_init(JSContext *ctx, JSModuleDef *m) {
  return JS_SetModuleExportList(ctx, m, BOOT_FUNCS, sizeof BOOT_FUNCS / sizeof BOOT_FUNCS[0]);
}

JSModuleDef *zw_boot_module(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, boot_init);
  if (m) JS_AddModuleExportList(ctx, m, BOOT_FUNCS, sizeof BOOT_FUNCS / sizeof BOOT_FUNCS[0]);
  return m;
}

/* hw.measurements(): a fresh copy of the log; the agent cannot change the host's records. */
JSValue zw_hw_measurements(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val), ZW_UNUSED(argc), ZW_UNUSED(argv);
  JSValue arr = JS_NewArray(ctx);
  for (size_t i = 0; i < B.nrecords && !JS_IsException(arr); i++) {
    JSValue r = JS_ParseJSON(ctx, B.records[i], strlen(B.records[i]), "<measurement>");
    if (JS_IsException(r) || JS_SetPropertyUint32(ctx, arr, (uint32_t)i, r) < 0) {
      JS_FreeValue(ctx, arr);
      return JS_EXCEPTION;
    }
  }
  return arr;
}

/* Runs the embedded verifier over the copy of the agent partition, then destroys its runtime. */
static void run_verifier(const zw_limits *lim) {
  zw_limits vl = {.mem_mb = 32, .stack_kb = lim->stack_kb, .watchdog_ms = lim->watchdog_ms};
  JSRuntime *rt = zw_loop_new_runtime(&vl);
  JSContext *ctx = rt ? zw_loop_new_context(rt) : NULL;
  if (!ctx) zw_fatal(1, "host.oom", "cannot create the verifier runtime");
  B.phase = true;
  /* Compiled into this binary from bootloader-verify/ at build time: trusted bytes. */
  JSValue obj = JS_ReadObject(ctx, zw_bootverify_bc, zw_bootverify_bc_len, JS_READ_OBJ_BYTECODE);
  if (JS_IsException(obj) || JS_ResolveModule(ctx, obj) < 0) zw_uncaught(ctx);
  zw_loop_enter();
  JSValue ret = JS_EvalFunction(ctx, obj);
  if (JS_IsException(ret)) zw_uncaught(ctx);
  JS_FreeValue(ctx, ret);
  JSContext *job;
  for (int r; (r = JS_ExecutePendingJob(rt, &job)) != 0;)
    if (r < 0) zw_uncaught(job);
  B.phase = false;
  zw_util_free(ctx);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
}

void zw_boot(const zw_limits *lim) {
  const zw_part *pt = zw_flash_part("agent");
  if (!pt) zw_fatal(3, "flash.partition", "no agent partition in the layout");
  B.len = pt->size;
  B.image = malloc(B.len);
  if (!B.image) zw_fatal(1, "host.oom", "no memory for the agent image");
  int rc = zw_fault_active() ? zw_fault_read(B.image, B.len, pt->offset) : zw_dev_pread(B.image, B.len, pt->offset);
  if (rc < 0) zw_fatal(3, "flash.io", "cannot read the agent partition");
  run_verifier(lim);
  for (size_t i = 0; i < B.nrecords; i++) fprintf(stderr, "ZW-MEASURED %s\n", B.records[i]);
  if (!B.judged) zw_fatal(1, "host.load", "the verifier gave no verdict on the agent image");
  if (!B.ok) zw_fatal(1, B.reason[0] ? B.reason : "host.load", "agent image refused; nothing was loaded");
  /* The verdict must describe these bytes: bounds, then the digest of the judged region. */
  uint8_t d[32];
  if (B.hashed > B.len || B.payload_off < 32 || (uint64_t)B.payload_off + B.payload_len > B.hashed ||
      zw_sha256(B.image, B.hashed, d) < 0 || CRYPTO_memcmp(d, B.sha256, 32) != 0)
    zw_fatal(1, "host.load", "the verdict does not match the agent image in memory; nothing was loaded");
  JSRuntime *rt = zw_loop_new_runtime(lim);
  JSContext *ctx = rt ? zw_loop_new_context(rt) : NULL;
  if (!ctx) zw_fatal(1, "host.oom", "cannot create the agent runtime");
  JSValue obj = JS_ReadObject(ctx, B.image + B.payload_off, B.payload_len, JS_READ_OBJ_BYTECODE);
  if (JS_IsException(obj)) zw_fatal(1, "host.load", "the verified agent payload is not bytecode");
  if (JS_VALUE_GET_TAG(obj) != JS_TAG_MODULE) zw_fatal(1, "host.load", "the verified agent payload is not a module");
  if (JS_ResolveModule(ctx, obj) < 0) zw_uncaught(ctx);
  zw_loop_enter();
  JSValue ret = JS_EvalFunction(ctx, obj);
  if (JS_IsException(ret)) zw_uncaught(ctx);
  JS_FreeValue(ctx, ret);
  zw_loop_run(ctx);
  zw_exit(0);
}
