/* Globals zw-host adds (hardware/native/README.md "Globals"): console, timers and
 * queueMicrotask. TextEncoder/TextDecoder are in text.c. */
#include <stdio.h>
#include <string.h>

#include "zw.h"

/* Writes one value as console does: strings as-is, errors with their stack, other values
 * through JSON.stringify when it gives a string, else String(value). */
static void write_value(JSContext *ctx, FILE *out, JSValueConst v) {
  JSValue s = JS_UNDEFINED;
  if (JS_IsString(v)) {
    s = JS_DupValue(ctx, v);
  } else if (!JS_IsError(ctx, v) && !JS_IsSymbol(v) && !JS_IsFunction(ctx, v)) {
    s = JS_JSONStringify(ctx, v, JS_UNDEFINED, JS_UNDEFINED);
    if (JS_IsException(s)) {
      JS_FreeValue(ctx, JS_GetException(ctx));
      s = JS_UNDEFINED;
    }
  }
  if (JS_IsSymbol(v)) {
    JSValue desc = JS_GetPropertyStr(ctx, v, "description");
    const char *d = JS_IsString(desc) ? JS_ToCString(ctx, desc) : NULL;
    fprintf(out, "Symbol(%s)", d ? d : "");
    JS_FreeCString(ctx, d);
    JS_FreeValue(ctx, desc);
    return;
  }
  size_t len;
  const char *str = JS_IsUndefined(s) ? JS_ToCStringLen(ctx, &len, v) : JS_ToCStringLen(ctx, &len, s);
  JS_FreeValue(ctx, s);
  if (!str) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    fputs("[unprintable]", out);
    return;
  }
  fwrite(str, 1, len, out);
  JS_FreeCString(ctx, str);
  if (JS_IsError(ctx, v)) {
    JSValue st = JS_GetPropertyStr(ctx, v, "stack");
    const char *stack = JS_IsString(st) ? JS_ToCStringLen(ctx, &len, st) : NULL;
    if (stack && len) {
      fputc('\n', out);
      fwrite(stack, 1, len && stack[len - 1] == '\n' ? len - 1 : len, out);
    }
    JS_FreeCString(ctx, stack);
    JS_FreeValue(ctx, st);
  }
}

static JSValue console_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  ZW_UNUSED(this_val);
  FILE *out = magic ? stderr : stdout;
  if (magic) fflush(stdout);
  for (int i = 0; i < argc; i++) {
    if (i) fputc(' ', out);
    write_value(ctx, out, argv[i]);
  }
  fputc('\n', out);
  fflush(out);
  return JS_UNDEFINED;
}

static const JSCFunctionListEntry console_funcs[] = {
    JS_CFUNC_MAGIC_DEF("log", 0, console_write, 0),  JS_CFUNC_MAGIC_DEF("info", 0, console_write, 0),
    JS_CFUNC_MAGIC_DEF("debug", 0, console_write, 0), JS_CFUNC_MAGIC_DEF("warn", 0, console_write, 1),
    JS_CFUNC_MAGIC_DEF("error", 0, console_write, 1),
};

/* setTimeout(fn, ms, ...args) and setInterval (magic 1). */
static JSValue set_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
  ZW_UNUSED(this_val);
  if (argc < 1 || !JS_IsFunction(ctx, argv[0])) return JS_ThrowTypeError(ctx, "the callback must be a function");
  double ms = 0;
  if (argc > 1 && JS_ToFloat64(ctx, &ms, argv[1]) < 0) return JS_EXCEPTION;
  int64_t id = zw_timer_add(ctx, argv[0], ms, magic == 1, argc > 2 ? argc - 2 : 0, argv + 2);
  return id < 0 ? JS_EXCEPTION : JS_NewInt64(ctx, id);
}

static JSValue clear_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  double id;
  if (argc < 1 || !JS_IsNumber(argv[0]) || JS_ToFloat64(ctx, &id, argv[0]) < 0) return JS_UNDEFINED;
  if (id >= 1 && id <= 9007199254740991.0) zw_timer_clear(ctx, (int64_t)id);
  return JS_UNDEFINED;
}

static JSValue microtask_job(JSContext *ctx, int argc, JSValueConst *argv) {
  ZW_UNUSED(argc);
  return JS_Call(ctx, argv[0], JS_UNDEFINED, 0, NULL);
}

static JSValue queue_microtask(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  if (argc < 1 || !JS_IsFunction(ctx, argv[0])) return JS_ThrowTypeError(ctx, "the callback must be a function");
  if (JS_EnqueueJob(ctx, microtask_job, 1, argv) < 0) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

static const JSCFunctionListEntry global_funcs[] = {
    JS_CFUNC_MAGIC_DEF("setTimeout", 2, set_timer, 0),
    JS_CFUNC_MAGIC_DEF("setInterval", 2, set_timer, 1),
    JS_CFUNC_DEF("clearTimeout", 1, clear_timer),
    JS_CFUNC_DEF("clearInterval", 1, clear_timer),
    JS_CFUNC_DEF("queueMicrotask", 1, queue_microtask),
};

int zw_globals_init(JSContext *ctx) {
  JSValue global = JS_GetGlobalObject(ctx);
  JSValue console = JS_NewObject(ctx);
  int rc = -1;
  if (!JS_IsException(console)) {
    JS_SetPropertyFunctionList(ctx, console, console_funcs, sizeof console_funcs / sizeof console_funcs[0]);
    JS_SetPropertyFunctionList(ctx, global, global_funcs, sizeof global_funcs / sizeof global_funcs[0]);
    if (JS_DefinePropertyValueStr(ctx, global, "console", console, JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE) >= 0)
      rc = 0;
  }
  JS_FreeValue(ctx, global);
  return rc;
}
