/* The Partition functions of the `hw` module (hardware/ports.ts `Partition`): argument checks
 * here, the device work in flash.c. */
#include <stdlib.h>

#include "hw_names.h"
#include "zw.h"

/* offset in [0, size] and length in [0, size - offset] (else flash.range; non-integers input.type). */
static int range_args(JSContext *ctx, const zw_part *pt, JSValueConst off, JSValueConst len, int64_t *o, int64_t *n) {
  if (zw_arg_int(ctx, off, "offset", 0, pt->size, "flash.range", o) < 0) return -1;
  return zw_arg_int(ctx, len, "length", 0, (double)(pt->size - *o), "flash.range", n);
}

JSValue zw_hw_flashSize(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  const zw_part *pt = zw_flash_arg_part(ctx, argv[0]);
  return pt ? JS_NewUint32(ctx, pt->size) : JS_EXCEPTION;
}

JSValue zw_hw_flashRead(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  const zw_part *pt = zw_flash_arg_part(ctx, argv[0]);
  int64_t off, len;
  if (!pt || range_args(ctx, pt, argv[1], argv[2], &off, &len) < 0) return JS_EXCEPTION;
  uint8_t *out;
  JSValue res = zw_new_u8(ctx, (size_t)len, &out);
  if (JS_IsException(res)) return res;
  if (zw_flash_read(ctx, pt, (uint64_t)off, (uint64_t)len, out) < 0) {
    JS_FreeValue(ctx, res);
    return JS_EXCEPTION;
  }
  return res;
}

JSValue zw_hw_flashProgram(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  const zw_part *pt = zw_flash_arg_part(ctx, argv[0]);
  zw_bytes data;
  int64_t off, len;
  if (!pt || zw_arg_bytes(ctx, argv[2], "data", "input.type", &data) < 0) return JS_EXCEPTION;
  JSValue n = JS_NewInt64(ctx, (int64_t)data.n);
  if (range_args(ctx, pt, argv[1], n, &off, &len) < 0) return JS_EXCEPTION;
  if (zw_flash_program(ctx, pt, (uint64_t)off, data.p, data.n) < 0) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

JSValue zw_hw_flashErase(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  const zw_part *pt = zw_flash_arg_part(ctx, argv[0]);
  int64_t off, len;
  if (!pt || range_args(ctx, pt, argv[1], argv[2], &off, &len) < 0) return JS_EXCEPTION;
  if (zw_flash_erase(ctx, pt, (uint64_t)off, (uint64_t)len) < 0) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

JSValue zw_hw_flashSync(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  const zw_part *pt = zw_flash_arg_part(ctx, argv[0]);
  if (!pt || zw_flash_sync(ctx, pt) < 0) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

JSValue zw_hw_flashSha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  const zw_part *pt = zw_flash_arg_part(ctx, argv[0]);
  int64_t off, len;
  uint8_t out[32];
  if (!pt || range_args(ctx, pt, argv[1], argv[2], &off, &len) < 0 ||
      zw_flash_sha256(ctx, pt, (uint64_t)off, (uint64_t)len, out) < 0)
    return JS_EXCEPTION;
  return zw_u8_copy(ctx, out, 32);
}
