/* zw-host: declarations shared by the native host's files (hardware/native/README.md). */
#ifndef ZW_H
#define ZW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

#define ZW_UNUSED(x) ((void)(x))

/* ---- util.c: ZwError, argument checks, Uint8Array results ---- */

typedef struct {
  const uint8_t *p;
  size_t n;
} zw_bytes;

/* Sets up what the helpers need in a fresh context (Uint8Array and Error constructors). */
int zw_util_init(JSContext *ctx);
void zw_util_free(JSContext *ctx);

/* Throws an Error named "ZwError" with `reason` and message "<reason>: <detail>". */
JSValue zw_throw(JSContext *ctx, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True when `v` is a (possibly subclassed) Uint8Array. */
bool zw_is_u8(JSContext *ctx, JSValueConst v);
/* The bytes of a Uint8Array view (else throws `reason`, the type reason). */
int zw_arg_bytes(JSContext *ctx, JSValueConst v, const char *what, const char *reason, zw_bytes *out);
/* Like zw_arg_bytes; then a length that is not one of `lens` (0-terminated) is crypto.param. */
int zw_arg_bytes_len(JSContext *ctx, JSValueConst v, const char *what, const size_t *lens, zw_bytes *out);
/* An integer-valued number (else input.type) within [min, max] (else `reason`). */
int zw_arg_int(JSContext *ctx, JSValueConst v, const char *what, double min, double max,
               const char *reason, int64_t *out);
/* The index of `v` in the NULL-terminated `names` (strings only), else throws `reason`. */
int zw_arg_enum(JSContext *ctx, JSValueConst v, const char *what, const char *const *names,
                const char *reason);
/* A string argument (else input.type); free with JS_FreeCString. */
const char *zw_arg_str(JSContext *ctx, JSValueConst v, const char *what, size_t *len);
/* A new Uint8Array of `len` bytes (zeroed); *data points at its bytes. */
JSValue zw_new_u8(JSContext *ctx, size_t len, uint8_t **data);
JSValue zw_u8_copy(JSContext *ctx, const uint8_t *p, size_t len);

/* ---- hw_crypto.c: HwKey, HwHash, symmetric crypto ---- */

int zw_crypto_init(JSContext *ctx);
/* A new HwKey holding a copy of the bytes. */
JSValue zw_key_new(JSContext *ctx, const uint8_t *p, size_t len);
/* Key material of a Uint8Array or an HwKey (crypto.type / crypto.handle otherwise). */
int zw_arg_key(JSContext *ctx, JSValueConst v, const char *what, zw_bytes *out);
/* HMAC-SHA256 over the concatenation of up to 3 parts; 0 on success. */
int zw_hmac_sha256(const uint8_t *key, size_t klen, const zw_bytes *parts, int nparts, uint8_t out[32]);
/* HKDF-SHA256 (RFC 5869) into out[len], len <= 8160; 0 on success. */
int zw_hkdf_sha256(zw_bytes ikm, zw_bytes salt, zw_bytes info, uint8_t *out, size_t len);
int zw_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/* ---- hw_pk.c: public-key primitives (also used by the key store) ---- */

/* 0 ok, 1 all-zero shared secret, -1 backend failure. */
int zw_x25519(const uint8_t priv[32], const uint8_t pub[32], uint8_t out[32]);
int zw_x25519_public(const uint8_t priv[32], uint8_t pub[32]);
int zw_ed25519_public(const uint8_t seed[32], uint8_t pub[32]);
int zw_ed25519_sign(const uint8_t seed[32], const uint8_t *msg, size_t n, uint8_t sig[64]);
/* Public point (65 bytes SEC1 uncompressed) of a P-256 scalar; -1 when not in [1, n-1]. */
int zw_p256_public(const uint8_t priv[32], uint8_t pub[65]);
/* DER ECDSA-SHA256 signature into sig (at most 72 bytes); returns its length or -1. */
int zw_p256_sign(const uint8_t priv[32], const uint8_t pub[65], const uint8_t *msg, size_t n,
                 uint8_t sig[80]);

/* ---- random ---- */
int zw_random(uint8_t *p, size_t n);

/* ---- flash.c: the flash device (README "Fault plan" lives in fault.c) ---- */

typedef struct {
  const char *name;
  uint32_t offset;
  uint32_t size;
} zw_part;

extern const uint64_t zw_device_size;
/* Opens the device file; on failure prints the reason and exits 3. */
void zw_flash_open(const char *path);
bool zw_flash_present(void);
/* The partition named by `v` (flash.partition otherwise); flash.absent without a device. */
const zw_part *zw_flash_arg_part(JSContext *ctx, JSValueConst v);
const zw_part *zw_flash_part(const char *name);
/* Partition-relative operations with the checks of ports.ts (flash.range, flash.align,
 * flash.unerased); -1 with an exception pending. */
int zw_flash_read(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len, uint8_t *out);
int zw_flash_program(JSContext *ctx, const zw_part *pt, uint64_t off, const uint8_t *p, uint64_t len);
int zw_flash_erase(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len);
int zw_flash_sync(JSContext *ctx, const zw_part *pt);
int zw_flash_sha256(JSContext *ctx, const zw_part *pt, uint64_t off, uint64_t len, uint8_t out[32]);
/* The LAYOUT entry value of the compiled partition table (secure-format.md). */
size_t zw_layout_value(uint8_t *out, size_t cap);
/* Low-level device access for fault.c. */
int zw_dev_pread(uint8_t *p, size_t n, uint64_t abs);
int zw_dev_pwrite(const uint8_t *p, size_t n, uint64_t abs);
int zw_dev_datasync(void);

/* ---- fault.c (development host only): overlay, cut, flipped reads ---- */

enum { ZW_OP_PROGRAM = 1, ZW_OP_ERASE = 2, ZW_OP_SYNC = 3 };
#ifdef ZW_DEV
/* Parses ZW_FAULT (if set); on a bad plan prints host.fault-plan and exits 2. */
void zw_fault_init(JSContext *ctx);
bool zw_fault_active(void);
/* Reads through the overlay (no flip). */
int zw_fault_read(uint8_t *out, size_t n, uint64_t abs);
/* Counts and performs one operation under the plan (may cut the power: never returns then);
 * data NULL for erase and sync. -1 on failure, with *why set to a reason. */
int zw_fault_op(int kind, uint64_t abs, const uint8_t *data, size_t n, const char **why);
/* Flips one bit of a read when the plan says so. */
void zw_fault_flip(uint8_t *p, size_t n);
/* End of a run without a cut: writes the overlay out, prints ZW-FLASH-OPS. */
void zw_fault_finish(void);
#else
static inline bool zw_fault_active(void) { return false; }
static inline int zw_fault_read(uint8_t *out, size_t n, uint64_t abs) {
  ZW_UNUSED(out); ZW_UNUSED(n); ZW_UNUSED(abs);
  return -1;
}
static inline int zw_fault_op(int kind, uint64_t abs, const uint8_t *data, size_t n, const char **why) {
  ZW_UNUSED(kind); ZW_UNUSED(abs); ZW_UNUSED(data); ZW_UNUSED(n); ZW_UNUSED(why);
  return -1;
}
static inline void zw_fault_flip(uint8_t *p, size_t n) { ZW_UNUSED(p); ZW_UNUSED(n); }
static inline void zw_fault_finish(void) {}
#endif

/* ---- secure.c: the secure partition record format (hardware/secure-format.md) ---- */

enum {
  ZW_ENTRY_DEVICE_ID = 0x0001,
  ZW_ENTRY_LAYOUT = 0x0002,
  ZW_ENTRY_KEY = 0x0010,
  ZW_ENTRY_COUNTER = 0x0020,
  ZW_ENTRY_TRUST_KEY = 0x0030,
  ZW_ENTRY_TRUST_DOC = 0x0031,
  ZW_ENTRY_CERT = 0x0040,
  ZW_ENTRY_SETTING = 0x0050,
};

typedef struct {
  uint16_t type;
  uint16_t len;
  uint8_t *value;
} zw_entry;

/* Loads (once) and returns the current entries; -1 with an exception pending. */
int zw_secure_entries(JSContext *ctx, const zw_entry **entries, size_t *count);
/* Throws secure.empty unless a valid snapshot exists (a provisioned device); -1 then. */
int zw_secure_require(JSContext *ctx);
/* The KEY or COUNTER entry named `name` (*out NULL when absent); -1 with an exception pending. */
int zw_secure_find(JSContext *ctx, uint16_t type, const char *name, const zw_entry **out);
/* Commits the current state with `e` upserted (secure-format.md "Writing"). */
int zw_secure_commit(JSContext *ctx, const zw_entry *e);

/* ---- hw_device.c: the Device and Posture ports ---- */

/* The directory posture sources are read below (`--root`; default "/"). */
void zw_device_set_root(const char *dir);

/* ---- loop.c: event loop, watchdog, fatal exits ---- */

typedef struct {
  int64_t mem_mb, stack_kb, watchdog_ms;
} zw_limits;

JSRuntime *zw_loop_new_runtime(const zw_limits *lim);
JSContext *zw_loop_new_context(JSRuntime *rt);
/* Marks an entry into JS from the event loop (restarts the watchdog). */
void zw_loop_enter(void);
/* Runs jobs, timers and watched fds until nothing is pending; reports uncaught errors. */
void zw_loop_run(JSContext *ctx);
/* Reports the pending exception of `ctx` as uncaught (or out of memory) and exits 1. */
__attribute__((noreturn)) void zw_uncaught(JSContext *ctx);
typedef int zw_fd_cb(JSContext *ctx, int fd, void *opaque);
/* Watches `fd` for poll(2) `events` (POLLIN and/or POLLOUT; hangups and errors always wake
 * it), replacing an earlier watch of the same fd; -1 when the table is full. Every watch keeps
 * the loop running. zw_loop_watch is POLLIN. */
int zw_loop_watch_events(int fd, short events, zw_fd_cb *cb, void *opaque);
int zw_loop_watch(int fd, zw_fd_cb *cb, void *opaque);
void zw_loop_unwatch(int fd);
/* Timers (globals.c's bindings). */
int64_t zw_timer_add(JSContext *ctx, JSValueConst fn, double ms, bool repeat, int argc, JSValueConst *argv);
void zw_timer_clear(JSContext *ctx, int64_t id);

/* ---- boot.c: verify the agent image, then load the very bytes verified ---- */
/* Reads the agent partition, judges it (and the slots) with the embedded verifier, loads and
 * runs the agent; never returns. Exits with the reason when the agent is refused. */
__attribute__((noreturn)) void zw_boot(const zw_limits *lim);
bool zw_boot_phase(void);
JSModuleDef *zw_boot_module(JSContext *ctx, const char *name);

/* ---- main.c ---- */
/* Ends the process: flushes the flash (fault plan) and stdio, exits with `code`. */
__attribute__((noreturn)) void zw_exit(int code);
/* Prints "zw-host: <reason>: <message>" on stderr and ends with `code`. */
__attribute__((noreturn, format(printf, 3, 4))) void zw_fatal(int code, const char *reason, const char *fmt, ...);

/* ---- globals.c / text.c ---- */
int zw_globals_init(JSContext *ctx);
int zw_text_init(JSContext *ctx);

/* ---- hw_net.c: the Net port (TLS 1.3 client connections over the event loop) ---- */
int zw_net_init(JSContext *ctx);

/* ---- hw_module.c / hwdev.c ---- */
JSModuleDef *zw_hw_module(JSContext *ctx, const char *name);
#ifdef ZW_DEV
JSModuleDef *zw_hwdev_module(JSContext *ctx, const char *name);
void zw_hwdev_set_args(int argc, char **argv);
#endif

#endif
