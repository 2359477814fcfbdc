/* The fault plan of the development host (ZW_FAULT; hardware/native/README.md "Fault plan",
 * DESIGN.md §Contracts "Durability model" and "Fault plan"). The same algorithm as
 * hardware/node/flash.ts, so one plan gives the same bytes in both: unsynced operations stay in
 * a volatile overlay of 4 KiB device pages; at operation `cutAt` the pending operations are
 * split at page boundaries and a mulberry32(seed) coin decides which pieces land. */
#ifdef ZW_DEV
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zw.h"

#define PAGE 4096u

typedef struct {
  uint64_t abs;
  size_t n;
  uint8_t *data; /* NULL: an erase (0xFF) */
} pending_op;

static struct {
  bool active;
  uint32_t cut_at;
  bool torn;
  uint32_t seed;
  double flip_reads;
} plan;

static uint32_t flip_state;
static uint64_t ops;
static uint8_t **dirty; /* one 4 KiB copy per touched device page, NULL when clean */
static size_t npages;
static pending_op *pending;
static size_t npending, cap_pending;
static const uint8_t erased_page[PAGE] = {[0 ... PAGE - 1] = 0xff};

/* mulberry32, identical to hardware/node/fault.ts (Math.imul is 32-bit multiplication). */
static uint32_t next(uint32_t *s) {
  uint32_t t = (*s += 0x6D2B79F5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}

/* ---- ZW_FAULT: {"cutAt": n, "torn": bool, "seed": n, "flipReads": 0..1}, all optional ---- */

static double plan_number(JSContext *ctx, JSValueConst o, const char *key, double max, bool integer) {
  JSValue v = JS_GetPropertyStr(ctx, o, key);
  double d = 0;
  if (JS_IsUndefined(v)) return 0;
  if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &d, v) < 0 || !(d >= 0 && d <= max) || (integer && floor(d) != d))
    zw_fatal(2, "host.fault-plan", "%s must be %s 0..%.0f", key, integer ? "an integer" : "a number", max);
  return d;
}

void zw_fault_init(JSContext *ctx) {
  const char *text = getenv("ZW_FAULT");
  if (!text) return;
  JSValue o = JS_ParseJSON(ctx, text, strlen(text), "ZW_FAULT");
  if (JS_IsException(o)) {
    JS_FreeValue(ctx, JS_GetException(ctx));
    zw_fatal(2, "host.fault-plan", "ZW_FAULT is not JSON");
  }
  if (!JS_IsObject(o) || JS_IsArray(ctx, o) || JS_IsFunction(ctx, o))
    zw_fatal(2, "host.fault-plan", "ZW_FAULT must be a JSON object");
  JSPropertyEnum *props = NULL;
  uint32_t count = 0;
  if (JS_GetOwnPropertyNames(ctx, &props, &count, o, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY) < 0)
    zw_fatal(2, "host.fault-plan", "ZW_FAULT cannot be read");
  for (uint32_t i = 0; i < count; i++) {
    const char *k = JS_AtomToCString(ctx, props[i].atom);
    if (!k || (strcmp(k, "cutAt") && strcmp(k, "torn") && strcmp(k, "seed") && strcmp(k, "flipReads")))
      zw_fatal(2, "host.fault-plan", "unknown key %s", k ? k : "?");
    JS_FreeCString(ctx, k);
    JS_FreeAtom(ctx, props[i].atom);
  }
  js_free(ctx, props);
  plan.cut_at = (uint32_t)plan_number(ctx, o, "cutAt", 0x7fffffff, true);
  plan.seed = (uint32_t)plan_number(ctx, o, "seed", 0xffffffffu, true);
  plan.flip_reads = plan_number(ctx, o, "flipReads", 1, false);
  JSValue torn = JS_GetPropertyStr(ctx, o, "torn");
  if (!JS_IsUndefined(torn) && !JS_IsBool(torn)) zw_fatal(2, "host.fault-plan", "torn must be a boolean");
  plan.torn = JS_IsBool(torn) && JS_ToBool(ctx, torn);
  JS_FreeValue(ctx, o);
  flip_state = plan.seed ^ 0x9e3779b9u;
  npages = (zw_device_size + PAGE - 1) / PAGE;
  dirty = calloc(npages, sizeof *dirty);
  if (!dirty) zw_fatal(2, "host.fault-plan", "no memory for the overlay");
  plan.active = true;
}

bool zw_fault_active(void) { return plan.active; }

/* ---- the overlay ---- */

int zw_fault_read(uint8_t *out, size_t n, uint64_t abs) {
  for (size_t done = 0; done < n;) {
    uint64_t page = (abs + done) / PAGE;
    size_t in_page = (size_t)((abs + done) % PAGE), len = n - done < PAGE - in_page ? n - done : PAGE - in_page;
    if (page < npages && dirty[page]) memcpy(out + done, dirty[page] + in_page, len);
    else if (zw_dev_pread(out + done, len, abs + done) < 0) return -1;
    done += len;
  }
  return 0;
}

/* Copies the pages [abs, abs+n) touches into the overlay (before the operation is counted). */
static int load_pages(uint64_t abs, size_t n, const char **why) {
  for (uint64_t page = abs / PAGE; page * PAGE < abs + n && page < npages; page++) {
    if (dirty[page]) continue;
    uint8_t *d = malloc(PAGE);
    if (!d) return *why = "oom", -1;
    if (zw_dev_pread(d, PAGE, page * PAGE) < 0) return free(d), *why = "flash.io", -1;
    dirty[page] = d;
  }
  return 0;
}

static void apply(uint64_t abs, const uint8_t *data, size_t n) {
  for (size_t done = 0; done < n;) {
    uint64_t page = (abs + done) / PAGE;
    size_t in_page = (size_t)((abs + done) % PAGE), len = n - done < PAGE - in_page ? n - done : PAGE - in_page;
    memcpy(dirty[page] + in_page, data ? data + done : erased_page, len);
    done += len;
  }
}

static void drop_pending(void) {
  for (size_t i = 0; i < npending; i++) free(pending[i].data);
  npending = 0;
}

/* A clean write-out of the overlay: what a sync (or an orderly end) makes durable. */
static int write_out(void) {
  bool any = false;
  int rc = 0;
  for (size_t page = 0; page < npages; page++) {
    if (!dirty[page]) continue;
    if (zw_dev_pwrite(dirty[page], PAGE, page * PAGE) < 0) rc = -1;
    free(dirty[page]);
    dirty[page] = NULL;
    any = true;
  }
  if (any && zw_dev_datasync() < 0) rc = -1;
  drop_pending();
  return rc;
}

static void land(uint64_t abs, const uint8_t *data, size_t n) {
  for (size_t done = 0; done < n; done += PAGE) {
    size_t len = n - done < PAGE ? n - done : PAGE;
    (void)zw_dev_pwrite(data ? data + done : erased_page, len, abs + done);
  }
}

/* The power cut at operation `op` (README "Fault plan"); `kind` is the operation in progress. */
__attribute__((noreturn)) static void cut(uint64_t op, int kind, uint64_t abs, const uint8_t *data, size_t n) {
  uint32_t s = plan.seed;
  for (size_t i = 0; i < npending; i++) {
    const pending_op *p = &pending[i];
    for (size_t done = 0; done < p->n;) {
      size_t in_page = (size_t)((p->abs + done) % PAGE);
      size_t len = p->n - done < PAGE - in_page ? p->n - done : PAGE - in_page;
      if (next(&s) & 1) land(p->abs + done, p->data ? p->data + done : NULL, len);
      done += len;
    }
  }
  if (kind != ZW_OP_SYNC && plan.torn && n > 0) land(abs, data, next(&s) % n);
  (void)zw_dev_datasync();
  fflush(stdout);
  fprintf(stderr, "ZW-POWER-CUT op=%llu\n", (unsigned long long)op);
  fflush(stderr);
  _exit(137);
}

int zw_fault_op(int kind, uint64_t abs, const uint8_t *data, size_t n, const char **why) {
  uint8_t *copy = NULL;
  if (kind != ZW_OP_SYNC) {
    if (npending == cap_pending) {
      size_t cap = cap_pending ? cap_pending * 2 : 16;
      pending_op *p = realloc(pending, cap * sizeof *p);
      if (!p) return *why = "oom", -1;
      pending = p, cap_pending = cap;
    }
    if (kind == ZW_OP_PROGRAM) {
      if (!(copy = malloc(n))) return *why = "oom", -1;
      memcpy(copy, data, n);
    }
    if (load_pages(abs, n, why) < 0) return free(copy), -1;
  }
  uint64_t op = ++ops;
  if (plan.cut_at != 0 && plan.cut_at == op) cut(op, kind, abs, data, n);
  if (kind == ZW_OP_SYNC) return write_out() < 0 ? (*why = "flash.io", -1) : 0;
  pending[npending++] = (pending_op){abs, n, copy};
  apply(abs, copy, n);
  return 0;
}

void zw_fault_flip(uint8_t *p, size_t n) {
  if (!plan.active || !(plan.flip_reads > 0) || n == 0) return;
  if (next(&flip_state) / 4294967296.0 < plan.flip_reads) {
    uint64_t bit = next(&flip_state) % (8 * (uint64_t)n);
    p[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
  }
}

void zw_fault_finish(void) {
  if (!plan.active) return;
  plan.active = false;
  if (write_out() < 0) fprintf(stderr, "zw-host: flash.io: writing the flash overlay out failed\n");
  fprintf(stderr, "ZW-FLASH-OPS n=%llu\n", (unsigned long long)ops);
}
#endif
