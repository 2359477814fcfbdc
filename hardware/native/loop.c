/* The runtime and its event loop: limits, the watchdog (interrupt handler), the module
 * loader (only `hw`, and `hwdev` in the development host), promise jobs, timers, watched file
 * descriptors, and the reports of uncaught errors (hardware/native/README.md). */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zw.h"

typedef struct timer {
  struct timer *next;
  int64_t id;
  double due, interval; /* monotonic ms; interval < 0 for a one-shot */
  JSValue fn;
  int argc;
  JSValue argv[];
} timer;

typedef struct {
  int fd;
  short events; /* POLLIN and/or POLLOUT */
  zw_fd_cb *cb;
  void *opaque;
} watch;

typedef struct rejection {
  struct rejection *next;
  JSValue promise, reason;
} rejection;

#define MAX_WATCH 32

static struct {
  JSContext *ctx;
  int64_t watchdog_ms;
  int64_t deadline_ns;
  timer *timers, *last; /* ordered by due time (ties in creation order); last is the tail */
  int64_t next_timer_id;
  watch watches[MAX_WATCH];
  int nwatch, next_first; /* the watch polled first next time (round robin) */
  rejection *rejections;
} L;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double now_ms(void) { return (double)now_ns() / 1e6; }

void zw_loop_enter(void) { L.deadline_ns = now_ns() + L.watchdog_ms * 1000000; }

/* QuickJS calls this every few thousand operations: one clock read, no allocation. */
static int interrupt(JSRuntime *rt, void *opaque) {
  ZW_UNUSED(rt);
  ZW_UNUSED(opaque);
  if (now_ns() <= L.deadline_ns) return 0;
  zw_fatal(1, "host.watchdog", "the script ran longer than %lld ms without returning to the event loop",
           (long long)L.watchdog_ms);
}

static void track_rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason, JS_BOOL is_handled,
                            void *opaque) {
  ZW_UNUSED(opaque);
  if (!is_handled) {
    rejection *r = malloc(sizeof *r);
    if (!r) zw_fatal(1, "host.oom", "no memory to track a rejected promise");
    *r = (rejection){L.rejections, JS_DupValue(ctx, promise), JS_DupValue(ctx, reason)};
    L.rejections = r;
    return;
  }
  for (rejection **p = &L.rejections; *p; p = &(*p)->next) {
    if (JS_VALUE_GET_PTR((*p)->promise) == JS_VALUE_GET_PTR(promise)) {
      rejection *r = *p;
      *p = r->next;
      JS_FreeValue(ctx, r->promise);
      JS_FreeValue(ctx, r->reason);
      free(r);
      return;
    }
  }
}

static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque) {
  ZW_UNUSED(opaque);
  if (strcmp(name, "hw") == 0) return zw_hw_module(ctx, name);
  if (strcmp(name, "boot") == 0 && zw_boot_phase()) return zw_boot_module(ctx, name);
#ifdef ZW_DEV
  if (strcmp(name, "hwdev") == 0) return zw_hwdev_module(ctx, name);
#endif
  JS_ThrowReferenceError(ctx, "could not load module '%s': only native modules are available", name);
  return NULL;
}

JSRuntime *zw_loop_new_runtime(const zw_limits *lim) {
  JSRuntime *rt = JS_NewRuntime();
  if (!rt) return NULL;
  JS_SetMemoryLimit(rt, (size_t)lim->mem_mb * 1024 * 1024);
  JS_SetMaxStackSize(rt, (size_t)lim->stack_kb * 1024);
  JS_SetInterruptHandler(rt, interrupt, NULL);
  JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);
  JS_SetModuleLoaderFunc(rt, NULL, load_module, NULL);
  L.watchdog_ms = lim->watchdog_ms;
  zw_loop_enter();
  return rt;
}

JSContext *zw_loop_new_context(JSRuntime *rt) {
  JSContext *ctx = JS_NewContext(rt);
  if (!ctx) return NULL;
  L.ctx = ctx;
  if (zw_util_init(ctx) < 0 || zw_crypto_init(ctx) < 0 || zw_net_init(ctx) < 0 || zw_globals_init(ctx) < 0 ||
      zw_text_init(ctx) < 0) {
    return NULL;
  }
  return ctx;
}

/* ---- uncaught errors ---- */

static bool is_oom(JSContext *ctx, JSValueConst e) {
  if (!JS_IsError(ctx, e)) return JS_IsNull(e) || JS_IsUninitialized(e);
  JSValue m = JS_GetPropertyStr(ctx, e, "message");
  const char *s = JS_IsString(m) ? JS_ToCString(ctx, m) : NULL;
  bool oom = s && strcmp(s, "out of memory") == 0;
  JS_FreeCString(ctx, s);
  JS_FreeValue(ctx, m);
  return oom;
}

static void report(JSContext *ctx, JSValueConst e, const char *what) {
  /* The report itself needs memory: lift the limit, the process ends right after. */
  JS_SetMemoryLimit(JS_GetRuntime(ctx), (size_t)-1);
  bool oom = is_oom(ctx, e);
  const char *msg = JS_ToCString(ctx, e);
  if (!msg) JS_FreeValue(ctx, JS_GetException(ctx));
  const char *stack = NULL;
  if (JS_IsObject(e)) {
    JSValue st = JS_GetPropertyStr(ctx, e, "stack");
    if (JS_IsString(st)) stack = JS_ToCString(ctx, st);
    JS_FreeValue(ctx, st);
  }
  fflush(stdout);
  fprintf(stderr, "zw-host: %s: %s%s\n%s", oom ? "host.oom" : "host.uncaught", what, msg ? msg : "(unprintable value)",
          stack ? stack : "");
  JS_FreeCString(ctx, msg);
  JS_FreeCString(ctx, stack);
  zw_exit(1);
}

void zw_uncaught(JSContext *ctx) {
  JSValue e = JS_GetException(ctx);
  report(ctx, e, "");
  __builtin_unreachable();
}

/* ---- timers ---- */

/* Inserts in due order; appending (the usual case) is O(1). */
static void insert_timer(timer *t) {
  if (!L.timers || t->due >= L.last->due) {
    t->next = NULL;
    if (L.timers) L.last->next = t;
    else L.timers = t;
    L.last = t;
    return;
  }
  timer **p = &L.timers;
  while ((*p)->due <= t->due) p = &(*p)->next; /* stops before the tail: t->due < last->due */
  t->next = *p;
  *p = t;
}

int64_t zw_timer_add(JSContext *ctx, JSValueConst fn, double ms, bool repeat, int argc, JSValueConst *argv) {
  if (!(ms >= 1)) ms = repeat ? 1 : 0;
  if (ms > 2147483647.0) ms = 2147483647.0;
  timer *t = js_malloc(ctx, sizeof *t + (size_t)argc * sizeof(JSValue));
  if (!t) return -1;
  t->id = ++L.next_timer_id;
  t->due = now_ms() + ms;
  t->interval = repeat ? ms : -1;
  t->fn = JS_DupValue(ctx, fn);
  t->argc = argc;
  for (int i = 0; i < argc; i++) t->argv[i] = JS_DupValue(ctx, argv[i]);
  insert_timer(t);
  return t->id;
}

static timer *unlink_timer(int64_t id) {
  timer *prev = NULL;
  for (timer **p = &L.timers; *p; prev = *p, p = &(*p)->next) {
    if ((*p)->id == id) {
      timer *t = *p;
      *p = t->next;
      if (L.last == t) L.last = prev;
      return t;
    }
  }
  return NULL;
}

static void free_timer(JSContext *ctx, timer *t) {
  JS_FreeValue(ctx, t->fn);
  for (int i = 0; i < t->argc; i++) JS_FreeValue(ctx, t->argv[i]);
  js_free(ctx, t);
}

void zw_timer_clear(JSContext *ctx, int64_t id) {
  timer *t = unlink_timer(id);
  if (t) free_timer(ctx, t);
}

static void run_timer(JSContext *ctx, timer *t) {
  unlink_timer(t->id);
  JSValue ret;
  zw_loop_enter();
  if (t->interval >= 0) {
    /* Re-armed before the call, so clearInterval inside the callback removes it; from its
     * due time, so late ticks keep their order with other timers (bounded catch-up). */
    double now = now_ms();
    t->due += t->interval;
    if (t->due < now - 1000) t->due = now;
    insert_timer(t);
    JSValue fn = JS_DupValue(ctx, t->fn);
    int argc = t->argc;
    JSValue argv[argc > 0 ? argc : 1];
    for (int i = 0; i < argc; i++) argv[i] = JS_DupValue(ctx, t->argv[i]);
    ret = JS_Call(ctx, fn, JS_UNDEFINED, argc, (JSValueConst *)argv);
    JS_FreeValue(ctx, fn);
    for (int i = 0; i < argc; i++) JS_FreeValue(ctx, argv[i]);
  } else {
    ret = JS_Call(ctx, t->fn, JS_UNDEFINED, t->argc, (JSValueConst *)t->argv);
    free_timer(ctx, t);
  }
  if (JS_IsException(ret)) zw_uncaught(ctx);
  JS_FreeValue(ctx, ret);
}

/* ---- watched file descriptors ---- */

int zw_loop_watch_events(int fd, short events, zw_fd_cb *cb, void *opaque) {
  for (int i = 0; i < L.nwatch; i++) {
    if (L.watches[i].fd == fd) {
      L.watches[i] = (watch){fd, events, cb, opaque};
      return 0;
    }
  }
  if (L.nwatch == MAX_WATCH) return -1;
  L.watches[L.nwatch++] = (watch){fd, events, cb, opaque};
  return 0;
}

int zw_loop_watch(int fd, zw_fd_cb *cb, void *opaque) { return zw_loop_watch_events(fd, POLLIN, cb, opaque); }

void zw_loop_unwatch(int fd) {
  for (int i = 0; i < L.nwatch; i++) {
    if (L.watches[i].fd == fd) {
      L.watches[i] = L.watches[--L.nwatch];
      return;
    }
  }
}

/* Waits for a watched fd or the next timer; runs at most one fd callback, taking the ready
 * watches in turn so that a busy descriptor cannot starve the others. */
static void wait_events(JSContext *ctx) {
  int timeout = -1;
  if (L.timers) {
    double wait = ceil(L.timers->due - now_ms());
    timeout = wait <= 0 ? 0 : wait > 2147483647.0 ? 2147483647 : (int)wait;
  }
  struct pollfd fds[MAX_WATCH];
  int n = L.nwatch;
  int first = n ? L.next_first % n : 0;
  for (int i = 0; i < n; i++) {
    const watch *w = &L.watches[(first + i) % n];
    fds[i] = (struct pollfd){.fd = w->fd, .events = w->events};
  }
  int rc = poll(fds, (nfds_t)n, timeout);
  if (rc < 0 && errno != EINTR) zw_fatal(1, "host.uncaught", "poll failed: %s", strerror(errno));
  for (int i = 0; rc > 0 && i < n; i++) {
    if (!(fds[i].revents & (fds[i].events | POLLHUP | POLLERR | POLLNVAL))) continue;
    for (int j = 0; j < L.nwatch; j++) {
      if (L.watches[j].fd != fds[i].fd) continue;
      watch w = L.watches[j];
      L.next_first = j + 1;
      zw_loop_enter();
      if (w.cb(ctx, w.fd, w.opaque) < 0) zw_uncaught(ctx);
      return;
    }
  }
}

/* ---- the loop ---- */

static void run_jobs(JSContext *ctx) {
  JSContext *jctx;
  for (;;) {
    zw_loop_enter();
    int rc = JS_ExecutePendingJob(JS_GetRuntime(ctx), &jctx);
    if (rc == 0) break;
    if (rc < 0) zw_uncaught(jctx);
  }
  if (L.rejections) {
    rejection *r = L.rejections;
    while (r->next) r = r->next; /* the oldest */
    report(ctx, r->reason, "unhandled rejection: ");
  }
}

void zw_loop_run(JSContext *ctx) {
  for (;;) {
    run_jobs(ctx);
    if (L.timers && L.timers->due <= now_ms()) {
      run_timer(ctx, L.timers);
      continue;
    }
    if (!L.timers && L.nwatch == 0) break;
    wait_events(ctx);
  }
}
