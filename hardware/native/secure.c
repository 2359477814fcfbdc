/* The `secure` partition record format, version 1: hardware/secure-format.md is the spec and
 * hardware/secure-format.ts the other implementation (same bytes for the same operations).
 * The current snapshot is read once (both banks) and cached; every commit writes the next
 * snapshot into the other bank with one erase, one program and one sync. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "zw.h"

#define SNAPSHOT_READS 8
#define BANK_SIZE (512u * 1024u)
#define MAX_BODY 65536u
#define HEADER 32u
#define DIGEST 32u

static const uint8_t MAGIC[8] = {'Z', 'W', 'S', 'E', 'C', 'U', 'R', 'E'};

typedef struct {
  bool valid;
  unsigned bank;
  uint64_t seq;
  zw_entry *e;
  size_t n;
} snapshot;

static snapshot cur;
static bool loaded, layout_bad;

static uint32_t u32(const uint8_t *b) { return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }
static uint16_t u16(const uint8_t *b) { return (uint16_t)(b[0] | b[1] << 8); }
static void put32(uint8_t *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static void free_entries(zw_entry *e, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (e[i].value) OPENSSL_cleanse(e[i].value, e[i].len);
    free(e[i].value);
  }
  free(e);
}

static int oom(JSContext *ctx) {
  JS_ThrowOutOfMemory(ctx);
  return -1;
}

/* Parses the entry area; false when an entry runs past B (the snapshot is then invalid). */
static int parse_entries(JSContext *ctx, const uint8_t *body, uint32_t len, snapshot *s) {
  size_t cap = 0;
  for (uint32_t at = 0; at < len;) {
    if (at + 4 > len) return 0;
    uint16_t type = u16(body + at), n = u16(body + at + 2);
    if (at + 4 + n > len) return 0;
    if (s->n == cap) {
      cap = cap ? cap * 2 : 16;
      zw_entry *e = realloc(s->e, cap * sizeof *e);
      if (!e) return oom(ctx);
      s->e = e;
    }
    uint8_t *v = malloc(n ? n : 1);
    if (!v) return oom(ctx);
    memcpy(v, body + at + 4, n);
    s->e[s->n++] = (zw_entry){type, n, v};
    at += 4 + n;
  }
  return 1;
}

/* Reads and checks the snapshot at the start of a bank (secure-format.md "Snapshot"):
 * 1 valid, 0 not valid, -1 exception. */
static int read_bank_once(JSContext *ctx, const zw_part *pt, unsigned bank, snapshot *s) {
  uint8_t h[HEADER];
  uint64_t base = (uint64_t)bank * BANK_SIZE;
  *s = (snapshot){.bank = bank};
  if (zw_flash_read(ctx, pt, base, HEADER, h) < 0) return -1;
  if (memcmp(h, MAGIC, 8) || u16(h + 8) != 1 || u16(h + 10) != 0 || u32(h + 24) || u32(h + 28)) return 0;
  uint32_t body = u32(h + 12);
  if (body > MAX_BODY) return 0; /* bounded before it sizes any read */
  uint8_t *all = malloc(HEADER + body + DIGEST), want[32];
  if (!all) return oom(ctx);
  memcpy(all, h, HEADER);
  int rc = zw_flash_read(ctx, pt, base + HEADER, body + DIGEST, all + HEADER);
  if (rc == 0) rc = zw_sha256(all, HEADER + body, want) < 0 ? -1 : 0;
  if (rc == 0 && memcmp(want, all + HEADER + body, DIGEST) == 0) {
    rc = parse_entries(ctx, all + HEADER, body, s);
    s->seq = u32(h + 16) | (uint64_t)u32(h + 20) << 32;
  }
  OPENSSL_cleanse(all, HEADER + body + DIGEST);
  free(all);
  if (rc != 1) {
    free_entries(s->e, s->n);
    *s = (snapshot){.bank = bank};
  }
  s->valid = rc == 1;
  return rc;
}

/* A bank that fails its checks is read again (secure-format.md "Reading"): a bit flipped on
 * the way must not make the newer snapshot look invalid. Same attempts as the TypeScript. */
static int read_bank(JSContext *ctx, const zw_part *pt, unsigned bank, snapshot *s) {
  int rc = 0;
  for (int attempt = 0; attempt < SNAPSHOT_READS && rc == 0; attempt++) rc = read_bank_once(ctx, pt, bank, s);
  return rc;
}

static bool same_layout(const zw_entry *e) {
  uint8_t want[512];
  size_t n = zw_layout_value(want, sizeof want);
  return n == e->len && memcmp(want, e->value, n) == 0;
}

static int load(JSContext *ctx) {
  if (loaded) return 0;
  const zw_part *pt = zw_flash_part("secure");
  snapshot a, b;
  if (read_bank(ctx, pt, 0, &a) < 0) return -1;
  if (read_bank(ctx, pt, 1, &b) < 0) {
    free_entries(a.e, a.n);
    return -1;
  }
  /* The current state: the valid snapshot with the highest sequence number. */
  bool take_a = a.valid && (!b.valid || a.seq >= b.seq);
  cur = take_a ? a : b;
  free_entries(take_a ? b.e : a.e, take_a ? b.n : a.n);
  loaded = true;
  for (size_t i = 0; i < cur.n; i++) {
    if (cur.e[i].type == ZW_ENTRY_LAYOUT && !same_layout(&cur.e[i])) layout_bad = true;
  }
  return 0;
}

int zw_secure_entries(JSContext *ctx, const zw_entry **entries, size_t *count) {
  if (load(ctx) < 0) return -1;
  if (layout_bad) {
    zw_throw(ctx, "secure.layout", "the device was provisioned with another partition table");
    return -1;
  }
  *entries = cur.e;
  *count = cur.n;
  return 0;
}

int zw_secure_require(JSContext *ctx) {
  if (load(ctx) < 0) return -1;
  if (!cur.valid) {
    zw_throw(ctx, "secure.empty", "the secure partition holds no valid record: the device is not provisioned");
    return -1;
  }
  return 0;
}

/* KEY and COUNTER values start with a length-prefixed name (read as far as the value goes). */
static bool has_name(const zw_entry *e, const uint8_t *name, size_t len) {
  size_t n = e->len ? e->value[0] : 0;
  if (n > (size_t)e->len - (e->len ? 1 : 0)) n = e->len ? e->len - 1u : 0;
  return n == len && (len == 0 || memcmp(e->value + 1, name, len) == 0);
}

int zw_secure_find(JSContext *ctx, uint16_t type, const char *name, const zw_entry **out) {
  const zw_entry *e;
  size_t n;
  *out = NULL;
  if (zw_secure_entries(ctx, &e, &n) < 0) return -1;
  for (size_t i = 0; i < n; i++) {
    if (e[i].type == type && has_name(&e[i], (const uint8_t *)name, strlen(name))) {
      *out = &e[i];
      break;
    }
  }
  return 0;
}

/* The index an upserted entry replaces, or n to append (secure-format.md "Entries"). */
static size_t upsert_index(const zw_entry *e, size_t n, const zw_entry *x) {
  if (x->type == ZW_ENTRY_TRUST_KEY) return n;
  bool single = x->type == ZW_ENTRY_DEVICE_ID || x->type == ZW_ENTRY_LAYOUT || x->type == ZW_ENTRY_TRUST_DOC;
  bool named = x->type == ZW_ENTRY_KEY || x->type == ZW_ENTRY_COUNTER || x->type == ZW_ENTRY_CERT ||
               x->type == ZW_ENTRY_SETTING;
  size_t xn = x->len ? x->value[0] : 0;
  if (named && xn > (size_t)x->len - (x->len ? 1 : 0)) xn = x->len ? x->len - 1u : 0;
  for (size_t i = 0; i < n; i++) {
    if (e[i].type != x->type) continue;
    if (single || (named && has_name(&e[i], x->value + 1, xn))) return i;
  }
  return n;
}

/* Encodes a snapshot padded with 0xFF to the program unit; *len its size. */
static uint8_t *encode(JSContext *ctx, uint64_t seq, const zw_entry *e, size_t n, size_t *len) {
  size_t body = 0;
  for (size_t i = 0; i < n; i++) body += 4u + e[i].len;
  if (body > MAX_BODY) {
    zw_throw(ctx, "secure.full", "secure state of %zu bytes exceeds %u", body, MAX_BODY);
    return NULL;
  }
  size_t used = HEADER + body + DIGEST, padded = (used + 15) / 16 * 16;
  uint8_t *out = malloc(padded);
  if (!out) return oom(ctx), NULL;
  memset(out, 0xff, padded);
  memcpy(out, MAGIC, 8);
  out[8] = 1, out[9] = 0, out[10] = 0, out[11] = 0;
  put32(out + 12, (uint32_t)body);
  put32(out + 16, (uint32_t)seq);
  put32(out + 20, (uint32_t)(seq >> 32));
  memset(out + 24, 0, 8);
  size_t at = HEADER;
  for (size_t i = 0; i < n; i++) {
    out[at] = (uint8_t)e[i].type, out[at + 1] = (uint8_t)(e[i].type >> 8);
    out[at + 2] = (uint8_t)e[i].len, out[at + 3] = (uint8_t)(e[i].len >> 8);
    memcpy(out + at + 4, e[i].value, e[i].len);
    at += 4u + e[i].len;
  }
  if (zw_sha256(out, HEADER + body, out + HEADER + body) < 0) {
    free(out);
    zw_throw(ctx, "crypto.backend", "SHA-256 failed");
    return NULL;
  }
  *len = padded;
  return out;
}

/* secure-format.md "Writing": the next sequence number into the bank not holding `cur`. */
int zw_secure_commit(JSContext *ctx, const zw_entry *x) {
  const zw_entry *old;
  size_t n;
  if (zw_secure_entries(ctx, &old, &n) < 0) return -1;
  size_t at = upsert_index(old, n, x), count = at == n ? n + 1 : n;
  zw_entry *next = malloc(count * sizeof *next);
  uint8_t *value = malloc(x->len ? x->len : 1);
  if (!next || !value) {
    free(next);
    free(value);
    return oom(ctx);
  }
  memcpy(value, x->value, x->len);
  if (n) memcpy(next, old, n * sizeof *next);
  next[at] = (zw_entry){x->type, x->len, value};
  uint64_t seq = cur.valid ? cur.seq + 1 : 1;
  unsigned bank = cur.valid ? 1 - cur.bank : 0;
  size_t len = 0;
  uint8_t *bytes = encode(ctx, seq, next, count, &len);
  const zw_part *pt = zw_flash_part("secure");
  uint64_t base = (uint64_t)bank * BANK_SIZE;
  int rc = -1;
  if (bytes && zw_flash_erase(ctx, pt, base, (len + 4095) / 4096 * 4096) == 0 &&
      zw_flash_program(ctx, pt, base, bytes, len) == 0 && zw_flash_sync(ctx, pt) == 0)
    rc = 0;
  if (bytes) {
    OPENSSL_cleanse(bytes, len);
    free(bytes);
  }
  if (rc < 0) {
    OPENSSL_cleanse(value, x->len);
    free(value);
    free(next);
    return -1;
  }
  if (at < n) {
    OPENSSL_cleanse(cur.e[at].value, cur.e[at].len);
    free(cur.e[at].value);
  }
  free(cur.e);
  cur = (snapshot){.valid = true, .bank = bank, .seq = seq, .e = next, .n = count};
  return 0;
}
