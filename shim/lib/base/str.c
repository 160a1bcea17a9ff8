/* SPDX-License-Identifier: Apache-2.0 */
/* Pure helpers: strings, lexical paths, SHA-256 (include/stockade/str.h).
 * Nothing here touches the filesystem; that is sys.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/str.h"

bool str_has_prefix(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

bool str_has_suffix(const char *s, const char *suffix) {
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

char *path_clean(const char *path) {
  size_t n = strlen(path);
  char *out = malloc(n + 2);
  size_t o = 0;
  const char *p = path;

  if (out == NULL)
    return NULL;
  while (*p) {
    const char *seg;
    size_t l;
    while (*p == '/')
      p++;
    seg = p;
    while (*p && *p != '/')
      p++;
    l = (size_t)(p - seg);
    if (l == 0 || (l == 1 && seg[0] == '.'))
      continue;
    if (l == 2 && seg[0] == '.' && seg[1] == '.') {
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--; /* drop the slash too */
      continue;
    }
    out[o++] = '/';
    memcpy(out + o, seg, l);
    o += l;
  }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return out;
}

bool path_is_under(const char *path, const char *dir) {
  cleanup_free char *p = path_clean(path);
  cleanup_free char *d = path_clean(dir);
  size_t l;
  if (p == NULL || d == NULL)
    return false;
  if (strcmp(d, "/") == 0)
    return true;
  l = strlen(d);
  return strncmp(p, d, l) == 0 && (p[l] == '\0' || p[l] == '/');
}

/* SHA-256, FIPS 180-4. Blocks are compressed by the CPU's SHA
 * instructions where it has them (x86-64 SHA-NI, chosen once at load),
 * else by portable C; both give the same digests (tests/unit/test_str.c
 * runs every vector through each). */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* n blocks of 64 bytes at b into the state h */
typedef void sha256_blocks_fn(uint32_t h[8], const unsigned char *b, size_t n);

static void sha256_blocks_c(uint32_t hs[8], const unsigned char *b, size_t n) {
  for (; n > 0; n--, b += 64) {
    uint32_t w[64], a, bb, cc, d, e, f, g, h;
    int i;
    for (i = 0; i < 16; i++)
      w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (i = 16; i < 64; i++) {
      uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = hs[0], bb = hs[1], cc = hs[2], d = hs[3], e = hs[4], f = hs[5], g = hs[6], h = hs[7];
    for (i = 0; i < 64; i++) {
      uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & bb) ^ (a & cc) ^ (bb & cc));
      h = g, g = f, f = e, e = d + t1, d = cc, cc = bb, bb = a, a = t1 + t2;
    }
    hs[0] += a, hs[1] += bb, hs[2] += cc, hs[3] += d;
    hs[4] += e, hs[5] += f, hs[6] += g, hs[7] += h;
  }
}

#if defined(__x86_64__)
#include <immintrin.h>
#include <sys/platform/x86.h>

/* The SHA extensions work on the state as two halves, ABEF and CDGH
 * (lanes from high to low), and four message words at a time: sha256msg1
 * and sha256msg2 extend the schedule, each sha256rnds2 does two rounds
 * from the low half of its message operand. */
__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_blocks_shani(uint32_t hs[8], const unsigned char *b,
                                                                            size_t n) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&hs[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&hs[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);

  for (; n > 0; n--, b += 64) {
    const __m128i abef0 = abef, cdgh0 = cdgh;
    __m128i w[4];
    int g;
    for (g = 0; g < 16; g++) {
      __m128i k;
      if (g < 4) {
        w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b + 16 * g)), bswap);
      } else {
        /* w[t..t+3] from the four groups before: w[g-4] + s0(w[g-3]),
         * + w[t-7..t-4], then the s1 terms */
        __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
        w[g & 3] = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
      }
      k = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K[4 * g]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0e));
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
  }
  /* back to DCBA and HGFE */
  {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128((__m128i *)&hs[0], _mm_blend_epi16(feba, dchg, 0xf0));
    _mm_storeu_si128((__m128i *)&hs[4], _mm_alignr_epi8(dchg, feba, 8));
  }
}

/* What the dynamic loader read of the CPU at start (glibc 2.33's
 * <sys/platform/x86.h>), not CPUID again: in a VM each CPUID is a trip to
 * the hypervisor (two of them cost every stockade process 30 us here). */
static bool cpu_has_shani(void) {
  return CPU_FEATURE_ACTIVE(SSSE3) && CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SHA);
}
#endif

static sha256_blocks_fn *sha256_blocks = sha256_blocks_c;
static const char *sha256_impl = "portable";

__attribute__((constructor)) static void sha256_pick(void) {
#if defined(__x86_64__)
  if (cpu_has_shani()) {
    sha256_blocks = sha256_blocks_shani;
    sha256_impl = "sha-ni";
  }
#endif
}

const char *sha256_engine(void) { return sha256_impl; }

int sha256_engine_set(const char *name) {
  if (strcmp(name, "portable") == 0) {
    sha256_blocks = sha256_blocks_c;
    sha256_impl = "portable";
    return 0;
  }
#if defined(__x86_64__)
  if (strcmp(name, "sha-ni") == 0 && cpu_has_shani()) {
    sha256_blocks = sha256_blocks_shani;
    sha256_impl = "sha-ni";
    return 0;
  }
#endif
  return -1;
}

void sha256_init(struct sha256_ctx *c) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, iv, sizeof(iv));
  c->len = 0;
  c->used = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len) {
  const unsigned char *p = data;
  if (len == 0) /* data may be NULL then: memcpy must not see it */
    return;
  c->len += len;
  if (c->used > 0) {
    size_t take = 64 - c->used;
    if (take > len)
      take = len;
    memcpy(c->buf + c->used, p, take);
    c->used += take;
    p += take;
    len -= take;
    if (c->used < 64)
      return;
    sha256_blocks(c->h, c->buf, 1);
    c->used = 0;
  }
  /* whole blocks straight from the caller's buffer */
  if (len >= 64) {
    sha256_blocks(c->h, p, len / 64);
    p += len - len % 64;
    len %= 64;
  }
  memcpy(c->buf, p, len);
  c->used = len;
}

void sha256_final(struct sha256_ctx *c, unsigned char out[32]) {
  uint64_t bits = c->len * 8;
  unsigned char pad = 0x80, zero = 0, lenbuf[8];
  int i;
  sha256_update(c, &pad, 1);
  while (c->used != 56)
    sha256_update(c, &zero, 1);
  for (i = 0; i < 8; i++)
    lenbuf[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_update(c, lenbuf, 8);
  for (i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(c->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)c->h[i];
  }
}

void sha256_hex(const void *data, size_t len, char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  struct sha256_ctx c;
  unsigned char d[32];
  int i;
  sha256_init(&c);
  sha256_update(&c, data, len);
  sha256_final(&c, d);
  for (i = 0; i < 32; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[64] = '\0';
}
