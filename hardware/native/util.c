/* ZwError, argument checks and Uint8Array results for the `hw` module (STYLE.md 7: misuse
 * throws a typed error with a uniform message). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zw.h"

typedef struct {
  JSValue u8_ctor;
  JSValue error_ctor;
} zw_ctx_state;

static JSClassID u8_class; /* QuickJS's built-in class id of Uint8Array, found at start */
static const uint8_t empty_bytes[1];

static zw_ctx_state *state(JSContext *ctx) { return JS_GetContextOpaque(ctx); }

/* Finds the class id of Uint8Array without reaching into quickjs.c: JS_GetOpaque answers
 * non-NULL only for an object of exactly that class (its typed-array record). */
static int find_u8_class(JSContext *ctx, JSValueConst ctor) {
  JSValue one = JS_NewInt32(ctx, 1);
  JSValue probe = JS_CallConstructor(ctx, ctor, 1, &one);
  if (JS_IsException(probe)) return -1;
  for (JSClassID id = 1; id < 256; id++) {
    if (JS_GetOpaque(probe, id) != NULL) {
      u8_class = id;
      break;
    }
  }
  JS_FreeValue(ctx, probe);
  return u8_class ? 0 : -1;
}

int zw_util_init(JSContext *ctx) {
  zw_ctx_state *st = calloc(1, sizeof *st);
  if (!st) return -1;
  JSValue global = JS_GetGlobalObject(ctx);
  st->u8_ctor = JS_GetPropertyStr(ctx, global, "Uint8Array");
  st->error_ctor = JS_GetPropertyStr(ctx, global, "Error");
  JS_FreeValue(ctx, global);
  JS_SetContextOpaque(ctx, st);
  if (!JS_IsFunction(ctx, st->u8_ctor) || !JS_IsFunction(ctx, st->error_ctor)) return -1;
  if (!u8_class && find_u8_class(ctx, st->u8_ctor) < 0) return -1;
  return 0;
}

void zw_util_free(JSContext *ctx) {
  zw_ctx_state *st = state(ctx);
  if (!st) return;
  JS_FreeValue(ctx, st->u8_ctor);
  JS_FreeValue(ctx, st->error_ctor);
  free(st);
  JS_SetContextOpaque(ctx, NULL);
}

JSValue zw_throw(JSContext *ctx, const char *reason, const char *fmt, ...) {
  char detail[400], msg[480];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  snprintf(msg, sizeof msg, "%s: %s", reason, detail);
  JSValue m = JS_NewString(ctx, msg);
  if (JS_IsException(m)) return JS_EXCEPTION;
  JSValue err = JS_CallConstructor(ctx, state(ctx)->error_ctor, 1, (JSValueConst *)&m);
  JS_FreeValue(ctx, m);
  if (JS_IsException(err)) return JS_EXCEPTION;
  if (JS_DefinePropertyValueStr(ctx, err, "name", JS_NewString(ctx, "ZwError"), JS_PROP_C_W_E) < 0 ||
      JS_DefinePropertyValueStr(ctx, err, "reason", JS_NewString(ctx, reason), JS_PROP_C_W_E) < 0) {
    JS_FreeValue(ctx, err);
    return JS_EXCEPTION;
  }
  return JS_Throw(ctx, err);
}

/* A short description of a value for error messages ("Uint8Array(12)", "string", ...). */
static const char *type_name(JSContext *ctx, JSValueConst v, char *buf, size_t cap) {
  if (JS_IsNull(v)) return "null";
  if (JS_IsUndefined(v)) return "undefined";
  if (JS_IsString(v)) return "string";
  if (JS_IsNumber(v)) return "number";
  if (JS_IsBool(v)) return "boolean";
  if (JS_IsBigInt(ctx, v)) return "bigint";
  if (JS_IsSymbol(v)) return "symbol";
  if (JS_IsFunction(ctx, v)) return "function";
  if (JS_IsArray(ctx, v) > 0) return "Array";
  size_t off, len, per;
  JSValue buffer = JS_GetTypedArrayBuffer(ctx, v, &off, &len, &per);
  if (JS_IsException(buffer)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    return "object";
  }
  JS_FreeValue(ctx, buffer);
  snprintf(buf, cap, "%s(%zu)", zw_is_u8(ctx, v) ? "Uint8Array" : "TypedArray", len / (per ? per : 1));
  return buf;
}

bool zw_is_u8(JSContext *ctx, JSValueConst v) {
  ZW_UNUSED(ctx);
  return u8_class != 0 && JS_GetOpaque(v, u8_class) != NULL;
}

int zw_arg_bytes(JSContext *ctx, JSValueConst v, const char *what, const char *reason, zw_bytes *out) {
  char tn[48];
  if (!zw_is_u8(ctx, v)) {
    zw_throw(ctx, reason, "\"%s\" expected Uint8Array, got %s", what, type_name(ctx, v, tn, sizeof tn));
    return -1;
  }
  size_t off = 0, len = 0, per = 0, size = 0;
  JSValue buffer = JS_GetTypedArrayBuffer(ctx, v, &off, &len, &per);
  if (JS_IsException(buffer)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    zw_throw(ctx, reason, "\"%s\" expected Uint8Array, got a detached one", what);
    return -1;
  }
  uint8_t *base = JS_GetArrayBuffer(ctx, &size, buffer);
  JS_FreeValue(ctx, buffer);
  if (!base && len > 0) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    zw_throw(ctx, reason, "\"%s\" expected Uint8Array, got a detached one", what);
    return -1;
  }
  if (off > size || len > size - off) {
    zw_throw(ctx, reason, "\"%s\" is a Uint8Array outside its buffer", what);
    return -1;
  }
  out->p = len ? base + off : empty_bytes;
  out->n = len;
  return 0;
}

int zw_arg_bytes_len(JSContext *ctx, JSValueConst v, const char *what, const size_t *lens, zw_bytes *out) {
  if (zw_arg_bytes(ctx, v, what, "crypto.type", out) < 0) return -1;
  char want[64] = "";
  for (const size_t *l = lens; *l; l++) {
    if (out->n == *l) return 0;
    size_t at = strlen(want);
    snprintf(want + at, sizeof want - at, "%s%zu", at ? " or " : "", *l);
  }
  zw_throw(ctx, "crypto.param", "\"%s\" expected Uint8Array of length %s, got length=%zu", what, want, out->n);
  return -1;
}

int zw_arg_int(JSContext *ctx, JSValueConst v, const char *what, double min, double max,
               const char *reason, int64_t *out) {
  char tn[48];
  double d;
  if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &d, v) < 0 || !isfinite(d) || floor(d) != d) {
    const char *t = JS_IsNumber(v) ? "non-integer number" : type_name(ctx, v, tn, sizeof tn);
    zw_throw(ctx, "input.type", "\"%s\" expected integer, got %s", what, t);
    return -1;
  }
  if (d < min || d > max) {
    zw_throw(ctx, reason, "\"%s\" expected %.0f..%.0f, got %.0f", what, min, max, d);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

int zw_arg_enum(JSContext *ctx, JSValueConst v, const char *what, const char *const *names,
                const char *reason) {
  char tn[48];
  if (JS_IsString(v)) {
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, v);
    if (!s) return -1;
    for (int i = 0; names[i]; i++) {
      if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
        JS_FreeCString(ctx, s);
        return i;
      }
    }
    zw_throw(ctx, reason, "\"%s\": unknown value \"%.64s\"", what, s);
    JS_FreeCString(ctx, s);
    return -1;
  }
  zw_throw(ctx, reason, "\"%s\" expected a string, got %s", what, type_name(ctx, v, tn, sizeof tn));
  return -1;
}

const char *zw_arg_str(JSContext *ctx, JSValueConst v, const char *what, size_t *len) {
  char tn[48];
  if (!JS_IsString(v)) {
    zw_throw(ctx, "input.type", "\"%s\" expected string, got %s", what, type_name(ctx, v, tn, sizeof tn));
    return NULL;
  }
  return JS_ToCStringLen(ctx, len, v);
}

JSValue zw_new_u8(JSContext *ctx, size_t len, uint8_t **data) {
  JSValue n = JS_NewInt64(ctx, (int64_t)len);
  JSValue arr = JS_CallConstructor(ctx, state(ctx)->u8_ctor, 1, (JSValueConst *)&n);
  if (JS_IsException(arr)) return arr;
  zw_bytes b;
  if (zw_arg_bytes(ctx, arr, "result", "crypto.backend", &b) < 0 || b.n != len) {
    JS_FreeValue(ctx, arr);
    return JS_EXCEPTION;
  }
  *data = (uint8_t *)b.p;
  return arr;
}

JSValue zw_u8_copy(JSContext *ctx, const uint8_t *p, size_t len) {
  uint8_t *d;
  JSValue arr = zw_new_u8(ctx, len, &d);
  if (!JS_IsException(arr) && len) memcpy(d, p, len);
  return arr;
}
