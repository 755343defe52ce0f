/*
 * test_records_txn.c: the read_committed filter (kfk_txn_filter_*): aborted transactions of
 * interleaved producers, markers, the Fetch response's own aborted-transaction array, and
 * transactions that start inside a batch.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "codec_check.h"

#define B(s) ((kfk_bytes_t){(const uint8_t *)(s), (int32_t)(sizeof(s) - 1)})

/* Appends a transactional batch (or marker) of producer pid at base offset to w. */
static void txn_batch(kfk_wbuf_t *w, int64_t base, int64_t pid, int records, int control_type) {
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.producer_id = pid;
    a.producer_epoch = 0;
    a.base_sequence = 0;
    a.transactional = pid >= 0;
    if (control_type >= 0) {
        uint8_t key[4] = {0, 0, 0, (uint8_t)control_type};
        uint8_t value[6] = {0, 0, 0, 0, 0, 1};
        cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){key, 4},
                                                     (kfk_bytes_t){value, 6}, NULL, 0, base),
                     0);
        a.control = true;
    } else {
        for (int i = 0; i < records; i++)
            cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, base), 0);
    }
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
    cc_put64(w->data + b.start, (uint64_t)base);
}

/* Runs the filter over w's batches; returns the skip decisions as a string of 0/1. */
static void run_filter(const kfk_wbuf_t *w, kfk_txn_filter_t *f, char *out) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, w->data, w->len);
    kfk_record_batch_t batch;
    int i = 0;
    while (kfk_record_batch_next(&r, &batch)) {
        bool skip;
        cr_assert_eq(kfk_txn_filter_check(f, &batch, &skip), 0);
        out[i++] = skip ? '1' : '0';
    }
    out[i] = 0;
    cr_assert_eq(r.err, 0);
}

#define ABORT 0
#define COMMIT 1

Test(records_txn, filter_skips_aborted_transactions_of_interleaved_producers) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    txn_batch(&w, 0, 1, 2, -1);      /* p1 txn A (aborted)                  -> skip */
    txn_batch(&w, 2, 2, 1, -1);      /* p2 txn (committed)                  -> keep */
    txn_batch(&w, 3, -1, 3, -1);     /* plain, non-transactional            -> keep */
    txn_batch(&w, 6, 3, 1, -1);      /* p3 txn (aborted, starts at 6)       -> skip */
    txn_batch(&w, 7, 1, 1, -1);      /* p1 txn A again                      -> skip */
    txn_batch(&w, 8, 1, 0, ABORT);   /* p1 ABORT marker                     -> skip */
    txn_batch(&w, 9, 2, 0, COMMIT);  /* p2 COMMIT marker                    -> skip */
    txn_batch(&w, 10, 1, 2, -1);     /* p1 txn B (committed)                -> keep */
    txn_batch(&w, 12, 3, 1, -1);     /* p3 still aborted                    -> skip */
    txn_batch(&w, 13, 3, 0, ABORT);  /* p3 ABORT                            -> skip */
    txn_batch(&w, 14, 1, 0, COMMIT); /* p1 COMMIT                           -> skip */
    txn_batch(&w, 15, 2, 1, -1);     /* p2 txn (aborted, starts at 15)      -> skip */
    txn_batch(&w, 16, 2, 0, ABORT);  /* p2 ABORT                            -> skip */
    txn_batch(&w, 17, 3, 1, -1);     /* p3 new txn, committed later         -> keep */
    /* Out of order, as a broker may list them. */
    kfk_aborted_txn_t aborted[] = {{2, 15}, {3, 6}, {1, 0}};
    kfk_txn_filter_t f;
    cr_assert_eq(kfk_txn_filter_init(&f, aborted, 3, sizeof aborted[0]), 0);
    char got[32];
    run_filter(&w, &f, got);
    cr_assert_str_eq(got, "10011110111110");
    kfk_txn_filter_free(&f);
    kfk_txn_filter_free(&f);

    /* With no aborted transactions only the markers are skipped. */
    cr_assert_eq(kfk_txn_filter_init(&f, NULL, 0, sizeof aborted[0]), 0);
    run_filter(&w, &f, got);
    cr_assert_str_eq(got, "00000110011010");
    kfk_txn_filter_free(&f);
    kfk_wbuf_free(&w);
}

Test(records_txn, filter_reads_the_fetch_responses_own_array) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    txn_batch(&w, 100, 5, 3, -1);
    txn_batch(&w, 103, 5, 0, ABORT);
    txn_batch(&w, 104, 5, 3, -1);
    kfk_fetch_response_aborted_transaction_t list[2];
    memset(list, 0, sizeof list);
    list[0].producer_id = 5;
    list[0].first_offset = 100;
    list[1].producer_id = 77;
    list[1].first_offset = 0;
    kfk_txn_filter_t f;
    cr_assert_eq(kfk_txn_filter_init(&f, list, 2, sizeof list[0]), 0);
    char got[8];
    run_filter(&w, &f, got);
    cr_assert_str_eq(got, "110");
    kfk_txn_filter_free(&f);
    cr_assert_eq(kfk_txn_filter_init(&f, list, 2, 8), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_txn_filter_init(&f, NULL, 2, 16), KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&w);
}

Test(records_txn, filter_waits_for_the_aborted_transactions_first_offset) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    txn_batch(&w, 0, 4, 5, -1);     /* offsets 0-4: before the aborted txn -> keep */
    txn_batch(&w, 5, 4, 0, COMMIT); /* marker                               -> skip */
    txn_batch(&w, 6, 4, 2, -1);     /* 6-7: last offset 7 >= 7              -> skip */
    txn_batch(&w, 8, 4, 0, ABORT);  /* marker                               -> skip */
    txn_batch(&w, 9, 4, 1, -1);     /* next txn                             -> keep */
    kfk_aborted_txn_t aborted[] = {{4, 7}};
    kfk_txn_filter_t f;
    cr_assert_eq(kfk_txn_filter_init(&f, aborted, 1, sizeof aborted[0]), 0);
    char got[8];
    run_filter(&w, &f, got);
    cr_assert_str_eq(got, "01110");
    kfk_txn_filter_free(&f);
    kfk_wbuf_free(&w);
}
