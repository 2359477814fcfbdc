/* The native module `hw` (hardware/native/README.md): the export table, and the small
 * functions (randomness, clocks, log, exit). Crypto, keys and flash live in their own files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hw_names.h"
#include "zw.h"

ZW_HW_EXPORTS(ZW_HW_DECLARE)

int zw_random(uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    p += got, n -= (size_t)got;
  }
  return 0;
}

JSValue zw_hw_randomBytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  int64_t n;
  if (zw_arg_int(ctx, argv[0], "n", 0, 65536, "crypto.param", &n) < 0) return JS_EXCEPTION;
  uint8_t *out;
  JSValue res = zw_new_u8(ctx, (size_t)n, &out);
  if (JS_IsException(res)) return res;
  if (zw_random(out, (size_t)n) < 0) {
    JS_FreeValue(ctx, res);
    return zw_throw(ctx, "crypto.backend", "getrandom failed: %s", strerror(errno));
  }
  return res;
}

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

JSValue zw_hw_wallMs(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return JS_NewInt64(ctx, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

JSValue zw_hw_monotonicMs(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  return JS_NewFloat64(ctx, clock_ms(CLOCK_MONOTONIC));
}

static const char *const LEVELS[] = {"debug", "info", "warn", "error", NULL};

/* Copies the flat fields of `fields` into `obj` (as `{...fields}` does); log.field for values
 * other than string, number, boolean and null. */
static int copy_fields(JSContext *ctx, JSValueConst obj, JSValueConst fields) {
  JSPropertyEnum *props = NULL;
  uint32_t count = 0;
  int rc = 0;
  if (JS_GetOwnPropertyNames(ctx, &props, &count, fields, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY) < 0) return -1;
  for (uint32_t i = 0; i < count; i++) {
    JSValue v = rc == 0 ? JS_GetProperty(ctx, fields, props[i].atom) : JS_UNDEFINED;
    if (rc == 0 && JS_IsException(v)) rc = -1;
    if (rc == 0 && !(JS_IsNull(v) || JS_IsString(v) || JS_IsNumber(v) || JS_IsBool(v))) {
      const char *k = JS_AtomToCString(ctx, props[i].atom);
      zw_throw(ctx, "log.field", "log field %.64s must be a string, number, boolean or null", k ? k : "?");
      JS_FreeCString(ctx, k);
      rc = -1;
    }
    if (rc == 0) rc = JS_DefinePropertyValue(ctx, obj, props[i].atom, v, JS_PROP_C_W_E) < 0 ? -1 : 0;
    else JS_FreeValue(ctx, v);
    JS_FreeAtom(ctx, props[i].atom);
  }
  js_free(ctx, props);
  return rc;
}

JSValue zw_hw_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  int level = zw_arg_enum(ctx, argv[0], "level", LEVELS, "input.range");
  size_t clen, flen;
  if (level < 0) return JS_EXCEPTION;
  if (!JS_IsString(argv[1])) return zw_throw(ctx, "input.type", "\"code\" expected string");
  const char *json = zw_arg_str(ctx, argv[2], "fieldsJson", &flen);
  if (!json) return JS_EXCEPTION;
  JSValue fields = JS_ParseJSON(ctx, json, flen, "fieldsJson");
  JS_FreeCString(ctx, json);
  if (JS_IsException(fields)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    return zw_throw(ctx, "input.type", "\"fieldsJson\" is not JSON");
  }
  if (!JS_IsObject(fields) || JS_IsArray(ctx, fields)) {
    JS_FreeValue(ctx, fields);
    return zw_throw(ctx, "input.type", "\"fieldsJson\" expected a JSON object");
  }
  char t[96];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
  JSValue obj = JS_NewObject(ctx), line = JS_UNDEFINED;
  if (!JS_IsException(obj) && JS_DefinePropertyValueStr(ctx, obj, "t", JS_NewString(ctx, t), JS_PROP_C_W_E) >= 0 &&
      JS_DefinePropertyValueStr(ctx, obj, "level", JS_NewString(ctx, LEVELS[level]), JS_PROP_C_W_E) >= 0 &&
      JS_DefinePropertyValueStr(ctx, obj, "code", JS_DupValue(ctx, argv[1]), JS_PROP_C_W_E) >= 0 &&
      copy_fields(ctx, obj, fields) == 0)
    line = JS_JSONStringify(ctx, obj, JS_UNDEFINED, JS_UNDEFINED);
  JS_FreeValue(ctx, fields);
  JS_FreeValue(ctx, obj);
  if (JS_IsException(line) || JS_IsUndefined(line)) return JS_EXCEPTION;
  const char *s = JS_ToCStringLen(ctx, &clen, line);
  JS_FreeValue(ctx, line);
  if (!s) return JS_EXCEPTION;
  fflush(stdout);
  fwrite(s, 1, clen, stderr);
  fputc('\n', stderr);
  fflush(stderr);
  JS_FreeCString(ctx, s);
  return JS_UNDEFINED;
}

JSValue zw_hw_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  int64_t code;
  if (zw_arg_int(ctx, argv[0], "code", 0, 255, "input.range", &code) < 0) return JS_EXCEPTION;
  zw_exit((int)code);
}

#define ZW_HW_ENTRY(name, argc) JS_CFUNC_DEF(#name, argc, zw_hw_##name),
static const JSCFunctionListEntry hw_funcs[] = {ZW_HW_EXPORTS(ZW_HW_ENTRY)};

static int hw_init(JSContext *ctx, JSModuleDef *m) {
  return JS_SetModuleExportList(ctx, m, hw_funcs, sizeof hw_funcs / sizeof hw_funcs[0]);
}

JSModuleDef *zw_hw_module(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, hw_init);
  if (m && JS_AddModuleExportList(ctx, m, hw_funcs, sizeof hw_funcs / sizeof hw_funcs[0]) < 0) return NULL;
  return m;
}
