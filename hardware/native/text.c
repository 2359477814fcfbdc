/* TextEncoder and TextDecoder (WHATWG Encoding Standard, UTF-8 only), which QuickJS 2021
 * lacks (DESIGN.md §Runtime "Bundle"). */
#include <stdlib.h>
#include <string.h>

#include "zw.h"

static JSClassID encoder_class, decoder_class;

enum { DEC_FATAL = 1, DEC_IGNORE_BOM = 2, DEC_SET = 4 }; /* kept in the opaque pointer */

/* ---- TextEncoder ---- */

static JSValue encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  if (!JS_GetOpaque(this_val, encoder_class)) return JS_ThrowTypeError(ctx, "not a TextEncoder");
  if (argc < 1 || JS_IsUndefined(argv[0])) return zw_new_u8(ctx, 0, &(uint8_t *){NULL});
  size_t len;
  const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
  if (!s) return JS_EXCEPTION;
  uint8_t *out;
  JSValue res = zw_new_u8(ctx, len, &out);
  if (!JS_IsException(res)) {
    memcpy(out, s, len);
    /* QuickJS writes a lone surrogate as its 3-byte WTF-8 form ED A0..BF xx; the standard
     * encodes it as U+FFFD (EF BF BD), the same length. */
    for (size_t i = 0; i + 2 < len; i++) {
      if (out[i] == 0xed && out[i + 1] >= 0xa0 && out[i + 1] <= 0xbf) {
        out[i] = 0xef, out[i + 1] = 0xbf, out[i + 2] = 0xbd;
        i += 2;
      }
    }
  }
  JS_FreeCString(ctx, s);
  return res;
}

static JSValue encoder_encoding(JSContext *ctx, JSValueConst this_val) {
  ZW_UNUSED(this_val);
  return JS_NewString(ctx, "utf-8");
}

static const JSCFunctionListEntry encoder_proto[] = {
    JS_CFUNC_DEF("encode", 0, encode),
    JS_CGETSET_DEF("encoding", encoder_encoding, NULL),
};

/* ---- TextDecoder ---- */

/* UTF-8 decode (Encoding Standard §4.1.1 "UTF-8 decoder"): each maximal invalid subpart becomes
 * one U+FFFD; with fatal, the first error fails (returns -1). Output is valid UTF-8. */
static long utf8_clean(const uint8_t *p, size_t n, uint8_t *out, bool fatal) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    uint8_t b = p[i];
    size_t need;
    uint8_t lower = 0x80, upper = 0xbf;
    if (b < 0x80) {
      out[o++] = b, i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0) lower = 0xa0;
      if (b == 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0) lower = 0x90;
      if (b == 0xf4) upper = 0x8f;
    } else {
      need = 0;
    }
    size_t k = 1;
    while (need && k <= need && i + k < n && p[i + k] >= lower && p[i + k] <= upper) {
      lower = 0x80, upper = 0xbf;
      k++;
    }
    if (need && k == need + 1) {
      memcpy(out + o, p + i, k);
      o += k, i += k;
      continue;
    }
    if (fatal) return -1;
    out[o++] = 0xef, out[o++] = 0xbf, out[o++] = 0xbd;
    i += k; /* the lead byte and the valid continuation bytes seen so far */
  }
  return (long)o;
}

static JSValue decoder_new(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  if (argc > 0 && !JS_IsUndefined(argv[0])) {
    const char *label = JS_ToCString(ctx, argv[0]);
    if (!label) return JS_EXCEPTION;
    const char *s = label;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\f' || *s == '\r') s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\f' ||
                   s[len - 1] == '\r'))
      len--;
    static const char *const utf8[] = {"utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8",
                                       "x-unicode20utf8"};
    bool ok = false;
    for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++) ok |= strlen(utf8[i]) == len && !strncasecmp(utf8[i], s, len);
    JS_FreeCString(ctx, label);
    if (!ok) return JS_ThrowRangeError(ctx, "TextDecoder: only utf-8 is supported");
  }
  uintptr_t flags = DEC_SET;
  if (argc > 1 && JS_IsObject(argv[1])) {
    JSValue f = JS_GetPropertyStr(ctx, argv[1], "fatal");
    if (JS_IsException(f)) return f;
    if (JS_ToBool(ctx, f)) flags |= DEC_FATAL;
    JS_FreeValue(ctx, f);
    JSValue b = JS_GetPropertyStr(ctx, argv[1], "ignoreBOM");
    if (JS_IsException(b)) return b;
    if (JS_ToBool(ctx, b)) flags |= DEC_IGNORE_BOM;
    JS_FreeValue(ctx, b);
  }
  JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
  if (JS_IsException(proto)) return proto;
  JSValue obj = JS_NewObjectProtoClass(ctx, proto, decoder_class);
  JS_FreeValue(ctx, proto);
  if (!JS_IsException(obj)) JS_SetOpaque(obj, (void *)flags);
  return obj;
}

static JSValue decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  uintptr_t flags = (uintptr_t)JS_GetOpaque(this_val, decoder_class);
  if (!flags) return JS_ThrowTypeError(ctx, "not a TextDecoder");
  if (argc < 1 || JS_IsUndefined(argv[0])) return JS_NewString(ctx, "");
  const uint8_t *p;
  size_t n, off, per;
  JSValue buffer = JS_GetTypedArrayBuffer(ctx, argv[0], &off, &n, &per);
  if (!JS_IsException(buffer)) {
    size_t size;
    uint8_t *base = JS_GetArrayBuffer(ctx, &size, buffer);
    JS_FreeValue(ctx, buffer);
    if (!base) return JS_EXCEPTION;
    p = base + off;
  } else {
    JS_FreeValue(ctx, JS_GetException(ctx));
    p = JS_GetArrayBuffer(ctx, &n, argv[0]);
    if (!p) {
      JS_FreeValue(ctx, JS_GetException(ctx));
      return JS_ThrowTypeError(ctx, "TextDecoder.decode expects an ArrayBuffer or a typed array");
    }
  }
  if (!(flags & DEC_IGNORE_BOM) && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) p += 3, n -= 3;
  uint8_t *out = js_malloc(ctx, n * 3 + 1);
  if (!out) return JS_EXCEPTION;
  long len = utf8_clean(p, n, out, flags & DEC_FATAL);
  JSValue res = len < 0 ? JS_ThrowTypeError(ctx, "The encoded data was not valid utf-8")
                        : JS_NewStringLen(ctx, (const char *)out, (size_t)len);
  js_free(ctx, out);
  return res;
}

static JSValue decoder_get(JSContext *ctx, JSValueConst this_val, int magic) {
  uintptr_t flags = (uintptr_t)JS_GetOpaque(this_val, decoder_class);
  if (!flags) return JS_ThrowTypeError(ctx, "not a TextDecoder");
  if (magic == 0) return JS_NewString(ctx, "utf-8");
  return JS_NewBool(ctx, (flags & (magic == 1 ? DEC_FATAL : DEC_IGNORE_BOM)) != 0);
}

static const JSCFunctionListEntry decoder_proto[] = {
    JS_CFUNC_DEF("decode", 0, decode),
    JS_CGETSET_MAGIC_DEF("encoding", decoder_get, NULL, 0),
    JS_CGETSET_MAGIC_DEF("fatal", decoder_get, NULL, 1),
    JS_CGETSET_MAGIC_DEF("ignoreBOM", decoder_get, NULL, 2),
};

static JSValue encoder_new(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
  if (JS_IsException(proto)) return proto;
  JSValue obj = JS_NewObjectProtoClass(ctx, proto, encoder_class);
  JS_FreeValue(ctx, proto);
  if (!JS_IsException(obj)) JS_SetOpaque(obj, (void *)(uintptr_t)1);
  return obj;
}

static int define_class(JSContext *ctx, JSValueConst global, JSClassID id, const char *name, JSCFunction *ctor,
                        int ctor_len, const JSCFunctionListEntry *proto_funcs, int nfuncs) {
  JSClassDef def = {.class_name = name};
  if (JS_NewClass(JS_GetRuntime(ctx), id, &def) < 0) return -1;
  JSValue proto = JS_NewObject(ctx);
  if (JS_IsException(proto)) return -1;
  JS_SetPropertyFunctionList(ctx, proto, proto_funcs, nfuncs);
  JSValue fn = JS_NewCFunction2(ctx, ctor, name, ctor_len, JS_CFUNC_constructor, 0);
  if (JS_IsException(fn)) {
    JS_FreeValue(ctx, proto);
    return -1;
  }
  JS_SetConstructor(ctx, fn, proto);
  JS_SetClassProto(ctx, id, proto);
  return JS_DefinePropertyValueStr(ctx, global, name, fn, JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE) < 0 ? -1 : 0;
}

int zw_text_init(JSContext *ctx) {
  if (!encoder_class) JS_NewClassID(&encoder_class);
  if (!decoder_class) JS_NewClassID(&decoder_class);
  JSValue global = JS_GetGlobalObject(ctx);
  int rc = define_class(ctx, global, encoder_class, "TextEncoder", (JSCFunction *)encoder_new, 0, encoder_proto,
                        sizeof encoder_proto / sizeof encoder_proto[0]);
  if (rc == 0)
    rc = define_class(ctx, global, decoder_class, "TextDecoder", (JSCFunction *)decoder_new, 0, decoder_proto,
                      sizeof decoder_proto / sizeof decoder_proto[0]);
  JS_FreeValue(ctx, global);
  return rc;
}
