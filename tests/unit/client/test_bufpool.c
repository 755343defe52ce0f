/*
 * test_bufpool.c: the spare buffers of the producer's batches and of the consumer's inflated
 * records (client/core/bufpool.h): a buffer put back
 * comes out again with its capacity and no bytes, the largest first; the pool never holds more
 * than its slots or its byte bound (what does not fit is freed, the smaller ones first); buffers
 * with an error or spliced segments are never kept; a pooled chunk's memory goes back to its pool
 * with its last reference, not before. ASan (scripts/test) checks that nothing
 * leaks or is freed twice.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "client/consumer/parts.h"
#include "client/core/bufpool.h"
#include "kfk/protocol.h"

static void filled(kfk_wbuf_t *w, size_t cap) {
    kfk_wbuf_init(w);
    cr_assert_eq(kfk_wbuf_grow(w, cap), KFK_ERR_NONE);
    memset(kfk_wbuf_extend(w, 10), 'x', 10);
}

Test(bufpool, a_buffer_put_back_comes_out_empty_with_its_capacity) {
    kfk__bufpool_t bp;
    kfk__bufpool_init(&bp, 1 << 20);
    kfk_wbuf_t w;
    filled(&w, 4096);
    size_t cap = w.cap;
    uint8_t *data = w.data;
    kfk__bufpool_put(&bp, &w);
    cr_assert_null(w.data, "the buffer given back is left empty");
    cr_assert_eq(bp.n, 1);
    cr_assert_eq(bp.bytes, cap);
    kfk_wbuf_t v;
    kfk__bufpool_get(&bp, &v);
    cr_assert_eq(v.data, data);
    cr_assert_eq(v.cap, cap);
    cr_assert_eq(v.len, 0);
    cr_assert_eq(bp.n, 0);
    cr_assert_eq(bp.bytes, 0);
    kfk__bufpool_get(&bp, &w);
    cr_assert_null(w.data, "an empty pool gives an empty buffer");
    kfk_wbuf_free(&v);
}

Test(bufpool, the_largest_comes_out_first) {
    kfk__bufpool_t bp;
    kfk__bufpool_init(&bp, 1 << 20);
    size_t caps[3] = {1024, 65536, 8192};
    for (int i = 0; i < 3; i++) {
        kfk_wbuf_t w;
        filled(&w, caps[i]);
        kfk__bufpool_put(&bp, &w);
    }
    size_t last = SIZE_MAX;
    for (int i = 0; i < 3; i++) {
        kfk_wbuf_t w;
        kfk__bufpool_get(&bp, &w);
        cr_assert_not_null(w.data);
        cr_assert_leq(w.cap, last, "capacities come out largest first");
        last = w.cap;
        kfk_wbuf_free(&w);
    }
    cr_assert_eq(bp.bytes, 0);
}

Test(bufpool, it_holds_no_more_than_its_slots_and_bytes_keeping_the_larger) {
    kfk__bufpool_t bp;
    kfk__bufpool_init(&bp, (size_t)4 << 20); /* the slots bind first */
    for (int i = 0; i < 3 * KFK__BUFPOOL_SLOTS; i++) {
        kfk_wbuf_t w;
        filled(&w, (size_t)1000 + (size_t)i * 100);
        kfk__bufpool_put(&bp, &w);
        cr_assert_null(w.data);
        cr_assert_leq(bp.n, KFK__BUFPOOL_SLOTS);
        cr_assert_leq(bp.bytes, bp.max_bytes);
    }
    cr_assert_eq(bp.n, KFK__BUFPOOL_SLOTS);
    for (int i = 0; i < bp.n; i++)
        cr_assert_geq(bp.cap[i], (size_t)1000 + (size_t)(2 * KFK__BUFPOOL_SLOTS) * 100,
                      "slot %d holds %zu bytes: a smaller buffer was kept over a larger one", i,
                      bp.cap[i]);
    kfk_wbuf_t big;
    filled(&big, (size_t)5 << 20);
    kfk__bufpool_put(&bp, &big);
    cr_assert_null(big.data);
    cr_assert_leq(bp.bytes, bp.max_bytes, "a buffer above the bound is freed, not kept");
    kfk__bufpool_clear(&bp);
    cr_assert_eq(bp.n, 0);
    cr_assert_eq(bp.bytes, 0);
}

Test(bufpool, a_buffer_with_an_error_or_segments_is_not_kept) {
    kfk__bufpool_t bp;
    kfk__bufpool_init(&bp, 1 << 20);
    kfk_wbuf_t w;
    filled(&w, 4096);
    w.err = KFK_ERR__INVALID_ARG;
    kfk__bufpool_put(&bp, &w);
    cr_assert_eq(bp.n, 0);
    filled(&w, 4096);
    static const uint8_t big[256];
    kfk_wbuf_splice(&w, big, sizeof big);
    cr_assert_gt(w.nsegs, 0, "the bytes were spliced");
    kfk__bufpool_put(&bp, &w);
    cr_assert_eq(bp.n, 0);
    cr_assert_null(w.data);
}

Test(bufpool, a_pooled_chunk_goes_back_to_its_pool_with_its_last_reference) {
    kfk__bufpool_t bp;
    kfk__bufpool_init(&bp, 1 << 20);
    kfk_wbuf_t w;
    filled(&w, 8192);
    uint8_t *mem = w.data;
    size_t cap = w.cap;
    kfk__chunk_t *ch = kfk__chunk_new_pooled(w.data, w.cap, &bp);
    cr_assert_not_null(ch);
    kfk__chunk_ref(ch); /* a batch holds it too */
    kfk__chunk_unref(ch);
    cr_assert_eq(bp.n, 0, "still referenced: not back yet");
    kfk__chunk_unref(ch);
    cr_assert_eq(bp.n, 1);
    kfk_wbuf_t again;
    kfk__bufpool_get(&bp, &again);
    cr_assert_eq(again.data, mem, "the same memory comes out again");
    cr_assert_eq(again.cap, cap);
    cr_assert_eq(again.len, 0);
    kfk_wbuf_free(&again);
    /* Without a pool, the memory is freed (ASan reports a leak otherwise). */
    filled(&w, 4096);
    ch = kfk__chunk_new(w.data);
    cr_assert_not_null(ch);
    kfk__chunk_unref(ch);
    kfk__bufpool_clear(&bp);
}
