/*
 * test_producer_delivery.c: kfk_producer_t against the real broker (issue 6): 100k records of
 * 1000 keys (nothing lost, no duplicates, per-key order, offsets as reported), order on a
 * brand-new topic whose first batches are refused, acks 0/1/all, and every codec read back by
 * kcat. Assertions are on data read back by a peer (kcat, and a raw Fetch decoded with kfk's
 * RecordBatch reader for the batch attributes). Helpers: producer_kit.h. Part of
 * integration_producer, registered COMPAT (Kafka 4.3.1 and 3.9.x); every test ends with
 * uv_loop_close() == 0. KFK_TEST_DEBUG=producer,broker prints the producers' debug log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "kfk/kfk.h"
#include "producer_kit.h"

/* ==== 100k records, order, nothing lost, no duplicates
 * ============================================ */

Test(producer, keeps_per_key_order_over_100k_records_of_1000_keys, .timeout = 90) {
    enum { N = 100000, KEYS = 1000, PARTS = 8 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "order", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p = pk_producer(&loop, NULL); /* defaults: acks=all, idempotent, linger 5 */
    sent_t *s = calloc(N, sizeof *s);
    int *next_seq = calloc(KEYS, sizeof *next_seq);
    uint32_t x = 2463534242u;
    uint64_t t0 = uv_hrtime();
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int k = (int)(x % KEYS);
        char key[16], val[64];
        int kl = snprintf(key, sizeof key, "key-%04d", k);
        int vl = snprintf(val, sizeof val, "%04d:%06d:%06d", k, next_seq[k]++, i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 60000);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    pk_close_all(&loop, p, -1, &t);
    char eb[256];
    fprintf(stderr, "100k records produced and reported in %.2f s (%.0f records/s)\n", secs,
            N / secs);
    cr_assert_eq(t.reports, (size_t)N, "%zu reports", t.reports);
    cr_assert_eq(t.dup, 0);
    cr_assert_eq(t.ok, (size_t)N, "failures: %s", pk_errs_str(&t, eb, sizeof eb));

    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N, "read back %zu records of %d", r.n, N);
    char *seen = calloc(N, 1);
    int *last_seq = malloc(KEYS * sizeof *last_seq);
    for (int k = 0; k < KEYS; k++)
        last_seq[k] = -1;
    int64_t last_off[PARTS];
    for (int i = 0; i < PARTS; i++)
        last_off[i] = -1;
    for (size_t j = 0; j < r.n; j++) {
        row_t *w = &r.v[j];
        int k, seq, i;
        cr_assert_eq(sscanf(w->val, "%d:%d:%d", &k, &seq, &i), 3, "value %s", w->val);
        cr_assert(k >= 0 && k < KEYS && i >= 0 && i < N);
        char key[16];
        snprintf(key, sizeof key, "key-%04d", k);
        cr_assert_str_eq(w->key, key);
        cr_assert_eq(seen[i], 0, "record %d read twice", i);
        seen[i] = 1;
        cr_assert_eq(seq, last_seq[k] + 1, "key %d: sequence %d after %d", k, seq, last_seq[k]);
        last_seq[k] = seq;
        cr_assert(w->partition >= 0 && w->partition < PARTS);
        cr_assert_gt(w->offset, last_off[w->partition]);
        last_off[w->partition] = w->offset;
        cr_assert_eq(w->partition, kfk_murmur2_partition(key, strlen(key), PARTS));
        cr_assert_eq(w->partition, s[i].partition, "record %d: reported partition %d, read %d", i,
                     s[i].partition, w->partition);
        cr_assert_eq(w->offset, s[i].offset, "record %d: reported offset %lld, read %lld", i,
                     (long long)s[i].offset, (long long)w->offset);
    }
    for (int k = 0; k < KEYS; k++)
        cr_assert_eq(last_seq[k] + 1, next_seq[k], "key %d: %d of %d read", k, last_seq[k] + 1,
                     next_seq[k]);

    /* On the wire: idempotent batches, one producer id, sequences contiguous per partition. */
    batch_info_t *bi = malloc(20000 * sizeof *bi);
    int64_t pid = -2;
    size_t batches = 0;
    for (int32_t part = 0; part < PARTS; part++) {
        size_t nb = pk_fetch_batches(topic, part, bi, 20000);
        cr_assert_leq(nb, 20000);
        int32_t seq = 0;
        for (size_t b = 0; b < nb; b++) {
            if (pid == -2)
                pid = bi[b].producer_id;
            cr_assert_geq(bi[b].producer_id, 0, "batch without a producer id");
            cr_assert_eq(bi[b].producer_id, pid);
            cr_assert_eq(bi[b].base_sequence, seq, "partition %d batch %zu: sequence %d, want %d",
                         part, b, bi[b].base_sequence, seq);
            seq += bi[b].records;
        }
        batches += nb;
    }
    fprintf(stderr, "%zu batches on the wire (%.0f records per batch)\n", batches,
            (double)N / (double)batches);
    free(bi);
    free(seen);
    free(last_seq);
    free(next_seq);
    free(s);
    pk_rows_free(&r);
}

/* A topic used the moment CreateTopics answers: the first Produce requests to a partition may
 * get NOT_LEADER_OR_FOLLOWER while later batches of the same partition, already in flight, are
 * accepted (the broker takes any first sequence from a producer it does not know yet). The
 * retried batch must not land after them: per-partition order is what idempotence promises. */
Test(producer, keeps_order_on_a_new_topic_whose_first_batches_are_refused, .timeout = 60) {
    enum { N = 20000, KEYS = 100, PARTS = 8, ROUNDS = 5 };
    int reordered_rounds = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char topic[96];
        pk_topic_create_ex(topic, sizeof topic, "fresh", PARTS, NULL, 0);
        uv_loop_t loop;
        uv_loop_init(&loop);
        tally_t t = {0};
        kfk_producer_t *p = pk_producer(&loop, (const char *[]){"batch.size", "2048", NULL});
        sent_t *s = calloc(N, sizeof *s);
        for (int i = 0; i < N; i++) {
            char key[16], val[16];
            int kl = snprintf(key, sizeof key, "k%d", i % KEYS);
            int vl = snprintf(val, sizeof val, "%d", i);
            kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)vl, NULL, 0,
                                0};
            s[i].t = &t;
            pk_send_wait(&loop, p, &rec, &s[i]);
        }
        pk_flush_wait(&loop, p, &t, 40000);
        pk_close_all(&loop, p, -1, &t);
        char eb[256];
        cr_assert_eq(t.ok, (size_t)N, "round %d: %s", round, pk_errs_str(&t, eb, sizeof eb));
        rows_t r = pk_kcat_read(topic);
        cr_assert_eq(r.n, (size_t)N, "round %d: read back %zu", round, r.n);
        int last[PARTS], inversions = 0, first_bad = -1;
        for (int i = 0; i < PARTS; i++)
            last[i] = -1;
        for (size_t j = 0; j < r.n; j++) {
            int i = atoi(r.v[j].val);
            if (i < last[r.v[j].partition] && inversions++ == 0)
                first_bad = i;
            if (i > last[r.v[j].partition])
                last[r.v[j].partition] = i;
        }
        if (inversions) {
            reordered_rounds++;
            fprintf(stderr,
                    "round %d: %d records read back after later records of their partition "
                    "(first: record %d, partition %d, reported offset %lld)\n",
                    round, inversions, first_bad, s[first_bad].partition,
                    (long long)s[first_bad].offset);
        }
        pk_rows_free(&r);
        free(s);
    }
    cr_assert_eq(reordered_rounds, 0, "%d of %d rounds wrote a partition out of send order",
                 reordered_rounds, ROUNDS);
}

/* ==== acks =======================================================================================
 */

static void acks_case(const char *acks) {
    enum { N = 10000, PARTS = 3 };
    char topic[96];
    char tag[16];
    snprintf(tag, sizeof tag, "acks%s", acks);
    pk_topic_create(topic, sizeof topic, tag, PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    int warm = 0;
    if (!strcmp(acks, "0")) {
        /* acks=0 gets no answer: a Produce refused by a partition whose leader is not ready
         * yet (just after CreateTopics) loses its records silently. One acknowledged record
         * per partition first ("warm", skipped below) makes every partition ready. */
        tally_t wt = {0};
        kfk_producer_t *wp = pk_producer(&loop, (const char *[]){"acks", "all", NULL});
        sent_t ws[PARTS];
        memset(ws, 0, sizeof ws);
        for (int i = 0; i < PARTS; i++) {
            kfk_record_t rec = {topic, i, NULL, 0, "warm", 4, NULL, 0, 0};
            ws[i].t = &wt;
            pk_send_wait(&loop, wp, &rec, &ws[i]);
        }
        pk_flush_wait(&loop, wp, &wt, 30000);
        pk_close_all(&loop, wp, -1, &wt); /* (closes the loop too) */
        cr_assert_eq(wt.ok, (size_t)PARTS, "warm-up records");
        warm = PARTS;
        uv_loop_init(&loop);
    }
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"acks", acks, NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char key[16], val[16];
        int kl = snprintf(key, sizeof key, "k%d", i % 97);
        int vl = snprintf(val, sizeof val, "%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.reports, (size_t)N, "acks=%s: %zu reports", acks, t.reports);
    cr_assert_eq(t.dup, 0);
    cr_assert_eq(t.ok, (size_t)N, "acks=%s: %s", acks, pk_errs_str(&t, eb, sizeof eb));
    for (int i = 0; i < N; i++) {
        if (!strcmp(acks, "0"))
            cr_assert_eq(s[i].offset, -1, "acks=0 cannot know an offset");
        else
            cr_assert_geq(s[i].offset, 0, "acks=%s: record %d without an offset", acks, i);
        cr_assert(s[i].partition >= 0 && s[i].partition < PARTS);
    }
    /* acks=0: "delivered" means written to the socket; the broker may still be appending. */
    rows_t r = pk_kcat_read(topic);
    for (int tries = 0; r.n < (size_t)(N + warm) && !strcmp(acks, "0") && tries < 50; tries++) {
        pk_rows_free(&r);
        usleep(200000);
        r = pk_kcat_read(topic);
    }
    cr_assert_eq(r.n, (size_t)(N + warm), "acks=%s: read back %zu of %d", acks, r.n, N + warm);
    char *seen = calloc(N, 1);
    for (size_t j = 0; j < r.n; j++) {
        if (warm && !strcmp(r.v[j].val, "warm"))
            continue;
        int i = atoi(r.v[j].val);
        cr_assert(i >= 0 && i < N && !seen[i], "acks=%s: record %d twice", acks, i);
        seen[i] = 1;
        cr_assert_eq(r.v[j].partition, s[i].partition);
        if (strcmp(acks, "0"))
            cr_assert_eq(r.v[j].offset, s[i].offset);
    }
    free(seen);
    free(s);
    pk_rows_free(&r);
}

Test(producer, acks_0_reports_every_record_without_offsets, .timeout = 60) {
    acks_case("0");
}

Test(producer, acks_1_reports_every_record_with_its_offset, .timeout = 60) {
    acks_case("1");
}

Test(producer, acks_all_reports_every_record_with_its_offset, .timeout = 60) {
    acks_case("all");
}

/* ==== compression
 * ================================================================================= */

static void codec_case(const char *codec, kfk_codec_t want) {
    enum { N = 3000 };
    cr_assert(kfk_codec_available(want), "%s not built", codec);
    char topic[96];
    pk_topic_create(topic, sizeof topic, codec, 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"compression.type", codec, NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char key[32], val[256], hv[32];
        int kl = snprintf(key, sizeof key, "key-%d", i);
        int vl = snprintf(val, sizeof val,
                          "value-%d-the quick brown fox jumps over the lazy dog, "
                          "the quick brown fox jumps over the lazy dog %d",
                          i, i % 7);
        int hl = snprintf(hv, sizeof hv, "id-%d", i);
        kfk_header_t hs[3] = {
            {"trace", hv, (size_t)hl}, {"codec", codec, strlen(codec)}, {"empty", "", 0}};
        kfk_record_t rec = {topic, 0, key, (size_t)kl, val, (size_t)vl, hs, 3, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.ok, (size_t)N, "%s: %s", codec, pk_errs_str(&t, eb, sizeof eb));
    cr_assert_eq(t.dup, 0);

    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N, "%s: kcat read %zu of %d", codec, r.n, N);
    for (size_t j = 0; j < r.n; j++) {
        char key[32], val[256], hdrs[128];
        snprintf(key, sizeof key, "key-%zu", j);
        snprintf(val, sizeof val,
                 "value-%zu-the quick brown fox jumps over the lazy dog, "
                 "the quick brown fox jumps over the lazy dog %zu",
                 j, j % 7);
        snprintf(hdrs, sizeof hdrs, "trace=id-%zu,codec=%s,empty=", j, codec);
        cr_assert_eq(r.v[j].offset, (int64_t)j);
        cr_assert_str_eq(r.v[j].key, key, "%s", codec);
        cr_assert_str_eq(r.v[j].val, val, "%s", codec);
        cr_assert_str_eq(r.v[j].hdrs, hdrs, "%s", codec);
    }
    pk_rows_free(&r);
    batch_info_t bi[4096];
    size_t nb = pk_fetch_batches(topic, 0, bi, 4096);
    cr_assert_gt(nb, 0);
    int32_t total = 0;
    for (size_t b = 0; b < nb && b < 4096; b++) {
        cr_assert_eq(bi[b].codec, want, "%s: batch %zu has codec %s", codec, b,
                     kfk_codec_name(bi[b].codec));
        total += bi[b].records;
    }
    cr_assert_eq(total, N);
    fprintf(stderr, "%s: %d records in %zu batches, read back by kcat\n", codec, N, nb);
    free(s);
}

Test(producer, gzip_batches_are_read_back_by_kcat, .timeout = 60) {
    codec_case("gzip", KFK_CODEC_GZIP);
}

Test(producer, snappy_batches_are_read_back_by_kcat, .timeout = 60) {
    codec_case("snappy", KFK_CODEC_SNAPPY);
}

Test(producer, lz4_batches_are_read_back_by_kcat, .timeout = 60) {
    codec_case("lz4", KFK_CODEC_LZ4);
}

Test(producer, zstd_batches_are_read_back_by_kcat, .timeout = 60) {
    codec_case("zstd", KFK_CODEC_ZSTD);
}
