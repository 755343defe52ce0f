/*
 * snappy_block.c: the raw snappy block format in C (google/snappy's format_description.txt),
 * so that kfk needs neither libsnappy nor the C++ runtime it brings (1.5 MB resident in every
 * process that links it, before any record).
 *
 * A block: the uncompressed length as a varint (at most 5 bytes, below 2^32), then elements.
 * Each starts with a tag byte whose low 2 bits say what it is:
 *   0 literal: length-1 in the upper 6 bits, or 60..63 there and the length-1 in the next
 *     1..4 bytes (little-endian); the bytes follow;
 *   1 copy, length 4..11 ((tag >> 2) & 7) + 4, offset 0..2047 (the upper 3 bits, then a byte);
 *   2 copy, length 1..64, offset in the next 2 bytes (little-endian);
 *   3 copy, length 1..64, offset in the next 4 bytes.
 * A copy repeats `length` bytes starting `offset` bytes back in the output (overlapping when
 * offset < length); offset 0 is invalid.
 *
 * The compressor is the classic greedy one: 64 KiB fragments compressed independently, a hash
 * table of 4-byte sequences, a match search that skips faster through incompressible input, and
 * matches extended as far as they go. Its output is a valid block for any decoder; it need not
 * equal libsnappy's byte for byte. The decoder trusts nothing: every length and offset is
 * checked against the input left and the output written before a byte is copied.
 */
#include <stdint.h>
#include <string.h>

#include "protocol/compress.h"

#define FRAGMENT 65536
#define HASH_BITS 14
#define MARGIN 15 /* input bytes kept back from the end of a fragment when searching */

size_t kfk__snappy_max_compressed(size_t n) {
    return 32 + n + n / 6;
}

int kfk__snappy_uncompressed_length(const uint8_t *p, size_t n, size_t *ulen, size_t *hdr) {
    uint64_t v = 0;
    for (size_t i = 0; i < 5 && i < n; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            if (v > UINT32_MAX)
                return -1;
            *ulen = (size_t)v;
            *hdr = i + 1;
            return 0;
        }
    }
    return -1;
}

static uint32_t le32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

kfk_err_t kfk__snappy_block_decompress(const uint8_t *in, size_t n, uint8_t *dst, size_t ulen) {
    size_t have, hdr;
    if (kfk__snappy_uncompressed_length(in, n, &have, &hdr) != 0 || have != ulen)
        return KFK_ERR__DECOMPRESS;
    const uint8_t *ip = in + hdr, *end = in + n;
    size_t op = 0;
    while (ip < end) {
        uint8_t tag = *ip++;
        size_t len, off;
        switch (tag & 3) {
        case 0:
            len = (size_t)(tag >> 2) + 1;
            if (len > 60) {
                size_t k = len - 60; /* 1..4 length bytes */
                if ((size_t)(end - ip) < k)
                    return KFK_ERR__DECOMPRESS;
                uint32_t l = 0;
                for (size_t i = 0; i < k; i++)
                    l |= (uint32_t)ip[i] << (8 * i);
                ip += k;
                len = (size_t)l + 1;
            }
            if ((size_t)(end - ip) < len || ulen - op < len)
                return KFK_ERR__DECOMPRESS;
            if (len <= 16 && end - ip >= 16 && ulen - op >= 16)
                memcpy(dst + op, ip, 16); /* a short literal in one fixed move (room checked) */
            else
                memcpy(dst + op, ip, len);
            ip += len;
            op += len;
            continue;
        case 1:
            if (end - ip < 1)
                return KFK_ERR__DECOMPRESS;
            len = (size_t)((tag >> 2) & 7) + 4;
            off = ((size_t)(tag >> 5) << 8) | *ip++;
            break;
        case 2:
            if (end - ip < 2)
                return KFK_ERR__DECOMPRESS;
            len = (size_t)(tag >> 2) + 1;
            off = (size_t)ip[0] | ((size_t)ip[1] << 8);
            ip += 2;
            break;
        default:
            if (end - ip < 4)
                return KFK_ERR__DECOMPRESS;
            len = (size_t)(tag >> 2) + 1;
            off = le32(ip);
            ip += 4;
            break;
        }
        if (off == 0 || off > op || ulen - op < len)
            return KFK_ERR__DECOMPRESS;
        uint8_t *d = dst + op;
        const uint8_t *s = d - off;
        if (off >= 8 && ulen - op >= len + 8) {
            /* 8 bytes at a time (room checked): each move reads only bytes already written,
             * as off >= 8, so an overlapping copy repeats its pattern as it should. */
            for (size_t i = 0; i < len; i += 8)
                memcpy(d + i, s + i, 8);
        } else if (off >= len) {
            memcpy(d, s, len);
        } else {
            for (size_t i = 0; i < len; i++) /* overlapping: a repeated pattern */
                d[i] = s[i];
        }
        op += len;
    }
    return op == ulen ? KFK_ERR_NONE : KFK_ERR__DECOMPRESS;
}

static uint8_t *put_literal(uint8_t *op, const uint8_t *lit, size_t len) {
    size_t n = len - 1;
    if (n < 60) {
        *op++ = (uint8_t)(n << 2);
    } else if (n < 256) {
        *op++ = 60 << 2;
        *op++ = (uint8_t)n;
    } else {
        *op++ = 61 << 2; /* a fragment is at most 64 KiB: two length bytes are enough */
        *op++ = (uint8_t)n;
        *op++ = (uint8_t)(n >> 8);
    }
    memcpy(op, lit, len);
    return op + len;
}

/* A copy of @p len (>= 4) bytes from @p off (< 65536) back. */
static uint8_t *put_copy(uint8_t *op, size_t off, size_t len) {
    while (len >= 68) {
        *op++ = 2 | (63 << 2);
        *op++ = (uint8_t)off;
        *op++ = (uint8_t)(off >> 8);
        len -= 64;
    }
    if (len > 64) { /* 65..67: leave at least 4 for the last element */
        *op++ = 2 | (59 << 2);
        *op++ = (uint8_t)off;
        *op++ = (uint8_t)(off >> 8);
        len -= 60;
    }
    if (len < 12 && off < 2048) {
        *op++ = (uint8_t)(1 | ((len - 4) << 2) | ((off >> 8) << 5));
        *op++ = (uint8_t)off;
    } else {
        *op++ = (uint8_t)(2 | ((len - 1) << 2));
        *op++ = (uint8_t)off;
        *op++ = (uint8_t)(off >> 8);
    }
    return op;
}

/* How far the match of 4 bytes at @p candidate and @p ip (candidate < ip) goes, up to @p n. */
static size_t match_len(const uint8_t *in, size_t candidate, size_t ip, size_t n) {
    size_t len = 4;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (ip + len + 8 <= n) { /* 8 bytes at a time: the first differing byte ends it */
        uint64_t a, b;
        memcpy(&a, in + candidate + len, 8);
        memcpy(&b, in + ip + len, 8);
        if (a != b)
            return len + (size_t)(__builtin_ctzll(a ^ b) >> 3);
        len += 8;
    }
#endif
    while (ip + len < n && in[candidate + len] == in[ip + len])
        len++;
    return len;
}

static uint32_t hash4(uint32_t v) {
    return (v * 0x1e35a7bdu) >> (32 - HASH_BITS);
}

/* Compresses one fragment (at most FRAGMENT bytes) into @p op; returns the end of the output. */
static uint8_t *fragment(const uint8_t *in, size_t n, uint8_t *op, uint16_t *table) {
    size_t next_emit = 0;
    if (n >= MARGIN) {
        memset(table, 0, sizeof(uint16_t) << HASH_BITS);
        const size_t limit = n - MARGIN;
        size_t ip = 1;
        for (;;) {
            /* Find a 4-byte match, skipping faster the longer none is found. */
            size_t candidate, skip = 32;
            for (;;) {
                uint32_t h = hash4(le32(in + ip));
                candidate = table[h];
                table[h] = (uint16_t)ip;
                if (le32(in + candidate) == le32(in + ip))
                    break;
                ip += skip++ >> 5;
                if (ip > limit)
                    goto rest;
            }
            op = put_literal(op, in + next_emit, ip - next_emit);
            /* Emit copies while the position after one starts another match. */
            for (;;) {
                size_t len = match_len(in, candidate, ip, n);
                op = put_copy(op, ip - candidate, len);
                ip += len;
                next_emit = ip;
                if (ip >= limit)
                    goto rest;
                table[hash4(le32(in + ip - 1))] = (uint16_t)(ip - 1);
                uint32_t h = hash4(le32(in + ip));
                candidate = table[h];
                table[h] = (uint16_t)ip;
                if (le32(in + candidate) != le32(in + ip))
                    break;
            }
            ip++;
            if (ip > limit)
                goto rest;
        }
    }
rest:
    if (next_emit < n)
        op = put_literal(op, in + next_emit, n - next_emit);
    return op;
}

size_t kfk__snappy_block_compress(const uint8_t *in, size_t n, uint8_t *dst) {
    uint16_t table[1 << HASH_BITS];
    uint8_t *op = dst;
    size_t v = n;
    do { /* the uncompressed length, a varint */
        *op++ = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        v >>= 7;
    } while (v);
    while (n > 0) {
        size_t k = n < FRAGMENT ? n : FRAGMENT;
        op = fragment(in, k, op, table);
        in += k;
        n -= k;
    }
    return (size_t)(op - dst);
}
