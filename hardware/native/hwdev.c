/* The development module `hwdev` (zw-host-dev only): args() and readStdin(), served by the
 * event loop's fd watcher (hardware/native/README.md). */
#ifdef ZW_DEV
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw_names.h"
#include "zw.h"

#define STDIN_CHUNK (64 * 1024)

typedef struct reader {
  struct reader *next;
  JSValue resolve, reject;
} reader;

static int dev_argc;
static char **dev_argv;
static reader *readers, **readers_tail = &readers;
static bool stdin_eof;
static uint8_t stdin_buf[STDIN_CHUNK];

void zw_hwdev_set_args(int argc, char **argv) {
  dev_argc = argc;
  dev_argv = argv;
}

static JSValue hwdev_args(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  JSValue arr = JS_NewArray(ctx);
  for (int i = 0; !JS_IsException(arr) && i < dev_argc; i++) {
    if (JS_SetPropertyUint32(ctx, arr, (uint32_t)i, JS_NewString(ctx, dev_argv[i])) < 0) {
      JS_FreeValue(ctx, arr);
      return JS_EXCEPTION;
    }
  }
  return arr;
}

/* Settles the oldest pending read with `value` (consumed); -1 when the call threw. */
static int settle(JSContext *ctx, JSValue value, bool ok) {
  reader *r = readers;
  readers = r->next;
  if (!readers) readers_tail = &readers;
  JSValue ret = JS_Call(ctx, ok ? r->resolve : r->reject, JS_UNDEFINED, 1, (JSValueConst *)&value);
  JS_FreeValue(ctx, value);
  JS_FreeValue(ctx, r->resolve);
  JS_FreeValue(ctx, r->reject);
  free(r);
  if (JS_IsException(ret)) return -1;
  JS_FreeValue(ctx, ret);
  return 0;
}

/* The fd callback: one read(2) after poll said stdin is readable. */
static int on_stdin(JSContext *ctx, int fd, void *opaque) {
  ZW_UNUSED(opaque);
  ssize_t n;
  do n = read(fd, stdin_buf, sizeof stdin_buf);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  if (n < 0) {
    JSValue err = JS_NewError(ctx);
    JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, strerror(errno)), JS_PROP_C_W_E);
    stdin_eof = true;
    int rc = settle(ctx, err, false);
    while (rc == 0 && readers) rc = settle(ctx, JS_NULL, true);
    zw_loop_unwatch(fd);
    return rc;
  }
  if (n == 0) {
    stdin_eof = true;
    zw_loop_unwatch(fd);
    int rc = 0;
    while (rc == 0 && readers) rc = settle(ctx, JS_NULL, true);
    return rc;
  }
  JSValue chunk = zw_u8_copy(ctx, stdin_buf, (size_t)n);
  if (JS_IsException(chunk)) return -1;
  int rc = settle(ctx, chunk, true);
  if (!readers) zw_loop_unwatch(fd);
  return rc;
}

static JSValue hwdev_readStdin(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  JSValue funcs[2];
  JSValue promise = JS_NewPromiseCapability(ctx, funcs);
  if (JS_IsException(promise)) return promise;
  if (stdin_eof) {
    JSValue null = JS_NULL;
    JSValue ret = JS_Call(ctx, funcs[0], JS_UNDEFINED, 1, (JSValueConst *)&null);
    JS_FreeValue(ctx, funcs[0]);
    JS_FreeValue(ctx, funcs[1]);
    if (JS_IsException(ret)) {
      JS_FreeValue(ctx, promise);
      return ret;
    }
    JS_FreeValue(ctx, ret);
    return promise;
  }
  reader *r = malloc(sizeof *r);
  if (!r || zw_loop_watch(STDIN_FILENO, on_stdin, NULL) < 0) {
    free(r);
    JS_FreeValue(ctx, funcs[0]);
    JS_FreeValue(ctx, funcs[1]);
    JS_FreeValue(ctx, promise);
    return JS_ThrowOutOfMemory(ctx);
  }
  *r = (reader){NULL, funcs[0], funcs[1]};
  *readers_tail = r;
  readers_tail = &r->next;
  return promise;
}

static const JSCFunctionListEntry hwdev_funcs[] = {
    JS_CFUNC_DEF("args", 0, hwdev_args),
    JS_CFUNC_DEF("readStdin", 0, hwdev_readStdin),
};

static int hwdev_init(JSContext *ctx, JSModuleDef *m) {
  return JS_SetModuleExportList(ctx, m, hwdev_funcs, sizeof hwdev_funcs / sizeof hwdev_funcs[0]);
}

JSModuleDef *zw_hwdev_module(JSContext *ctx, const char *name) {
  JSModuleDef *m = JS_NewCModule(ctx, name, hwdev_init);
  if (m && JS_AddModuleExportList(ctx, m, hwdev_funcs, sizeof hwdev_funcs / sizeof hwdev_funcs[0]) < 0) return NULL;
  return m;
}
#endif
