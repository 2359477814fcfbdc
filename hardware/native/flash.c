/* The flash device of zw-host: one file (or block device) with the partitions of
 * hardware/layout.ts, and the Partition operations of hardware/ports.ts with their checks.
 * Without a fault plan writes go straight to the file and sync is fdatasync; with one
 * (development host) every operation goes through fault.c's overlay. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "layout.h"
#include "zw.h"

#define CHUNK (64u * 1024u)

const uint64_t zw_device_size = ZW_DEVICE_SIZE;
static int dev_fd = -1;
static zw_part parts[ZW_PARTITION_COUNT];
static uint8_t chunk[CHUNK];

void zw_flash_open(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) zw_fatal(3, "flash.io", "cannot open %s: %s", path, strerror(errno));
  struct stat st;
  uint64_t size = 0;
  if (fstat(fd, &st) < 0) zw_fatal(3, "flash.io", "cannot stat %s: %s", path, strerror(errno));
  if (S_ISBLK(st.st_mode)) {
    if (ioctl(fd, BLKGETSIZE64, &size) < 0) zw_fatal(3, "flash.io", "cannot size %s: %s", path, strerror(errno));
  } else if (S_ISREG(st.st_mode)) {
    size = (uint64_t)st.st_size;
  } else {
    zw_fatal(3, "flash.io", "%s is not a file or a block device", path);
  }
  if (size != ZW_DEVICE_SIZE)
    zw_fatal(3, "flash.size", "%s is %llu bytes; the layout needs %u", path, (unsigned long long)size, ZW_DEVICE_SIZE);
  dev_fd = fd;
}

bool zw_flash_present(void) { return dev_fd >= 0; }

const zw_part *zw_flash_part(const char *name) {
  for (int i = 0; i < ZW_PARTITION_COUNT; i++) {
    parts[i] = (zw_part){ZW_PARTITIONS[i].name, ZW_PARTITIONS[i].offset, ZW_PARTITIONS[i].size};
    if (strcmp(parts[i].name, name) == 0) return &parts[i];
  }
  return NULL;
}

static int need_device(JSContext *ctx) {
  if (dev_fd >= 0) return 0;
  zw_throw(ctx, "flash.absent", "no flash device was given to the host (--flash)");
  return -1;
}

const zw_part *zw_flash_arg_part(JSContext *ctx, JSValueConst v) {
  const char *names[ZW_PARTITION_COUNT + 1];
  for (int i = 0; i < ZW_PARTITION_COUNT; i++) names[i] = ZW_PARTITIONS[i].name;
  names[ZW_PARTITION_COUNT] = NULL;
  int i = zw_arg_enum(ctx, v, "partition", names, "flash.partition");
  if (i < 0) return NULL;
  /* DESIGN.md §Contracts "Secrets stay behind handles": secure is reached only through the
   * KeyStore and Counter functions. */
  if (strcmp(names[i], "secure") == 0) {
    zw_throw(ctx, "flash.partition", "partition secure cannot be opened");
    return NULL;
  }
  if (need_device(ctx) < 0) return NULL;
  return zw_flash_part(names[i]);
}

size_t zw_layout_value(uint8_t *out, size_t cap) {
  size_t at = 0;
  for (int i = 0; i < ZW_PARTITION_COUNT; i++) {
    const zw_partition_spec *p = &ZW_PARTITIONS[i];
    size_t n = strlen(p->name);
    if (at + 1 + n + 8 > cap) return 0;
    out[at++] = (uint8_t)n;
    memcpy(out + at, p->name, n);
    at += n;
    for (int b = 0; b < 4; b++) out[at++] = (uint8_t)(p->offset >> (8 * b));
    for (int b = 0; b < 4; b++) out[at++] = (uint8_t)(p->size >> (8 * b));
  }
  return at;
}

/* ---- the device file ---- */

int zw_dev_pread(uint8_t *p, size_t n, uint64_t abs) {
  while (n > 0) {
    ssize_t got = pread(dev_fd, p, n, (off_t)abs);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    p += got, n -= (size_t)got, abs += (uint64_t)got;
  }
  return 0;
}

int zw_dev_pwrite(const uint8_t *p, size_t n, uint64_t abs) {
  while (n > 0) {
    ssize_t put = pwrite(dev_fd, p, n, (off_t)abs);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return -1;
    p += put, n -= (size_t)put, abs += (uint64_t)put;
  }
  return 0;
}

int zw_dev_datasync(void) {
  while (fdatasync(dev_fd) < 0) {
    if (errno != EINTR) return -1;
  }
  return 0;
}

/* Bytes as the process sees them (overlay included), never flipped. */
static int read_raw(JSContext *ctx, uint8_t *out, size_t n, uint64_t abs) {
  int rc = zw_fault_active() ? zw_fault_read(out, n, abs) : zw_dev_pread(out, n, abs);
  if (rc < 0) zw_throw(ctx, "flash.io", "read of %zu bytes at device offset %llu failed", n, (unsigned long long)abs);
  return rc;
}

/* One counted operation: program, erase or sync (DESIGN.md §Contracts "Durability model"). */
static int operate(JSContext *ctx, int kind, uint64_t abs, const uint8_t *data, size_t n) {
  if (zw_fault_active()) {
    const char *why = "flash.io";
    if (zw_fault_op(kind, abs, data, n, &why) == 0) return 0;
    if (strcmp(why, "oom") == 0) {
      JS_ThrowOutOfMemory(ctx);
      return -1;
    }
    zw_throw(ctx, why, "flash operation at device offset %llu failed", (unsigned long long)abs);
    return -1;
  }
  int rc = 0;
  if (kind == ZW_OP_PROGRAM) {
    rc = zw_dev_pwrite(data, n, abs);
  } else if (kind == ZW_OP_ERASE) {
    memset(chunk, ZW_ERASED, CHUNK);
    for (size_t done = 0; rc == 0 && done < n; done += CHUNK)
      rc = zw_dev_pwrite(chunk, n - done < CHUNK ? n - done : CHUNK, abs + done);
  } else {
    rc = zw_dev_datasync();
  }
  if (rc < 0) zw_throw(ctx, "flash.io", "write at device offset %llu failed: %s", (unsigned long long)abs, strerror(errno));
  return rc;
}

static int check_range(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len) {
  if (need_device(ctx) < 0) return -1;
  if (off > pt->size || len > pt->size - off) {
    zw_throw(ctx, "flash.range", "%s: [%llu, +%llu) is outside the partition of %u bytes", pt->name,
             (unsigned long long)off, (unsigned long long)len, pt->size);
    return -1;
  }
  return 0;
}

int zw_flash_read(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len, uint8_t *out) {
  if (check_range(ctx, pt, off, len) < 0) return -1;
  if (len == 0) return 0;
  if (read_raw(ctx, out, len, pt->offset + off) < 0) return -1;
  zw_fault_flip(out, len);
  return 0;
}

int zw_flash_program(JSContext *ctx, const zw_part *pt, uint64_t off, const uint8_t *p, uint64_t len) {
  if (check_range(ctx, pt, off, len) < 0) return -1;
  if (off % ZW_PROGRAM_UNIT || len % ZW_PROGRAM_UNIT) {
    zw_throw(ctx, "flash.align", "program at %llu length %llu is not a multiple of %u", (unsigned long long)off,
             (unsigned long long)len, ZW_PROGRAM_UNIT);
    return -1;
  }
  if (len == 0) return 0;
  uint64_t abs = pt->offset + off;
  for (uint64_t done = 0; done < len; done += CHUNK) {
    size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
    if (read_raw(ctx, chunk, n, abs + done) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
      if (chunk[i] != ZW_ERASED) {
        zw_throw(ctx, "flash.unerased", "%s: byte at offset %llu is not erased", pt->name,
                 (unsigned long long)(off + done + i));
        return -1;
      }
    }
  }
  return operate(ctx, ZW_OP_PROGRAM, abs, p, len);
}

int zw_flash_erase(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len) {
  if (check_range(ctx, pt, off, len) < 0) return -1;
  if (off % ZW_ERASE_BLOCK || len % ZW_ERASE_BLOCK) {
    zw_throw(ctx, "flash.align", "erase at %llu length %llu is not a multiple of %u", (unsigned long long)off,
             (unsigned long long)len, ZW_ERASE_BLOCK);
    return -1;
  }
  if (len == 0) return 0;
  return operate(ctx, ZW_OP_ERASE, pt->offset + off, NULL, len);
}

int zw_flash_sync(JSContext *ctx, const zw_part *pt) {
  ZW_UNUSED(pt);
  if (need_device(ctx) < 0) return -1;
  return operate(ctx, ZW_OP_SYNC, 0, NULL, 0);
}

/* SHA-256 of a range, read in 64 KiB chunks (each chunk is one read of the fault plan). */
int zw_flash_sha256(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len, uint8_t out[32]) {
  if (check_range(ctx, pt, off, len) < 0) return -1;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned int n = 0;
  if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) goto backend;
  for (uint64_t at = 0; at < len; at += CHUNK) {
    size_t piece = len - at < CHUNK ? (size_t)(len - at) : CHUNK;
    if (zw_flash_read(ctx, pt, off + at, piece, chunk) < 0) {
      EVP_MD_CTX_free(md);
      return -1;
    }
    if (!EVP_DigestUpdate(md, chunk, piece)) goto backend;
  }
  if (!EVP_DigestFinal_ex(md, out, &n) || n != 32) goto backend;
  EVP_MD_CTX_free(md);
  return 0;
backend:
  EVP_MD_CTX_free(md);
  zw_throw(ctx, "crypto.backend", "SHA-256 failed");
  return -1;
}
