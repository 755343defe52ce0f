/*
 * batches.c: record batches and answer frames for the hostile suite's `records=@NAME` and
 * `replace=@NAME` faults.
 *
 * A case's fault text may name a recipe as `KEY=@NAME`; the runner replaces `@NAME` with the
 * hex of the bytes built here before the faults are parsed (hostile_expand). Each batch
 * recipe builds, from scratch and with its CRC right unless it says otherwise, the records the
 * suite's topic holds (values r1 r2 r3 at offsets 0, 1, 2) and then bends one thing, so that
 * the byte a case means to break is the only one broken:
 *
 *   plain, gzip, snappy, lz4, zstd   a valid v2 batch (compressed with that codec)
 *   rec-len-past-end     the first record's length says 63 bytes; 8 follow
 *   varint-11            the first record's timestampDelta is an 11-byte varint
 *   key-len-minus-2      the first record's key length is -2
 *   count-huge           RecordsCount 2^31-1 for 3 records
 *   crc-bad              the CRC is off by one bit
 *   partial              only the first 50 bytes of the batch (BatchLength says more)
 *   neg-batch-len        BatchLength -1
 *   CODEC-trunc          the compressed records cut in half (BatchLength and CRC made right)
 *   snappy-len-lie       the xerial block's length says 1 MiB
 *   lz4-len-lie          the LZ4 frame's first block size says 4 MiB (past its 64 KiB max)
 *   zstd-size-lie        the zstd frame declares 1 GiB of content
 *   gzip-garbage         a gzip header then garbage
 *   control-then-data    a transactional commit marker at offset 0, then r2 r3 at 1 and 2
 *   legacy-v1            a valid magic 1 message set: r1 r2 r3
 *   legacy-v0            a valid magic 0 message set: r1 r2 r3
 *   legacy-v1-crc-bad    magic 1 with a bad CRC on the first message
 *   legacy-v0-size-lie   magic 0 whose first message's size says 1 MiB
 *   frame-md12-tagged          a whole Metadata v12 answer (correlation id 1, the broker's
 *                              port) with unknown tagged fields in the response header, the
 *                              broker and the top level
 *   frame-md12-no-header-tags  the same without the response header's tag buffer
 *   frame-av-v0-35             an ApiVersions v0 answer (correlation id 0) with
 *                              UNSUPPORTED_VERSION and ApiVersions 0..3 (KIP-511)
 *   legacy-v1-gzip-bomb  a magic 1 gzip wrapper whose inner message set inflates to 64 MiB
 *                        (one message whose value is 64 MiB of zeros)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "kfk/protocol.h"

typedef struct bb {
    uint8_t *p;
    size_t len, cap;
} bb_t;

static void put(bb_t *b, const void *d, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void put_be(bb_t *b, uint64_t v, int n) {
    uint8_t t[8];
    for (int i = 0; i < n; i++)
        t[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    put(b, t, (size_t)n);
}

static void set_be(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void put_varint(bb_t *b, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t t[10];
    size_t n = 0;
    while (u >= 0x80) {
        t[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    t[n++] = (uint8_t)u;
    put(b, t, n);
}

/* One v2 record: a null key unless @p key, value @p value, no header. With @p ts_raw the
 * timestampDelta is those raw bytes. */
static void put_record(bb_t *b, int offset_delta, const char *value, const uint8_t *ts_raw,
                       size_t ts_raw_n, const uint8_t *key, int key_n) {
    bb_t r = {0};
    uint8_t zero = 0;
    put(&r, &zero, 1); /* attributes */
    if (ts_raw)
        put(&r, ts_raw, ts_raw_n);
    else
        put_varint(&r, offset_delta); /* timestampDelta */
    put_varint(&r, offset_delta);
    put_varint(&r, key ? key_n : -1);
    if (key)
        put(&r, key, (size_t)key_n);
    put_varint(&r, (int64_t)strlen(value));
    put(&r, value, strlen(value));
    put_varint(&r, 0); /* headers */
    put_varint(b, (int64_t)r.len);
    put(b, r.p, r.len);
    free(r.p);
}

/* The records r1 r2 r3 (offset deltas 0..2). */
static void put_three(bb_t *b) {
    put_record(b, 0, "r1", NULL, 0, NULL, 0);
    put_record(b, 1, "r2", NULL, 0, NULL, 0);
    put_record(b, 2, "r3", NULL, 0, NULL, 0);
}

/* A v2 batch around @p records (already compressed if @p codec), CRC right. */
static void put_batch(bb_t *b, int64_t base, int16_t attrs, int32_t last_delta, int32_t count,
                      int64_t pid, int16_t epoch, const bb_t *records) {
    size_t at = b->len;
    put_be(b, (uint64_t)base, 8);
    put_be(b, (uint64_t)(49 + records->len), 4); /* batchLength: from the leader epoch on */
    put_be(b, 0, 4);                             /* partitionLeaderEpoch */
    uint8_t magic = 2;
    put(b, &magic, 1);
    put_be(b, 0, 4); /* crc, below */
    put_be(b, (uint64_t)(uint16_t)attrs, 2);
    put_be(b, (uint64_t)last_delta, 4);
    put_be(b, 1700000000000ULL, 8);
    put_be(b, 1700000000000ULL + (uint64_t)last_delta, 8);
    put_be(b, (uint64_t)pid, 8);
    put_be(b, (uint64_t)(uint16_t)epoch, 2);
    put_be(b, pid >= 0 ? 0 : 0xffffffffu, 4);
    put_be(b, (uint64_t)count, 4);
    put(b, records->p, records->len);
    set_be(b->p + at + 17, kfk_crc32c(0, b->p + at + 21, b->len - at - 21), 4);
}

static void compressed_three(bb_t *out, kfk_codec_t codec) {
    bb_t raw = {0};
    kfk_wbuf_t w;
    put_three(&raw);
    kfk_wbuf_init(&w);
    if (kfk_compress(codec, -1, raw.p, raw.len, &w) != KFK_ERR_NONE)
        abort();
    put(out, w.data, w.len);
    kfk_wbuf_free(&w);
    free(raw.p);
}

/* A legacy message (magic 0 or 1) at @p offset with @p value (NULL key), CRC right. */
static void put_legacy(bb_t *b, int magic, int64_t offset, int8_t attrs, const uint8_t *value,
                       size_t value_n) {
    bb_t m = {0};
    uint8_t mg = (uint8_t)magic, at = (uint8_t)attrs;
    put_be(&m, 0, 4); /* crc */
    put(&m, &mg, 1);
    put(&m, &at, 1);
    if (magic == 1)
        put_be(&m, 1700000000000ULL, 8);
    put_be(&m, 0xffffffffu, 4); /* null key */
    put_be(&m, value_n, 4);
    put(&m, value, value_n);
    set_be(m.p, kfk_crc32(0, m.p + 4, m.len - 4), 4);
    put_be(b, (uint64_t)offset, 8);
    put_be(b, m.len, 4);
    put(b, m.p, m.len);
    free(m.p);
}

static void legacy_three(bb_t *b, int magic) {
    put_legacy(b, magic, 0, 0, (const uint8_t *)"r1", 2);
    put_legacy(b, magic, 1, 0, (const uint8_t *)"r2", 2);
    put_legacy(b, magic, 2, 0, (const uint8_t *)"r3", 2);
}

static void put_cstr(bb_t *b, const char *s) {
    uint8_t n = (uint8_t)(strlen(s) + 1);
    put(b, &n, 1);
    put(b, s, strlen(s));
}

/*
 * A whole Metadata v12 answer frame (size included) for correlation id 1 (a connection's first
 * request after ApiVersions): broker 1 at 127.0.0.1:@p port, controller 1, topic t with one
 * partition led by 1. @p header_tags: 0 leaves the response header's tag buffer out (a header v0
 * where v1 is due), 1 an empty one, 2 one unknown tag; @p unknown_tags also puts unknown tags in
 * the broker and at the top level.
 */
static void md12_frame(bb_t *b, int port, int header_tags, int unknown_tags) {
    static const uint8_t tag5[] = {0x01, 0x05, 0x03, 'a', 'b', 'c'};
    static const uint8_t tag7[] = {0x01, 0x07, 0x02, 'x', 'y'};
    static const uint8_t tag9[] = {0x01, 0x09, 0x01, 'z'};
    static const uint8_t zero16[16] = {0};
    uint8_t z = 0, one = 1, two = 2;
    bb_t f = {0};
    put_be(&f, 1, 4); /* correlation id */
    if (header_tags == 1)
        put(&f, &z, 1);
    else if (header_tags == 2)
        put(&f, tag5, sizeof tag5);
    put_be(&f, 0, 4); /* throttle */
    put(&f, &two, 1); /* 1 broker */
    put_be(&f, 1, 4);
    put_cstr(&f, "127.0.0.1");
    put_be(&f, (uint64_t)port, 4);
    put(&f, &z, 1); /* rack null */
    if (unknown_tags)
        put(&f, tag7, sizeof tag7);
    else
        put(&f, &z, 1);
    put(&f, &z, 1);   /* cluster id null */
    put_be(&f, 1, 4); /* controller */
    put(&f, &two, 1); /* 1 topic */
    put_be(&f, 0, 2);
    put_cstr(&f, "t");
    put(&f, zero16, 16);
    put(&f, &z, 1);   /* is_internal */
    put(&f, &two, 1); /* 1 partition */
    put_be(&f, 0, 2);
    put_be(&f, 0, 4); /* index */
    put_be(&f, 1, 4); /* leader */
    put_be(&f, 0, 4); /* epoch */
    put(&f, &two, 1);
    put_be(&f, 1, 4);
    put(&f, &two, 1);
    put_be(&f, 1, 4);
    put(&f, &one, 1); /* no offline replica */
    put(&f, &z, 1);
    put_be(&f, 0x80000000u, 4);
    put(&f, &z, 1);
    if (unknown_tags)
        put(&f, tag9, sizeof tag9);
    else
        put(&f, &z, 1);
    put_be(b, f.len, 4);
    put(b, f.p, f.len);
    free(f.p);
}

/* Builds recipe @p name into @p b (@p port: broker 1's); -1 when there is none. */
static int build(const char *name, int port, bb_t *b) {
    static const struct {
        const char *name;
        kfk_codec_t codec;
    } codecs[] = {{"gzip", KFK_CODEC_GZIP},
                  {"snappy", KFK_CODEC_SNAPPY},
                  {"lz4", KFK_CODEC_LZ4},
                  {"zstd", KFK_CODEC_ZSTD}};
    bb_t r = {0};
    if (!strcmp(name, "frame-md12-tagged")) {
        md12_frame(b, port, 2, 1);
    } else if (!strcmp(name, "frame-md12-no-header-tags")) {
        md12_frame(b, port, 0, 0);
    } else if (!strcmp(name, "frame-av-v0-35")) {
        /* KIP-511: UNSUPPORTED_VERSION in a v0 body listing ApiVersions 0..3, correlation 0. */
        static const uint8_t f[] = {0, 0, 0, 16, 0, 0, 0, 0, 0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3};
        put(b, f, sizeof f);
    } else if (!strcmp(name, "plain")) {
        put_three(&r);
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "rec-len-past-end")) {
        put_three(&r);
        r.p[0] = 0x7e; /* 63 */
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "varint-11")) {
        static const uint8_t v11[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0x01};
        put_record(&r, 0, "r1", v11, sizeof v11, NULL, 0);
        put_record(&r, 1, "r2", NULL, 0, NULL, 0);
        put_record(&r, 2, "r3", NULL, 0, NULL, 0);
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "key-len-minus-2")) {
        put_three(&r);
        r.p[4] = 0x03; /* length, attributes, tsDelta, offsetDelta, then the key length */
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "count-huge")) {
        put_three(&r);
        put_batch(b, 0, 0, 2, INT32_MAX, -1, -1, &r);
    } else if (!strcmp(name, "crc-bad")) {
        put_three(&r);
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
        b->p[20] ^= 1;
    } else if (!strcmp(name, "partial")) {
        put_three(&r);
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
        b->len = 50;
    } else if (!strcmp(name, "neg-batch-len")) {
        put_three(&r);
        put_batch(b, 0, 0, 2, 3, -1, -1, &r);
        set_be(b->p + 8, 0xffffffffu, 4);
    } else if (!strcmp(name, "snappy-len-lie")) {
        compressed_three(&r, KFK_CODEC_SNAPPY);
        set_be(r.p + 16, 1u << 20, 4); /* the first block's length, after the 16-byte header */
        put_batch(b, 0, KFK_CODEC_SNAPPY, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "lz4-len-lie")) {
        compressed_three(&r, KFK_CODEC_LZ4);
        /* magic (4), FLG, BD, HC (no content size): the first block size, little-endian. */
        r.p[7] = 0x00;
        r.p[8] = 0x00;
        r.p[9] = 0x40;
        r.p[10] = 0x00;
        put_batch(b, 0, KFK_CODEC_LZ4, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "zstd-size-lie")) {
        /* A frame header declaring 1 GiB (FCS 4 bytes, single segment off), then the real
         * compressed blocks of r1 r2 r3 taken from a frame without a content size. */
        kfk_wbuf_t w;
        bb_t raw = {0};
        put_three(&raw);
        kfk_wbuf_init(&w);
        if (kfk_compress(KFK_CODEC_ZSTD, -1, raw.p, raw.len, &w) != KFK_ERR_NONE)
            abort();
        /* kfk's frame: magic (4), FHD, then maybe a window byte and FCS. Rebuild the header. */
        uint8_t fhd = w.data[4];
        size_t fcs_n = (size_t[]){0, 2, 4, 8}[fhd >> 6];
        int single = (fhd >> 5) & 1;
        if ((fhd >> 6) == 0 && single)
            fcs_n = 1;
        size_t hdr = 5 + (single ? 0 : 1) + (fhd & 3 ? (size_t[]){0, 1, 2, 4}[fhd & 3] : 0) + fcs_n;
        /* FHD: a 4-byte content size, no single segment, the checksum flag kept; a window
         * descriptor of 16 MiB. */
        uint8_t head[6] = {0x28, 0xb5, 0x2f, 0xfd, (uint8_t)(0x80 | (fhd & 0x04)), 0x70};
        put(&r, head, sizeof head);
        uint8_t fcs[4] = {0x00, 0x00, 0x00, 0x40}; /* 1 GiB, little-endian */
        put(&r, fcs, 4);
        put(&r, w.data + hdr, w.len - hdr);
        kfk_wbuf_free(&w);
        free(raw.p);
        put_batch(b, 0, KFK_CODEC_ZSTD, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "gzip-garbage")) {
        static const uint8_t g[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                    0x03, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef};
        put(&r, g, sizeof g);
        put_batch(b, 0, KFK_CODEC_GZIP, 2, 3, -1, -1, &r);
    } else if (!strcmp(name, "control-then-data")) {
        /* A commit marker: key = version 0, type 1 (COMMIT); value = version 0, epoch 0. */
        static const uint8_t key[4] = {0, 0, 0, 1};
        bb_t c = {0};
        bb_t rec = {0};
        uint8_t zero = 0;
        put(&rec, &zero, 1);
        put_varint(&rec, 0);
        put_varint(&rec, 0);
        put_varint(&rec, 4);
        put(&rec, key, 4);
        put_varint(&rec, 6);
        put_be(&rec, 0, 6);
        put_varint(&rec, 0);
        put_varint(&c, (int64_t)rec.len);
        put(&c, rec.p, rec.len);
        put_batch(b, 0, 0x30, 0, 1, 1000, 0, &c); /* transactional | control */
        put_record(&r, 0, "r2", NULL, 0, NULL, 0);
        put_record(&r, 1, "r3", NULL, 0, NULL, 0);
        put_batch(b, 1, 0, 1, 2, -1, -1, &r);
        free(c.p);
        free(rec.p);
    } else if (!strcmp(name, "legacy-v1") || !strcmp(name, "legacy-v0")) {
        legacy_three(b, name[8] - '0');
    } else if (!strcmp(name, "legacy-v1-crc-bad")) {
        legacy_three(b, 1);
        b->p[12] ^= 1;
    } else if (!strcmp(name, "legacy-v0-size-lie")) {
        legacy_three(b, 0);
        set_be(b->p + 8, 1u << 20, 4);
    } else if (!strcmp(name, "legacy-v1-gzip-bomb")) {
        /* The inner message set: one message whose value is 64 MiB of zeros (built whole here,
         * once; deflate's ~1000:1 makes a wrapper of about 64 KiB). */
        size_t vn = (size_t)64 << 20;
        uint8_t *zeros = calloc(1, vn);
        bb_t inner = {0};
        kfk_wbuf_t w;
        put_legacy(&inner, 1, 0, 0, zeros, vn);
        free(zeros);
        kfk_wbuf_init(&w);
        if (kfk_compress(KFK_CODEC_GZIP, 9, inner.p, inner.len, &w) != KFK_ERR_NONE)
            abort();
        put_legacy(b, 1, 0, 1, w.data, w.len);
        kfk_wbuf_free(&w);
        free(inner.p);
    } else {
        int found = 0;
        for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
            size_t n = strlen(codecs[i].name);
            if (strncmp(name, codecs[i].name, n) != 0)
                continue;
            if (name[n] == '\0') {
                compressed_three(&r, codecs[i].codec);
                put_batch(b, 0, (int16_t)codecs[i].codec, 2, 3, -1, -1, &r);
                found = 1;
            } else if (!strcmp(name + n, "-trunc")) {
                compressed_three(&r, codecs[i].codec);
                r.len = r.len / 2;
                put_batch(b, 0, (int16_t)codecs[i].codec, 2, 3, -1, -1, &r);
                found = 1;
            }
        }
        if (!found) {
            free(r.p);
            return -1;
        }
    }
    free(r.p);
    return 0;
}

char *hostile_expand(const char *faults, int port, char *why, size_t why_size) {
    bb_t out = {0};
    const char *p = faults;
    while (*p) {
        const char *at = strstr(p, "=@");
        if (!at) {
            put(&out, p, strlen(p));
            break;
        }
        at += 1;
        put(&out, p, (size_t)(at - p));
        const char *end = at + 1;
        while (*end && *end != ',' && *end != ';')
            end++;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(end - at - 1), at + 1);
        bb_t b = {0};
        if (build(name, port, &b) != 0) {
            snprintf(why, why_size, "no batch recipe '%s'", name);
            free(out.p);
            free(b.p);
            return NULL;
        }
        for (size_t i = 0; i < b.len; i++) {
            char hx[3];
            snprintf(hx, sizeof hx, "%02x", b.p[i]);
            put(&out, hx, 2);
        }
        free(b.p);
        p = end;
    }
    put(&out, "", 1);
    return (char *)out.p;
}
