/* zw-host / zw-host-dev: command line, set-up and exit (hardware/native/README.md). The
 * release host loads bytecode only from its own verified image; only the development host
 * (ZW_DEV) has a path that loads a bytecode file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zw.h"

#define MAX_BYTECODE (64 * 1024 * 1024)

#ifdef ZW_DEV
#define PROG "zw-host-dev"
#define USAGE                                                                                              \
  "usage: zw-host-dev [--flash FILE] [--mem-mb N] [--stack-kb N] [--watchdog-ms N] [--root DIR] --bytecode FILE [-- " \
  "ARGS...]\n"
#else
#define PROG "zw-host"
#define USAGE "usage: zw-host [--flash FILE] [--mem-mb N] [--stack-kb N] [--watchdog-ms N] [--root DIR]\n"
#endif

void zw_exit(int code) {
  zw_fault_finish();
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}

void zw_fatal(int code, const char *reason, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "zw-host: %s: ", reason);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  zw_exit(code);
}

typedef struct {
  const char *flash, *bytecode;
  zw_limits lim;
  int argc;
  char **argv;
} options;

static int64_t number(const char *opt, const char *s, int64_t max) {
  char *end;
  errno = 0;
  long long v = s ? strtoll(s, &end, 10) : 0;
  if (!s || errno || *end || end == s || v < 1 || v > max)
    zw_fatal(2, "host.usage", "%s expects an integer 1..%lld\n%s", opt, (long long)max, USAGE);
  return v;
}

static options parse(int argc, char **argv) {
  options o = {.lim = {.mem_mb = 64, .stack_kb = 512, .watchdog_ms = 10000}};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(USAGE, stdout);
      zw_exit(0);
    } else if (!strcmp(a, "--flash") && v) {
      o.flash = v, i++;
    } else if (!strcmp(a, "--root") && v) {
      zw_device_set_root(v), i++;
    } else if (!strcmp(a, "--mem-mb")) {
      o.lim.mem_mb = number(a, v, 65536), i++;
    } else if (!strcmp(a, "--stack-kb")) {
      o.lim.stack_kb = number(a, v, 1024 * 1024), i++;
    } else if (!strcmp(a, "--watchdog-ms")) {
      o.lim.watchdog_ms = number(a, v, 86400000), i++;
#ifdef ZW_DEV
    } else if (!strcmp(a, "--bytecode") && v) {
      o.bytecode = v, i++;
    } else if (!strcmp(a, "--")) {
      o.argc = argc - i - 1, o.argv = argv + i + 1;
      break;
#endif
    } else {
      zw_fatal(2, "host.usage", "unexpected argument %s\n%s", a, USAGE);
    }
  }
  /* The JS stack limit must fit in the process stack, or deep recursion would crash. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      (rlim_t)o.lim.stack_kb * 1024 + 512 * 1024 > rl.rlim_cur)
    zw_fatal(2, "host.usage", "--stack-kb %lld does not fit the process stack limit of %llu KiB",
             (long long)o.lim.stack_kb, (unsigned long long)rl.rlim_cur / 1024);
  return o;
}

#ifdef ZW_DEV
/* Development only: reads a bytecode file (zwc output) and evaluates the module. */
__attribute__((noinline)) void zw_dev_load_bytecode_file(JSContext *ctx, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) zw_fatal(3, "host.load", "cannot open %s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > MAX_BYTECODE)
    zw_fatal(3, "host.load", "%s is not a bytecode file of 1..%d bytes", path, MAX_BYTECODE);
  size_t len = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(len);
  if (!buf) zw_fatal(3, "host.load", "no memory for %s", path);
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) zw_fatal(3, "host.load", "cannot read %s", path);
    got += (size_t)n;
  }
  close(fd);
  JSValue obj = JS_ReadObject(ctx, buf, len, JS_READ_OBJ_BYTECODE);
  free(buf);
  if (JS_IsException(obj)) {
    JSValue e = JS_GetException(ctx);
    const char *m = JS_ToCString(ctx, e);
    zw_fatal(3, "host.load", "%s is not valid bytecode: %s", path, m ? m : "?");
  }
  if (JS_VALUE_GET_TAG(obj) != JS_TAG_MODULE) zw_fatal(3, "host.load", "%s does not hold a module", path);
  if (JS_ResolveModule(ctx, obj) < 0) {
    JSValue e = JS_GetException(ctx);
    const char *m = JS_ToCString(ctx, e);
    zw_fatal(3, "host.load", "%s: %s", path, m ? m : "cannot resolve its imports");
  }
  zw_loop_enter();
  JSValue ret = JS_EvalFunction(ctx, obj);
  if (JS_IsException(ret)) zw_uncaught(ctx);
  JS_FreeValue(ctx, ret);
}
#endif

int main(int argc, char **argv) {
  /* A closed stdin/stdout/stderr must not become the flash device's descriptor. */
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) return 3;
  }
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  signal(SIGPIPE, SIG_IGN); /* a closed stdout is a failed write, not a killed host */
  options o = parse(argc, argv);
#ifdef ZW_DEV
  {
    /* A throwaway runtime only to parse ZW_FAULT (JSON). */
    JSRuntime *prt = JS_NewRuntime();
    JSContext *pctx = prt ? JS_NewContext(prt) : NULL;
    if (!pctx) zw_fatal(1, "host.oom", "cannot parse the fault plan");
    zw_fault_init(pctx);
    JS_FreeContext(pctx);
    JS_FreeRuntime(prt);
  }
  zw_hwdev_set_args(o.argc, o.argv);
#endif
  if (o.flash) zw_flash_open(o.flash);
#ifdef ZW_DEV
  if (o.bytecode) {
    JSRuntime *rt = zw_loop_new_runtime(&o.lim);
    JSContext *ctx = rt ? zw_loop_new_context(rt) : NULL;
    if (!ctx) zw_fatal(1, "host.oom", "cannot create the JavaScript runtime within %lld MiB", (long long)o.lim.mem_mb);
    zw_dev_load_bytecode_file(ctx, o.bytecode);
    zw_loop_run(ctx);
    zw_exit(0);
  }
#endif
  if (!o.flash) zw_fatal(3, "flash.absent", "no flash device (--flash FILE): there is no agent image to verify");
  zw_boot(&o.lim);
}
