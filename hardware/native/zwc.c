/* zwc: compiles one ES module to QuickJS bytecode (`zwc in.js out.qjsbc`), the raw bytes of
 * JS_WriteObject (DESIGN.md §Runtime "Bytecode"). QuickJS 2021 resolves a module's imports
 * while compiling, so `hw`, `hwdev` and `boot` are registered as stubs with the real export names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"
#include "hw_names.h"

#define NAME(name, argc) #name,
static const char *const hw_names[] = {ZW_HW_EXPORTS(NAME) NULL};
static const char *const hwdev_names[] = {ZW_HWDEV_EXPORTS(NAME) NULL};
static const char *const boot_names[] = {ZW_BOOT_EXPORTS(NAME) NULL};

static const char *const *names_of(const char *module) {
  if (strcmp(module, "hw") == 0) return hw_names;
  if (strcmp(module, "hwdev") == 0) return hwdev_names;
  if (strcmp(module, "boot") == 0) return boot_names;
  return NULL;
}

static int stub_init(JSContext *ctx, JSModuleDef *m, const char *const *names) {
  for (int i = 0; names[i]; i++) {
    if (JS_SetModuleExport(ctx, m, names[i], JS_UNDEFINED) < 0) return -1;
  }
  return 0;
}

static int hw_init(JSContext *ctx, JSModuleDef *m) { return stub_init(ctx, m, hw_names); }
static int hwdev_init(JSContext *ctx, JSModuleDef *m) { return stub_init(ctx, m, hwdev_names); }
static int boot_init(JSContext *ctx, JSModuleDef *m) { return stub_init(ctx, m, boot_names); }

static JSModuleDef *load_stub(JSContext *ctx, const char *module, void *opaque) {
  (void)opaque;
  const char *const *names = names_of(module);
  if (!names) {
    JS_ThrowReferenceError(ctx, "could not load module '%s': only hw, hwdev and boot are available", module);
    return NULL;
  }
  JSModuleDef *m = JS_NewCModule(ctx, module, names == hw_names ? hw_init : names == hwdev_names ? hwdev_init : boot_init);
  for (int i = 0; m && names[i]; i++) {
    if (JS_AddModuleExport(ctx, m, names[i]) < 0) return NULL;
  }
  return m;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    char *bigger = realloc(buf, cap * 2 + 1);
    if (!bigger) free(buf);
    buf = bigger, cap *= 2;
  }
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

static int fail(JSContext *ctx, const char *what) {
  JSValue e = JS_GetException(ctx);
  const char *m = JS_ToCString(ctx, e);
  JSValue st = JS_IsObject(e) ? JS_GetPropertyStr(ctx, e, "stack") : JS_UNDEFINED;
  const char *s = JS_IsString(st) ? JS_ToCString(ctx, st) : NULL;
  fprintf(stderr, "zwc: %s: %s\n%s", what, m ? m : "?", s ? s : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fputs("usage: zwc in.js out.qjsbc\n", stderr);
    return 2;
  }
  size_t len = 0;
  char *src = read_all(argv[1], &len);
  if (!src) {
    fprintf(stderr, "zwc: cannot read %s\n", argv[1]);
    return 3;
  }
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = rt ? JS_NewContext(rt) : NULL;
  if (!ctx) return 1;
  JS_SetModuleLoaderFunc(rt, NULL, load_stub, NULL);
  const char *base = strrchr(argv[1], '/');
  base = base ? base + 1 : argv[1];
  JSValue obj = JS_Eval(ctx, src, len, base, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
  free(src);
  if (JS_IsException(obj)) return fail(ctx, argv[1]);
  size_t out_len = 0;
  uint8_t *out = JS_WriteObject(ctx, &out_len, obj, JS_WRITE_OBJ_BYTECODE);
  JS_FreeValue(ctx, obj);
  if (!out) return fail(ctx, "JS_WriteObject");
  FILE *f = fopen(argv[2], "wb");
  if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0) {
    fprintf(stderr, "zwc: cannot write %s\n", argv[2]);
    return 3;
  }
  js_free(ctx, out);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return 0;
}
