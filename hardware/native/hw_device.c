/* The Device and Posture ports of the `hw` module (hardware/ports.ts): the device id and the
 * settings `zw provision` wrote into `secure` (secure-format.md DEVICE_ID, SETTING), and the
 * gateway files the posture checks read. Posture reads name a fixed source, never a path: the
 * agent cannot make the host open anything else. The files live under the root given by
 * `--root` (default `/`; tests point it at fixtures). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "zw.h"

#define MAX_POSTURE_READ (256 * 1024)

static const char *root = "/";

void zw_device_set_root(const char *dir) { root = dir; }

/* Posture sources (hardware/ports.ts PostureSource) and their paths below the root. */
static const char *const SOURCES[] = {"tcp",     "tcp6",   "udp",         "udp6",   "passwd",    "shadow",
                                      "cmdline", "inittab", "sshd-config", "mounts", "os-release", "sbom-spdx",
                                      "sbom-cyclonedx", NULL};
static const char *const PATHS[] = {"proc/net/tcp",   "proc/net/tcp6", "proc/net/udp",        "proc/net/udp6",
                                    "etc/passwd",     "etc/shadow",    "proc/cmdline",        "etc/inittab",
                                    "etc/ssh/sshd_config", "proc/self/mounts", "etc/os-release", "etc/zorgwacht/sbom.spdx.json",
                                    "etc/zorgwacht/sbom.cdx.json"};

JSValue zw_hw_deviceId(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  ZW_UNUSED(argv);
  const zw_entry *e;
  size_t n;
  if (zw_secure_require(ctx) < 0 || zw_secure_entries(ctx, &e, &n) < 0) return JS_EXCEPTION;
  for (size_t i = 0; i < n; i++)
    if (e[i].type == ZW_ENTRY_DEVICE_ID) return JS_NewStringLen(ctx, (const char *)e[i].value, e[i].len);
  return zw_throw(ctx, "secure.corrupt", "secure holds no device id");
}

/* hw.setting(name): the SETTING entry's value as text, or null. */
JSValue zw_hw_setting(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  size_t len;
  const char *name = zw_arg_str(ctx, argv[0], "name", &len);
  if (!name) return JS_EXCEPTION;
  const zw_entry *e = NULL;
  int rc = len >= 1 && len <= 32 ? zw_secure_find(ctx, ZW_ENTRY_SETTING, name, &e) : 0;
  JS_FreeCString(ctx, name);
  if (rc < 0) return JS_EXCEPTION;
  if (len < 1 || len > 32) return zw_throw(ctx, "input.range", "\"name\" expected 1..32 bytes, got length=%zu", len);
  if (!e) return JS_NULL;
  size_t at = 1u + e->value[0];
  return JS_NewStringLen(ctx, (const char *)e->value + at, e->len - at);
}

/* Opens a source below the root: its fd, or -1 with *fail set to JS_NULL (the file does not
 * exist) or JS_EXCEPTION (input.range for an unknown source, posture.read otherwise). */
static int open_source(JSContext *ctx, JSValueConst arg, int *idx, JSValue *fail) {
  *fail = JS_EXCEPTION;
  *idx = zw_arg_enum(ctx, arg, "source", SOURCES, "input.range");
  if (*idx < 0) return -1;
  char path[4096];
  int fd = (size_t)snprintf(path, sizeof path, "%s/%s", root, PATHS[*idx]) < sizeof path
               ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
               : (errno = ENAMETOOLONG, -1);
  if (fd >= 0) return fd;
  if (errno == ENOENT || errno == ENOTDIR) *fail = JS_NULL;
  else zw_throw(ctx, "posture.read", "cannot open %s: %s", PATHS[*idx], strerror(errno));
  return -1;
}

static ssize_t read_some(int fd, uint8_t *p, size_t n) {
  ssize_t got;
  do got = read(fd, p, n);
  while (got < 0 && errno == EINTR);
  return got;
}

/* hw.postureRead(source): the file's bytes (at most 256 KiB, else posture.size), or null. */
JSValue zw_hw_postureRead(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  JSValue fail;
  int idx, fd = open_source(ctx, argv[0], &idx, &fail);
  if (fd < 0) return fail;
  static uint8_t buf[MAX_POSTURE_READ + 1];
  size_t len = 0;
  ssize_t got = 0;
  while (len <= MAX_POSTURE_READ && (got = read_some(fd, buf + len, sizeof buf - len)) > 0) len += (size_t)got;
  int err = errno;
  close(fd);
  if (len > MAX_POSTURE_READ) return zw_throw(ctx, "posture.size", "%s is over %d bytes", PATHS[idx], MAX_POSTURE_READ);
  if (got < 0) return zw_throw(ctx, "posture.read", "cannot read %s: %s", PATHS[idx], strerror(err));
  return zw_u8_copy(ctx, buf, len);
}

/* hw.postureSha256(source): SHA-256 of the whole file, streamed (no size limit), or null. */
JSValue zw_hw_postureSha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  ZW_UNUSED(this_val);
  ZW_UNUSED(argc);
  JSValue fail;
  int idx, fd = open_source(ctx, argv[0], &idx, &fail);
  if (fd < 0) return fail;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  uint8_t chunk[65536], out[32];
  unsigned outlen = 0;
  ssize_t got = 0;
  bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
  while (ok && (got = read_some(fd, chunk, sizeof chunk)) > 0) ok = EVP_DigestUpdate(md, chunk, (size_t)got) == 1;
  int err = errno;
  ok = ok && got == 0 && EVP_DigestFinal_ex(md, out, &outlen) == 1 && outlen == 32;
  EVP_MD_CTX_free(md);
  close(fd);
  if (!ok) return zw_throw(ctx, "posture.read", "cannot hash %s: %s", PATHS[idx], got < 0 ? strerror(err) : "backend");
  return zw_u8_copy(ctx, out, 32);
}
