/*
 * test_framer.c: the response framer (src/ev/framer.c) fed scripted bytes, with no socket:
 * frames split at every byte boundary, several frames in one read, sizes refused before any
 * allocation (each error naming the size), the read-into-the-tail path conn.c uses for large
 * frames, a callback that stops the feed, a truncated frame at the end of the stream, an
 * allocation failure, and the CRC registers a large frame's blocks get as its bytes land.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ev/framer.h"
#include "protocol/crc32c.h"
#include "protocol/mem.h"

#define MAX_FRAMES 16

typedef struct {
    size_t n;
    uint8_t *frame[MAX_FRAMES];
    size_t len[MAX_FRAMES];
    int stop_after;         /* the callback returns non-zero after this many frames (0: never) */
    const kfk__framer_t *f; /* when set: each frame's block registers are checked */
    size_t with_blocks;     /* frames that had them */
} sink_t;

static int on_frame(void *opaque, uint8_t *frame, size_t len) {
    sink_t *s = opaque;
    cr_assert_lt(s->n, MAX_FRAMES);
    if (s->f) {
        size_t nb = 0;
        const uint32_t *b = kfk__framer_blocks_of(s->f, frame, &nb);
        if (b) {
            cr_assert_eq(nb, len / KFK__CRC_BLOCK);
            uint32_t *want = malloc((nb ? nb : 1) * sizeof *want);
            cr_assert_eq(kfk__crc32c_blocks(frame, nb, want), 1);
            for (size_t i = 0; i < nb; i++)
                cr_assert_eq(b[i], want[i], "frame %zu block %zu", s->n, i);
            free(want);
            s->with_blocks++;
        }
        cr_assert_null(kfk__framer_blocks_of(s->f, frame + 1, &nb), "another pointer");
    }
    s->frame[s->n] = frame;
    s->len[s->n] = len;
    s->n++;
    return s->stop_after && (int)s->n >= s->stop_after;
}

static void sink_free(sink_t *s) {
    for (size_t i = 0; i < s->n; i++)
        kfk__free(s->frame[i]);
    memset(s, 0, sizeof *s);
}

/* Appends a frame of @p len bytes (byte i of it is seed + i) to @p out at *at. */
static void put_frame(uint8_t *out, size_t *at, uint32_t len, uint8_t seed) {
    out[(*at)++] = (uint8_t)(len >> 24);
    out[(*at)++] = (uint8_t)(len >> 16);
    out[(*at)++] = (uint8_t)(len >> 8);
    out[(*at)++] = (uint8_t)len;
    for (uint32_t i = 0; i < len; i++)
        out[(*at)++] = (uint8_t)(seed + i);
}

static void expect_frame(const sink_t *s, size_t i, size_t len, uint8_t seed) {
    cr_assert_gt(s->n, i, "frame %zu was not delivered", i);
    cr_assert_eq(s->len[i], len, "frame %zu: %zu bytes, expected %zu", i, s->len[i], len);
    for (size_t k = 0; k < len; k++)
        cr_assert_eq(s->frame[i][k], (uint8_t)(seed + k), "frame %zu byte %zu", i, k);
}

/* Feeds a 4-byte size and expects it refused with @p want and a message naming @p text. */
static void expect_size_refused(int32_t size, int64_t max, kfk_err_t want, const char *text) {
    kfk__framer_t f;
    kfk__framer_init(&f, max);
    uint8_t hdr[4] = {(uint8_t)((uint32_t)size >> 24), (uint8_t)((uint32_t)size >> 16),
                      (uint8_t)((uint32_t)size >> 8), (uint8_t)size};
    sink_t s = {0};
    char errstr[256] = "";
    kfk__mem_max_alloc_reset();
    kfk_err_t err = kfk__framer_feed(&f, hdr, sizeof hdr, on_frame, &s, errstr, sizeof errstr);
    cr_assert_eq(err, want, "size %d: %s, expected %s", size, kfk_err_name(err),
                 kfk_err_name(want));
    cr_assert_not_null(strstr(errstr, text), "size %d: \"%s\" does not name it (%s)", size, errstr,
                       text);
    cr_assert_eq(s.n, 0);
    cr_assert_null(f.frame, "nothing is allocated for a refused size");
    kfk__framer_free(&f);
}

TestSuite(framer);

Test(framer, delivers_frames_split_at_every_byte_boundary) {
    uint8_t bytes[64];
    size_t n = 0;
    put_frame(bytes, &n, 4, 0x10);
    put_frame(bytes, &n, 13, 0x40);
    put_frame(bytes, &n, 5, 0x80);
    for (size_t cut = 0; cut <= n; cut++) {
        kfk__framer_t f;
        kfk__framer_init(&f, 1000);
        sink_t s = {0};
        char errstr[128] = "";
        cr_assert_eq(kfk__framer_feed(&f, bytes, cut, on_frame, &s, errstr, sizeof errstr), 0);
        cr_assert_eq(
            kfk__framer_feed(&f, bytes + cut, n - cut, on_frame, &s, errstr, sizeof errstr), 0,
            "cut at %zu: %s", cut, errstr);
        cr_assert_eq(s.n, 3, "cut at %zu: %zu frames", cut, s.n);
        expect_frame(&s, 0, 4, 0x10);
        expect_frame(&s, 1, 13, 0x40);
        expect_frame(&s, 2, 5, 0x80);
        cr_assert_eq(kfk__framer_eof(&f, errstr, sizeof errstr), 0);
        sink_free(&s);
        kfk__framer_free(&f);
    }
}

Test(framer, delivers_frames_fed_one_byte_at_a_time) {
    uint8_t bytes[64];
    size_t n = 0;
    put_frame(bytes, &n, 9, 0x01);
    put_frame(bytes, &n, 4, 0x02);
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {0};
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(kfk__framer_feed(&f, bytes + i, 1, on_frame, &s, NULL, 0), 0);
        cr_assert_eq(s.n, i + 1 < 13 ? 0u : i + 1 < n ? 1u : 2u, "after byte %zu", i);
    }
    expect_frame(&s, 0, 9, 0x01);
    expect_frame(&s, 1, 4, 0x02);
    sink_free(&s);
    kfk__framer_free(&f);
}

Test(framer, delivers_several_frames_from_one_read_in_order) {
    uint8_t bytes[256];
    size_t n = 0;
    for (int i = 0; i < 6; i++)
        put_frame(bytes, &n, (uint32_t)(4 + 7 * i), (uint8_t)(i * 31));
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {0};
    cr_assert_eq(kfk__framer_feed(&f, bytes, n, on_frame, &s, NULL, 0), 0);
    cr_assert_eq(s.n, 6);
    for (int i = 0; i < 6; i++)
        expect_frame(&s, (size_t)i, (size_t)(4 + 7 * i), (uint8_t)(i * 31));
    sink_free(&s);
    kfk__framer_free(&f);
}

Test(framer, accepts_the_smallest_and_the_largest_size) {
    uint8_t bytes[64];
    size_t n = 0;
    put_frame(bytes, &n, 4, 0x20);
    put_frame(bytes, &n, 40, 0x30);
    kfk__framer_t f;
    kfk__framer_init(&f, 40);
    sink_t s = {0};
    cr_assert_eq(kfk__framer_feed(&f, bytes, n, on_frame, &s, NULL, 0), 0);
    expect_frame(&s, 0, 4, 0x20);
    expect_frame(&s, 1, 40, 0x30);
    sink_free(&s);
    kfk__framer_free(&f);
}

Test(framer, refuses_a_negative_size_naming_it) {
    expect_size_refused(-1, 1000, KFK_ERR__BAD_MSG, "frame of -1 bytes");
}

Test(framer, refuses_a_zero_size_naming_it) {
    expect_size_refused(0, 1000, KFK_ERR__BAD_MSG, "frame of 0 bytes");
}

Test(framer, refuses_a_size_too_small_for_a_correlation_id) {
    expect_size_refused(3, 1000, KFK_ERR__BAD_MSG, "frame of 3 bytes");
}

Test(framer, refuses_the_largest_int32_size_before_allocating) {
    expect_size_refused(INT32_MAX, 100 * 1024 * 1024, KFK_ERR__FRAME_TOO_LARGE,
                        "frame of 2147483647 bytes refused (receive.message.max.bytes=104857600)");
    cr_assert_lt(kfk__mem_max_alloc_reset(), 1024, "no frame-sized allocation");
}

Test(framer, refuses_one_byte_above_the_max) {
    expect_size_refused(1001, 1000, KFK_ERR__FRAME_TOO_LARGE,
                        "frame of 1001 bytes refused (receive.message.max.bytes=1000)");
}

Test(framer, hints_at_a_tls_alert_read_as_a_size) {
    /* A TLS alert record (0x15 0x03 0x03 ...) where a size was expected. */
    uint8_t alert[7] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {0};
    char errstr[256] = "";
    cr_assert_eq(kfk__framer_feed(&f, alert, sizeof alert, on_frame, &s, errstr, sizeof errstr),
                 KFK_ERR__FRAME_TOO_LARGE);
    cr_assert_not_null(strstr(errstr, "a TLS alert"), "%s", errstr);
    kfk__framer_free(&f);
}

Test(framer, reports_a_frame_truncated_at_eof) {
    uint8_t bytes[32];
    size_t n = 0;
    put_frame(bytes, &n, 20, 0x55);
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {0};
    char errstr[128] = "";
    cr_assert_eq(kfk__framer_eof(&f, errstr, sizeof errstr), KFK_ERR_NONE, "nothing fed yet");
    cr_assert_eq(kfk__framer_feed(&f, bytes, 2, on_frame, &s, NULL, 0), 0);
    cr_assert_eq(kfk__framer_eof(&f, errstr, sizeof errstr), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(errstr, "truncated frame: 2 of a size's 4 bytes");
    cr_assert_eq(kfk__framer_feed(&f, bytes + 2, 11, on_frame, &s, NULL, 0), 0);
    cr_assert_eq(kfk__framer_eof(&f, errstr, sizeof errstr), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(errstr, "truncated frame: 9 of 20 bytes");
    cr_assert_eq(s.n, 0);
    kfk__framer_free(&f); /* frees the partial frame */
}

Test(framer, hands_out_the_unfilled_tail_of_a_large_frame) {
    uint8_t head[4 + 100];
    size_t n = 0;
    put_frame(head, &n, 100, 0x00);
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {0};
    uint8_t *ptr;
    size_t len;
    cr_assert_eq(kfk__framer_tail(&f, 1, &ptr, &len), 0, "no frame started");
    cr_assert_eq(kfk__framer_feed(&f, head, 4 + 30, on_frame, &s, NULL, 0), 0);
    cr_assert_eq(kfk__framer_tail(&f, 71, &ptr, &len), 0, "only 70 bytes left");
    cr_assert_eq(kfk__framer_tail(&f, 70, &ptr, &len), 1);
    cr_assert_eq(len, 70);
    memcpy(ptr, head + 4 + 30, 50); /* a read of 50 bytes into the tail */
    cr_assert_eq(kfk__framer_filled(&f, 50, on_frame, &s), 0);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(kfk__framer_tail(&f, 1, &ptr, &len), 1);
    cr_assert_eq(len, 20);
    memcpy(ptr, head + 4 + 80, 20);
    kfk__framer_filled(&f, 20, on_frame, &s);
    cr_assert_eq(s.n, 1);
    expect_frame(&s, 0, 100, 0x00);
    cr_assert_eq(kfk__framer_tail(&f, 1, &ptr, &len), 0, "the frame was handed over");
    sink_free(&s);
    kfk__framer_free(&f);
}

/* With kfk__framer_crc_blocks on, a frame of KFK__FRAMER_CRC_MIN bytes or more gets the CRC
 * registers of its whole blocks, whichever way its bytes come (fed in odd pieces, read into the
 * tail, both); a smaller one gets none, and none gets them with it off. */
Test(framer, gives_a_large_frame_the_crc_registers_of_its_blocks) {
    if (!kfk__crc32c_blocks(NULL, 0, NULL))
        cr_skip_test("no hardware CRC-32C here: frames get no block registers");
    const uint32_t big = (uint32_t)KFK__FRAMER_CRC_MIN + 3 * KFK__CRC_BLOCK + 77;
    const uint32_t small = (uint32_t)KFK__FRAMER_CRC_MIN - 1;
    size_t cap = 3 * (4 + (size_t)big) + 1000 + 4 + small, n = 0;
    uint8_t *wire = malloc(cap);
    put_frame(wire, &n, big, 0x11);
    put_frame(wire, &n, small, 0x22);
    put_frame(wire, &n, big, 0x33);
    put_frame(wire, &n, big + 1000, 0x44);
    const size_t pieces[] = {1, 7, 1000, 1024, 4099, 65536, 100000};
    for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
        kfk__framer_t f;
        kfk__framer_init(&f, 1 << 20);
        kfk__framer_crc_blocks(&f, 1);
        sink_t s = {0};
        s.f = &f;
        size_t at = 0, turn = 0;
        while (at < n) {
            uint8_t *ptr;
            size_t left, step = pieces[(k + turn++) % (sizeof pieces / sizeof *pieces)];
            if (turn % 2 && kfk__framer_tail(&f, 1, &ptr, &left)) {
                size_t take = step < left ? step : left; /* a read into the tail */
                memcpy(ptr, wire + at, take);
                at += take;
                kfk__framer_filled(&f, take, on_frame, &s);
            } else {
                size_t take = step < n - at ? step : n - at;
                cr_assert_eq(kfk__framer_feed(&f, wire + at, take, on_frame, &s, NULL, 0), 0);
                at += take;
            }
        }
        cr_assert_eq(s.n, 4, "pieces from %zu: %zu frames", pieces[k], s.n);
        expect_frame(&s, 0, big, 0x11);
        expect_frame(&s, 1, small, 0x22);
        expect_frame(&s, 3, big + 1000, 0x44);
        cr_assert_eq(s.with_blocks, 3, "pieces from %zu: %zu frames with registers", pieces[k],
                     s.with_blocks);
        sink_free(&s);
        kfk__framer_free(&f);
    }
    /* Off (a framer of a reader with no CRC check): no registers. */
    kfk__framer_t f;
    kfk__framer_init(&f, 1 << 20);
    sink_t s = {0};
    s.f = &f;
    cr_assert_eq(kfk__framer_feed(&f, wire, n, on_frame, &s, NULL, 0), 0);
    cr_assert_eq(s.n, 4);
    cr_assert_eq(s.with_blocks, 0);
    sink_free(&s);
    kfk__framer_free(&f);
    free(wire);
}

Test(framer, stops_feeding_when_the_callback_says_so) {
    uint8_t bytes[64];
    size_t n = 0;
    put_frame(bytes, &n, 4, 0x01);
    put_frame(bytes, &n, 4, 0x02);
    put_frame(bytes, &n, 4, 0x03);
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {.stop_after = 1};
    cr_assert_eq(kfk__framer_feed(&f, bytes, n, on_frame, &s, NULL, 0), 0);
    cr_assert_eq(s.n, 1, "the frames after a stop are not delivered");
    sink_free(&s);
    kfk__framer_free(&f);
}

Test(framer, reports_no_memory_for_a_frame) {
    uint8_t bytes[16];
    size_t n = 0;
    put_frame(bytes, &n, 8, 0x01);
    kfk__framer_t f;
    kfk__framer_init(&f, 1000);
    sink_t s = {0};
    char errstr[128] = "";
    kfk__mem_fail_after(0);
    kfk_err_t err = kfk__framer_feed(&f, bytes, n, on_frame, &s, errstr, sizeof errstr);
    kfk__mem_fail_after(-1);
    cr_assert_eq(err, KFK_ERR__NOMEM);
    cr_assert_str_eq(errstr, "no memory for a 8 byte frame");
    cr_assert_eq(s.n, 0);
    kfk__framer_free(&f);
}
