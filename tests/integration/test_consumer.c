/*
 * test_consumer.c: kfk_consumer_t against the real broker (issue 7), with manual assignment.
 * Assertions are on the records received (checked against what the producer reported or what
 * a peer wrote) and on the offsets Kafka holds as committed (a raw OffsetFetch, and Kafka's own
 * ConsumerGroupCommand).
 *
 * Covered: 100k keyed records written by kfk's producer read back from the beginning (nothing
 * missing, nothing twice, order per partition); topics written by kcat with each codec (keys,
 * values, headers); read_committed and read_uncommitted against Java's transactional producer
 * (aborted transactions, control records, an open transaction holding back the last stable
 * offset); batch.size and batch.timeout.ms; kfk_batch_done late, out of order and with an
 * error (redelivery); the commit watermark; typed batches with a decoder that fails on one
 * record; kfk_message_msgpack; seek; pause/resume; auto.offset.reset earliest/latest/error;
 * close with a batch outstanding; re-assignment with a commit in flight. Registered COMPAT:
 * it runs against Kafka 4.3.1 and 3.9.x. Every test ends with uv_loop_close() == 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <msgpack.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"
#include "statsdoc.h"

static const char *bs(void) {
    return kt_env_required("BOOTSTRAP");
}

/* Runs what is left on @p loop and checks that nothing stays on it. */
static void loop_finish(uv_loop_t *loop) {
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(loop), 0, "handles left on the loop");
}

static void assign_all(kfk_consumer_t *c, const char *topic, int32_t nparts, int64_t offset) {
    kfk_topic_partition_t tp[64];
    cr_assert_leq(nparts, 64);
    for (int32_t p = 0; p < nparts; p++)
        tp[p] = (kfk_topic_partition_t){topic, p, offset};
    cr_assert_eq(kfk_consumer_assign(c, tp, (size_t)nparts), 0);
}

static void unique_group(char *g, size_t cap, const char *tag) {
    static unsigned n;
    snprintf(g, cap, "kfk-cg-%s-%d-%u-%u", tag, (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000), n++);
}

/* ---- copies of records (for checks of keys, values and headers) ---------------------------- */

typedef struct copy {
    int32_t partition;
    int64_t offset;
    uint32_t batch;
    int32_t klen, vlen;
    char *key, *val; /* NUL-terminated copies; NULL when null */
    char hdrs[256];  /* "name=value;" per header, "name=(null);" for a null value */
    double at_ms;
} copy_t;

typedef struct copies {
    copy_t *v;
    size_t n, cap;
} copies_t;

static char *dup_bytes(const void *p, int32_t len) {
    if (!p || len < 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    memcpy(s, p, (size_t)len);
    s[len] = 0;
    return s;
}

static void copies_add(copies_t *cs, const kfk_message_t *m, uint32_t batch) {
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? 2 * cs->cap : 1024;
        cs->v = realloc(cs->v, cs->cap * sizeof *cs->v);
    }
    copy_t *c = &cs->v[cs->n++];
    memset(c, 0, sizeof *c);
    c->partition = m->partition;
    c->offset = m->offset;
    c->batch = batch;
    c->klen = m->key_len;
    c->vlen = m->value_len;
    c->key = dup_bytes(m->key, m->key_len);
    c->val = dup_bytes(m->value, m->value_len);
    c->at_ms = ck_now_ms();
    kfk_record_header_iter_t it;
    kfk_record_header_t h;
    size_t off = 0;
    kfk_message_header_iter(m, &it);
    while (kfk_record_header_iter_next(&it, &h) && off < sizeof c->hdrs) {
        if (h.value.len < 0)
            off += (size_t)snprintf(c->hdrs + off, sizeof c->hdrs - off, "%.*s=(null);", h.key.len,
                                    h.key.ptr);
        else
            off += (size_t)snprintf(c->hdrs + off, sizeof c->hdrs - off, "%.*s=%.*s;", h.key.len,
                                    h.key.ptr, h.value.len, (const char *)h.value.ptr);
    }
}

static void copies_free(copies_t *cs) {
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->v[i].key);
        free(cs->v[i].val);
    }
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}

static int copy_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    copies_t *cs = k->user;
    for (size_t i = 0; i < kfk_batch_count(b); i++)
        copies_add(cs, kfk_batch_message(b, i), no);
    return 0;
}

/* ==== 100k records: nothing missing, nothing twice, order per partition ====================== */

typedef struct {
    size_t bad_keys;
    char first_bad[96];
} keycheck_t;

static int key_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    keycheck_t *kc = k->user;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        int64_t idx = ck_value_index(m->value, m->value_len);
        char want[32];
        int wl = snprintf(want, sizeof want, "key-%lld", (long long)(idx % 1000));
        if (idx < 0 || m->key_len != wl || memcmp(m->key, want, (size_t)wl) != 0) {
            if (!kc->bad_keys++)
                snprintf(kc->first_bad, sizeof kc->first_bad, "offset %lld: key %.*s, want %s",
                         (long long)m->offset, m->key_len > 0 ? (int)m->key_len : 0,
                         m->key_len > 0 ? (const char *)m->key : "", want);
        }
    }
    return 0;
}

Test(consumer, reads_back_100k_keyed_records_once_each_in_partition_order, .timeout = 150) {
    enum { N = 100000, PARTS = 6, KEYS = 1000 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "100k", PARTS, 1, NULL);
    ck_pos_t *pos = ck_produce(bs(), topic, N, KEYS, 0, 0, "v");
    int64_t end[PARTS];
    ck_end_offsets(pos, N, PARTS, end);

    uv_loop_t loop;
    uv_loop_init(&loop);
    keycheck_t kc = {0};
    ck_cons_t k = {.hook = key_hook, .user = &kc};
    ck_cons_init(&k, &loop, ck_conf(bs(), (const char *[]){"batch.size", "500", NULL}));
    assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    double t0 = ck_now_ms();
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 90000);
    double secs = (ck_now_ms() - t0) / 1e3;
    ck_run_for(&loop, 500); /* nothing more may come */
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    fprintf(stderr, "100k records read back in %.2f s (%.0f records/s) in %zu batches (max %zu)\n",
            secs, N / secs, k.nb, k.max_batch);

    cr_assert_eq(k.n, (size_t)N, "received %zu records of %d", k.n, N);
    cr_assert_eq(kc.bad_keys, 0, "%zu wrong keys, first: %s", kc.bad_keys, kc.first_bad);
    cr_assert_leq(k.max_batch, 500);
    char *seen = calloc(N, 1);
    int64_t next[PARTS] = {0};
    for (size_t i = 0; i < k.n; i++) {
        ck_msg_t *m = &k.msgs[i];
        cr_assert(m->idx >= 0 && m->idx < N, "record %zu: bad value", i);
        cr_assert_eq(seen[m->idx], 0, "record %lld received twice", (long long)m->idx);
        seen[m->idx] = 1;
        cr_assert_eq(m->partition, pos[m->idx].partition,
                     "record %lld: partition %d, written to %d", (long long)m->idx, m->partition,
                     pos[m->idx].partition);
        cr_assert_eq(m->offset, pos[m->idx].offset, "record %lld: offset %lld, written at %lld",
                     (long long)m->idx, (long long)m->offset, (long long)pos[m->idx].offset);
        cr_assert_eq(m->offset, next[m->partition], "partition %d: offset %lld after %lld",
                     m->partition, (long long)m->offset, (long long)next[m->partition] - 1);
        next[m->partition]++;
    }
    for (int p = 0; p < PARTS; p++)
        cr_assert_eq(next[p], end[p], "partition %d: read up to %lld of %lld", p,
                     (long long)next[p], (long long)end[p]);
    free(seen);
    free(pos);
    ck_cons_free(&k);
}

/* ==== compressed topics written by kcat ========================================================
 */

static void kcat_codec_case(const char *codec, kfk_codec_t want) {
    enum { N = 2000, PARTS = 2 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, codec, PARTS, 1, NULL);
    char path[128];
    snprintf(path, sizeof path, "/tmp/kfk-ct-%d-%s.txt", (int)getpid(), codec);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < N; i++)
        fprintf(f, "key-%d\tvalue-%d-the quick brown fox jumps over the lazy dog %d\n", i, i,
                i % 7);
    fclose(f);
    int st = ck_sh("kcat -P -b '%s' -t '%s' -z %s -K '\\t' -H h1=one -H h2=two "
                   "-X linger.ms=100 -X batch.num.messages=1000 -l '%s' 2>/dev/null",
                   bs(), topic, codec, path);
    unlink(path);
    cr_assert_eq(st, 0, "kcat -P -z %s failed", codec);
    size_t batches = 0;
    for (int32_t p = 0; p < PARTS; p++) {
        kfk_codec_t codecs[256];
        size_t nb = ck_batch_codecs(bs(), topic, p, codecs, 256);
        cr_assert_leq(nb, 256);
        for (size_t i = 0; i < nb; i++)
            cr_assert_eq(codecs[i], want, "partition %d batch %zu: codec %d, want %s", p, i,
                         codecs[i], codec);
        batches += nb;
    }
    cr_assert_lt(batches, N / 10, "%zu batches: kcat did not batch", batches);

    uv_loop_t loop;
    uv_loop_init(&loop);
    copies_t cs = {0};
    ck_cons_t k = {.hook = copy_hook, .user = &cs};
    ck_cons_init(&k, &loop, ck_conf(bs(), (const char *[]){"batch.size", "300", NULL}));
    assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&cs.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 30000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);

    cr_assert_eq(cs.n, (size_t)N, "%s: received %zu of %d", codec, cs.n, N);
    char *seen = calloc(N, 1);
    int last[PARTS] = {-1, -1};
    int64_t next[PARTS] = {0, 0};
    for (size_t i = 0; i < cs.n; i++) {
        copy_t *c = &cs.v[i];
        int ki, vi;
        cr_assert_not_null(c->key);
        cr_assert_not_null(c->val);
        cr_assert_eq(sscanf(c->key, "key-%d", &ki), 1, "key %s", c->key);
        cr_assert(ki >= 0 && ki < N);
        char wval[128];
        snprintf(wval, sizeof wval, "value-%d-the quick brown fox jumps over the lazy dog %d", ki,
                 ki % 7);
        cr_assert_str_eq(c->val, wval, "%s: record %d", codec, ki);
        cr_assert_eq(sscanf(c->val, "value-%d", &vi), 1);
        cr_assert_eq(seen[ki], 0, "%s: record %d twice", codec, ki);
        seen[ki] = 1;
        cr_assert_str_eq(c->hdrs, "h1=one;h2=two;", "%s: headers of record %d", codec, ki);
        cr_assert_gt(ki, last[c->partition], "%s: partition %d: record %d after %d", codec,
                     c->partition, ki, last[c->partition]);
        last[c->partition] = ki;
        cr_assert_eq(c->offset, next[c->partition], "%s: partition %d: offset %lld, want %lld",
                     codec, c->partition, (long long)c->offset, (long long)next[c->partition]);
        next[c->partition]++;
    }
    fprintf(stderr, "%s: %d records in %zu batches written by kcat, read back in %zu batches\n",
            codec, N, batches, k.nb);
    free(seen);
    copies_free(&cs);
    ck_cons_free(&k);
}

Test(consumer, reads_gzip_records_written_by_kcat, .timeout = 60) {
    kcat_codec_case("gzip", KFK_CODEC_GZIP);
}
Test(consumer, reads_snappy_records_written_by_kcat, .timeout = 60) {
    kcat_codec_case("snappy", KFK_CODEC_SNAPPY);
}
Test(consumer, reads_lz4_records_written_by_kcat, .timeout = 60) {
    kcat_codec_case("lz4", KFK_CODEC_LZ4);
}
Test(consumer, reads_zstd_records_written_by_kcat, .timeout = 60) {
    kcat_codec_case("zstd", KFK_CODEC_ZSTD);
}

/* ==== transactions: read_committed and read_uncommitted ======================================= */

typedef struct {
    const char *path;
    const char *word;
} file_has_t;

static int file_has(void *arg) {
    file_has_t *fh = arg;
    char *txt = ck_slurp(fh->path, NULL);
    int yes = txt && strstr(txt, fh->word) != NULL;
    free(txt);
    return yes;
}

static size_t count_prefix(const copies_t *cs, const char *prefix) {
    size_t n = 0;
    for (size_t i = 0; i < cs->n; i++)
        n += cs->v[i].val && !strncmp(cs->v[i].val, prefix, strlen(prefix));
    return n;
}

typedef struct {
    copies_t *cs;
    size_t target;
} txn_wait_t;

static int txn_count(void *arg) {
    txn_wait_t *w = arg;
    return w->cs->n >= w->target;
}

Test(consumer, read_committed_skips_aborted_transactions_and_control_records, .timeout = 150) {
    enum { PARTS = 2, ROUNDS = 6, PER = 9, HOLD_MS = 4000 };
    const size_t visible = ROUNDS * PER + ROUNDS;      /* committed + plain */
    const size_t all = ROUNDS * PER * 2 + ROUNDS;      /* + aborted */
    const size_t open_n = PER + PARTS;                 /* the open transaction + "after" */
    const size_t markers = ROUNDS * 2 * PARTS + PARTS; /* one per transaction and partition */
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "txn", PARTS, 1, NULL);
    char out[128], err[128], libs[1024];
    snprintf(out, sizeof out, "/tmp/kfk-ct-txn-%d.out", (int)getpid());
    snprintf(err, sizeof err, "/tmp/kfk-ct-txn-%d.err", (int)getpid());
    unlink(out);
    unlink(err);
    snprintf(libs, sizeof libs, "%s/*", kt_env_required("KAFKA_LIBS"));
    char parts_s[8], rounds_s[8], per_s[8], hold_s[16];
    snprintf(parts_s, sizeof parts_s, "%d", PARTS);
    snprintf(rounds_s, sizeof rounds_s, "%d", ROUNDS);
    snprintf(per_s, sizeof per_s, "%d", PER);
    snprintf(hold_s, sizeof hold_s, "%d", HOLD_MS);
    char *argv[] = {
        "java",       "-cp",  libs,    KFK_SOURCE_DIR "/tests/integration/TxnWriter.java",
        (char *)bs(), topic,  parts_s, rounds_s,
        per_s,        hold_s, NULL};
    pid_t writer = ck_spawn(argv, out, err);

    uv_loop_t loop;
    uv_loop_init(&loop);
    copies_t rc = {0}, ru = {0};
    ck_cons_t kc = {.hook = copy_hook, .user = &rc}, ku = {.hook = copy_hook, .user = &ru};
    ck_cons_init(
        &kc, &loop,
        ck_conf(bs(), (const char *[]){"isolation.level", "read_committed", "batch.timeout.ms",
                                       "50", "fetch.max.wait.ms", "200", NULL}));
    ck_cons_init(
        &ku, &loop,
        ck_conf(bs(), (const char *[]){"isolation.level", "read_uncommitted", "batch.timeout.ms",
                                       "50", "fetch.max.wait.ms", "200", NULL}));
    assign_all(kc.c, topic, PARTS, 0);
    assign_all(ku.c, topic, PARTS, 0);
    ck_cons_start(&kc);
    ck_cons_start(&ku);

    /* While the last transaction is open: committed records only, nothing past the LSO. */
    file_has_t open_seen = {out, "open\n"};
    ck_run_until(&loop, file_has, &open_seen, 90000);
    txn_wait_t wc = {&rc, visible}, wu = {&ru, all + open_n};
    ck_run_until(&loop, txn_count, &wc, 15000);
    ck_run_until(&loop, txn_count, &wu, 15000);
    ck_run_for(&loop, 500);
    cr_assert_eq(file_has(&(file_has_t){out, "done\n"}), 0,
                 "the writer committed before the checks (hold too short)");
    cr_assert_eq(rc.n, visible, "read_committed while a transaction is open: %zu records, want %zu",
                 rc.n, visible);
    cr_assert_eq(count_prefix(&rc, "open:") + count_prefix(&rc, "after:"), 0,
                 "read_committed delivered records past the last stable offset");
    cr_assert_eq(count_prefix(&ru, "open:"), PER, "read_uncommitted sees the open transaction");
    cr_assert_eq(count_prefix(&ru, "after:"), PARTS);

    /* After the commit: the rest comes. */
    file_has_t done_seen = {out, "done\n"};
    ck_run_until(&loop, file_has, &done_seen, 30000);
    wc.target = visible + open_n;
    ck_run_until(&loop, txn_count, &wc, 15000);
    ck_run_for(&loop, 500);
    ck_cons_close(&kc, 5000);
    ck_cons_close(&ku, 5000);
    loop_finish(&loop);
    int st = ck_wait(writer, 30000);
    char *werr = ck_slurp(err, NULL);
    cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "TxnWriter failed:\n%s",
              werr ? werr : "");
    free(werr);

    int64_t end[PARTS], total_end = 0;
    ck_list_end(bs(), topic, PARTS, 0, end);
    for (int p = 0; p < PARTS; p++)
        total_end += end[p];
    fprintf(stderr,
            "transactions: read_committed got %zu records, read_uncommitted %zu, %lld offsets "
            "(%zu control records)\n",
            rc.n, ru.n, (long long)total_end, markers);

    cr_assert_eq(rc.n, visible + open_n, "read_committed: %zu records, want %zu", rc.n,
                 visible + open_n);
    cr_assert_eq(count_prefix(&rc, "abort:"), 0, "read_committed delivered aborted records");
    cr_assert_eq(count_prefix(&rc, "commit:"), ROUNDS * PER);
    cr_assert_eq(count_prefix(&rc, "plain:"), ROUNDS);
    cr_assert_eq(count_prefix(&rc, "open:"), PER);
    cr_assert_eq(count_prefix(&rc, "after:"), PARTS);
    cr_assert_eq(ru.n, all + open_n, "read_uncommitted: %zu records, want %zu", ru.n, all + open_n);
    cr_assert_eq(count_prefix(&ru, "abort:"), ROUNDS * PER);
    /* Every offset is a data record seen by read_uncommitted or a control record: the control
     * records (one per transaction and partition) were never delivered. */
    cr_assert_eq((size_t)total_end, ru.n + markers, "%lld offsets, %zu records, %zu markers",
                 (long long)total_end, ru.n, markers);
    for (int pass = 0; pass < 2; pass++) {
        copies_t *cs = pass ? &ru : &rc;
        int64_t last[PARTS] = {-1, -1};
        for (size_t i = 0; i < cs->n; i++) {
            copy_t *c = &cs->v[i];
            cr_assert_gt(c->offset, last[c->partition], "%s: offsets out of order",
                         pass ? "read_uncommitted" : "read_committed");
            last[c->partition] = c->offset;
            cr_assert_lt(c->offset, end[c->partition]);
            int p, r, j;
            if (sscanf(c->val, "commit:%d:%d:%d", &p, &r, &j) == 3 ||
                sscanf(c->val, "abort:%d:%d:%d", &p, &r, &j) == 3) {
                int committed = c->val[0] == 'c';
                int by_a = (r % 2 == 0) == committed;
                char want[32];
                snprintf(want, sizeof want, "%c-%d-%d", by_a ? 'a' : 'b', r, j);
                cr_assert_str_eq(c->key, want, "value %s", c->val);
                cr_assert_eq(p, c->partition);
            }
        }
    }
    /* Every record read_committed saw, read_uncommitted saw at the same offset. */
    for (size_t i = 0; i < rc.n; i++) {
        int found = 0;
        for (size_t j = 0; j < ru.n && !found; j++)
            found = ru.v[j].partition == rc.v[i].partition && ru.v[j].offset == rc.v[i].offset &&
                    !strcmp(ru.v[j].val, rc.v[i].val);
        cr_assert(found, "read_committed record %s at %lld unknown to read_uncommitted",
                  rc.v[i].val, (long long)rc.v[i].offset);
    }
    unlink(out);
    unlink(err);
    copies_free(&rc);
    copies_free(&ru);
    ck_cons_free(&kc);
    ck_cons_free(&ku);
}

/* ==== batch.size and batch.timeout.ms ========================================================= */

Test(consumer, batch_size_7_gives_batches_of_at_most_7_records, .timeout = 60) {
    enum { N = 100, PARTS = 3 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "b7", PARTS, 1, NULL);
    free(ck_produce(bs(), topic, N, 10, PARTS, 0, "b"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(&k, &loop, ck_conf(bs(), (const char *[]){"batch.size", "7", NULL}));
    assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    size_t full = 0;
    for (size_t i = 0; i < k.nb; i++) {
        cr_assert_leq(k.b[i].n, 7, "batch %zu has %zu records", i, k.b[i].n);
        cr_assert_gt(k.b[i].n, 0);
        full += k.b[i].n == 7;
    }
    cr_assert_eq(k.n, (size_t)N);
    cr_assert_geq(k.nb, (N + 6) / 7);
    cr_assert_geq(full, 10, "only %zu of %zu batches were full", full, k.nb);
    fprintf(stderr, "batch.size=7: %zu batches, %zu full\n", k.nb, full);
    ck_cons_free(&k);
}

/* One Fetch per broker: a Fetch holding only partitions that are caught up is held by the broker
 * for fetch.max.wait.ms, and partitions with more data cannot be fetched meanwhile. With a
 * 20 s fetch.max.wait.ms and a prefetch bound of one answer, a consumer that sent such a Fetch
 * each time its busy partition's buffer was full would need 20 s per 64 KiB; kfk waits for the
 * busy partition to join the Fetch instead, so 4 MiB arrive long before the 20 s of one wait.
 * (queued.max.messages.kbytes=128 over 2 partitions: the busy one is held at 64 KiB, the total
 * is not reached, so the empty one alone could be fetched.) */
Test(consumer, a_caught_up_partition_does_not_stall_a_busy_one, .timeout = 90) {
    enum { N = 4000, PARTS = 2 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "stall", PARTS, 1, NULL);
    free(ck_produce(bs(), topic, N, 0, 1, 1024, "s")); /* all in partition 0; 1 stays empty */
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(
        &k, &loop,
        ck_conf(bs(), (const char *[]){"fetch.max.wait.ms", "20000", "max.partition.fetch.bytes",
                                       "65536", "queued.max.messages.kbytes", "128", NULL}));
    assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    uint64_t ms = ck_run_until(&loop, ck_pred_count, &tgt, 15000);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(k.n, (size_t)N);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].idx, (int64_t)i, "record %zu is index %lld", i,
                     (long long)k.msgs[i].idx);
    fprintf(stderr, "4 MiB in one partition beside an empty one, 20 s fetch wait: %llu ms\n",
            (unsigned long long)ms);
    ck_cons_free(&k);
}

typedef struct trickle {
    kfk_producer_t *p;
    uv_timer_t timer;
    const char *topic;
    int sent, total;
    double max_latency, min_oldest, sum_latency;
    size_t got;
    int prod_closed;
} trickle_t;

static void on_trickle_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    (void)opaque;
    cr_assert_eq(d->err, 0, "trickle record: %s", kfk_err_name(d->err));
}

static void on_trickle_tick(uv_timer_t *t) {
    trickle_t *tr = t->data;
    char val[64];
    int vl = snprintf(val, sizeof val, "t:%d:%.3f", tr->sent, ck_now_ms());
    kfk_record_t rec = {tr->topic, 0, NULL, 0, val, (size_t)vl, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(tr->p, &rec, on_trickle_delivery, tr), 0);
    if (++tr->sent == tr->total)
        uv_timer_stop(t);
}

static int trickle_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    trickle_t *tr = k->user;
    double now = ck_now_ms(), oldest = 0;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        char v[64];
        snprintf(v, sizeof v, "%.*s", (int)m->value_len, (const char *)m->value);
        int idx;
        double sent;
        cr_assert_eq(sscanf(v, "t:%d:%lf", &idx, &sent), 2, "value %s", v);
        double lat = now - sent;
        if (lat > oldest)
            oldest = lat;
        if (lat > tr->max_latency)
            tr->max_latency = lat;
        tr->sum_latency += lat;
        tr->got++;
    }
    if (tr->min_oldest == 0 || oldest < tr->min_oldest)
        tr->min_oldest = oldest;
    return 0;
}

static void on_trickle_prod_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((trickle_t *)opaque)->prod_closed = 1;
}

Test(consumer, a_trickle_is_delivered_within_batch_timeout_ms, .timeout = 60) {
    enum { N = 30, TICK_MS = 50, TIMEOUT_MS = 300, WAIT_MS = 100 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "trickle", 1, 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    trickle_t tr = {0};
    tr.topic = topic;
    tr.total = N;
    ck_cons_t k = {.hook = trickle_hook, .user = &tr};
    ck_cons_init(&k, &loop,
                 ck_conf(bs(), (const char *[]){"batch.size", "100", "batch.timeout.ms", "300",
                                                "fetch.max.wait.ms", "100", NULL}));
    assign_all(k.c, topic, 1, 0);
    ck_cons_start(&k);
    kfk_conf_t *pc = ck_conf(bs(), (const char *[]){"linger.ms", "0", NULL});
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, pc, &tr.p, err, sizeof err), 0, "%s", err);
    kfk_conf_destroy(pc);
    ck_run_for(&loop, 500); /* the consumer's first fetch is waiting at offset 0 */
    uv_timer_init(&loop, &tr.timer);
    tr.timer.data = &tr;
    uv_timer_start(&tr.timer, on_trickle_tick, TICK_MS, TICK_MS);
    ck_count_target_t tgt = {&tr.got, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    uv_close((uv_handle_t *)&tr.timer, NULL);
    kfk_producer_close(tr.p, 5000, on_trickle_prod_closed, &tr);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert(tr.prod_closed);
    double avg_batch = (double)tr.got / (double)k.nb;
    fprintf(stderr,
            "trickle every %d ms, batch.timeout.ms=%d: %zu batches (%.1f records each), latency "
            "avg %.0f ms, max %.0f ms, oldest record of each batch waited >= %.0f ms\n",
            TICK_MS, TIMEOUT_MS, k.nb, avg_batch, tr.sum_latency / (double)tr.got, tr.max_latency,
            tr.min_oldest);
    cr_assert_eq(tr.got, (size_t)N);
    cr_assert_lt(k.max_batch, 100, "a batch filled up: no timeout involved");
    cr_assert_lt(tr.max_latency, TIMEOUT_MS + WAIT_MS + 500,
                 "a record waited %.0f ms (batch.timeout.ms=%d, fetch.max.wait.ms=%d)",
                 tr.max_latency, TIMEOUT_MS, WAIT_MS);
    cr_assert_geq(avg_batch, 2.0, "batches were not filled for batch.timeout.ms");
    cr_assert_geq(tr.min_oldest, TIMEOUT_MS - 20,
                  "a batch left %.0f ms after its first record, before batch.timeout.ms",
                  tr.min_oldest);
    ck_cons_free(&k);
}

/* ==== kfk_batch_done late holds the partition back ============================================ */

typedef struct late {
    ck_cons_t *k;
    uv_timer_t timer;
    kfk_batch_t *held;
    uint32_t held_no;
    int held_parts[8];
    double hold_start, hold_end;
    size_t other_during_hold; /* batches of other partitions delivered during the hold */
    size_t held_part_during_hold;
} late_t;

static void on_late_release(uv_timer_t *t) {
    late_t *l = t->data;
    l->hold_end = ck_now_ms();
    ck_done(l->k, l->held, l->held_no, KFK_ERR_NONE);
    uv_close((uv_handle_t *)t, NULL);
}

static int late_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    late_t *l = k->user;
    int parts[8] = {0};
    for (size_t i = 0; i < kfk_batch_count(b); i++)
        parts[kfk_batch_message(b, i)->partition] = 1;
    if (!l->held && parts[0]) {
        l->held = b;
        l->held_no = no;
        memcpy(l->held_parts, parts, sizeof parts);
        l->hold_start = ck_now_ms();
        uv_timer_init(k->loop, &l->timer);
        l->timer.data = l;
        uv_timer_start(&l->timer, on_late_release, 1000, 0);
        return 1;
    }
    if (l->held && l->hold_end == 0) {
        int other = 0;
        for (int p = 0; p < 8; p++) {
            if (parts[p] && l->held_parts[p])
                l->held_part_during_hold++;
            if (parts[p] && !l->held_parts[p])
                other = 1;
        }
        l->other_during_hold += other;
    }
    return 0;
}

Test(consumer, a_late_batch_done_holds_back_that_partition_only, .timeout = 60) {
    enum { PARTS = 3, N = 180 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "late", PARTS, 1, NULL);
    free(ck_produce(bs(), topic, N, 0, PARTS, 0, "l"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    late_t l = {0};
    ck_cons_t k = {.hook = late_hook, .user = &l};
    l.k = &k;
    ck_cons_init(&k, &loop, ck_conf(bs(), (const char *[]){"batch.size", "10", NULL}));
    assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_gt(l.hold_end, 0, "the held batch was never released");
    cr_assert_eq(l.held_part_during_hold, 0,
                 "%zu batches of the held partition came before its kfk_batch_done",
                 l.held_part_during_hold);
    int all_held = l.held_parts[0] && l.held_parts[1] && l.held_parts[2];
    if (!all_held)
        cr_assert_gt(l.other_during_hold, 0, "other partitions were held back too");
    /* Every record of every partition once, in order. */
    cr_assert_eq(k.n, (size_t)N);
    int64_t next[PARTS] = {0};
    for (size_t i = 0; i < k.n; i++) {
        ck_msg_t *m = &k.msgs[i];
        cr_assert_eq(m->offset, next[m->partition], "partition %d: offset %lld, want %lld",
                     m->partition, (long long)m->offset, (long long)next[m->partition]);
        next[m->partition]++;
        if (l.held_parts[m->partition] && m->batch != l.held_no)
            cr_assert_geq(k.b[m->batch].at_ms, l.hold_end,
                          "partition %d offset %lld delivered while its batch was held",
                          m->partition, (long long)m->offset);
    }
    fprintf(stderr, "held one batch 1 s: %zu batches of other partitions meanwhile\n",
            l.other_during_hold);
    ck_cons_free(&k);
}

/* ==== the commit watermark with batches finished out of order ===================================
 */

typedef struct wm {
    ck_cons_t *k;
    const char *group, *topic;
    kfk_batch_t *held[2];
    uint32_t held_no[2];
    int nheld;
    uv_timer_t check;
    size_t checks;
    int violation;
    char what[256];
} wm_t;

static int wm_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    wm_t *w = k->user;
    if (w->nheld < 2) {
        w->held[w->nheld] = b;
        w->held_no[w->nheld++] = no;
        return 1;
    }
    return 0;
}

/* The lowest offset of @p part in a batch delivered and not done, or INT64_MAX. */
static int64_t undone_floor(ck_cons_t *k, int32_t part) {
    int64_t floor = INT64_MAX;
    for (size_t b = 0; b < k->nb; b++) {
        if (k->b[b].done_ms)
            continue;
        for (size_t i = k->b[b].first; i < k->b[b].first + k->b[b].n; i++)
            if (k->msgs[i].partition == part && k->msgs[i].offset < floor)
                floor = k->msgs[i].offset;
    }
    return floor;
}

static void on_wm_check(uv_timer_t *t) {
    wm_t *w = t->data;
    int64_t floor[3], committed[3];
    for (int32_t p = 0; p < 3; p++)
        floor[p] = undone_floor(w->k, p);
    ck_committed(bs(), w->group, w->topic, 3, committed);
    w->checks++;
    for (int32_t p = 0; p < 3; p++)
        if (committed[p] > floor[p] && !w->violation) {
            w->violation = 1;
            snprintf(w->what, sizeof w->what,
                     "partition %d: committed %lld past the undone batch at %lld", p,
                     (long long)committed[p], (long long)floor[p]);
        }
}

typedef struct {
    const char *group, *topic;
    int64_t want[3];
} committed_is_t;

static int committed_is(void *arg) {
    committed_is_t *c = arg;
    int64_t got[3];
    ck_committed(bs(), c->group, c->topic, 3, got);
    return got[0] == c->want[0] && got[1] == c->want[1] && got[2] == c->want[2];
}

/* True when every record of partition @p part up to @p end was delivered in batches now done. */
static int part_done_to(ck_cons_t *k, int32_t part, int64_t end) {
    int64_t top = 0;
    for (size_t b = 0; b < k->nb; b++)
        for (size_t i = k->b[b].first; i < k->b[b].first + k->b[b].n; i++)
            if (k->msgs[i].partition == part) {
                if (!k->b[b].done_ms)
                    return 0;
                if (k->msgs[i].offset + 1 > top)
                    top = k->msgs[i].offset + 1;
            }
    return top >= end;
}

typedef struct {
    ck_cons_t *k;
    int32_t parts[3];
    int nparts;
    int64_t end;
} parts_done_t;

static int parts_done(void *arg) {
    parts_done_t *d = arg;
    for (int i = 0; i < d->nparts; i++)
        if (!part_done_to(d->k, d->parts[i], d->end))
            return 0;
    return 1;
}

typedef struct {
    kfk_consumer_t *c;
    const char *topic;
    int32_t part;
    int64_t want;
} kfk_known_t;

static int kfk_knows(void *arg) {
    kfk_known_t *kn = arg;
    return kfk_consumer_committed(kn->c, kn->topic, kn->part) == kn->want;
}

static int32_t batch_partition(ck_cons_t *k, uint32_t no) {
    int32_t p = k->msgs[k->b[no].first].partition;
    for (size_t i = k->b[no].first; i < k->b[no].first + k->b[no].n; i++)
        cr_assert_eq(k->msgs[i].partition, p, "batch %u mixes partitions", no);
    return p;
}

Test(consumer, commits_never_pass_a_batch_that_is_not_done, .timeout = 120) {
    enum { PARTS = 3, PER = 30 };
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "wm", PARTS, 1, NULL);
    unique_group(group, sizeof group, "wm");
    free(ck_produce(bs(), topic, PARTS * PER, 0, PARTS, 0, "w"));

    uv_loop_t loop;
    uv_loop_init(&loop);
    wm_t w = {0};
    w.group = group;
    w.topic = topic;
    ck_cons_t k = {.hook = wm_hook, .user = &w};
    w.k = &k;
    ck_cons_init(&k, &loop,
                 ck_conf(bs(), (const char *[]){"batch.size", "10", "group.id", group,
                                                "auto.offset.reset", "earliest", NULL}));
    assign_all(k.c, topic, PARTS, KFK_OFFSET_STORED);
    uv_timer_init(&loop, &w.check);
    w.check.data = &w;
    uv_timer_start(&w.check, on_wm_check, 100, 150);
    ck_cons_start(&k);

    /* Two batches held (two partitions), every other one done at once. */
    ck_count_target_t two = {&k.nb, 2};
    ck_run_until(&loop, ck_pred_count, &two, 20000);
    cr_assert_eq(w.nheld, 2);
    int32_t x = batch_partition(&k, w.held_no[0]), y = batch_partition(&k, w.held_no[1]);
    cr_assert_neq(x, y, "both held batches are of partition %d", x);
    int32_t z = 3 - x - y;
    parts_done_t zd = {&k, {z}, 1, PER};
    ck_run_until(&loop, parts_done, &zd, 20000);
    on_wm_check(&w.check); /* checked at each step, and by the timer in between */

    /* Finish the second held batch first: y runs to its end, x stays held. */
    ck_done(&k, w.held[1], w.held_no[1], KFK_ERR_NONE);
    parts_done_t yd = {&k, {y, z}, 2, PER};
    ck_run_until(&loop, parts_done, &yd, 20000);
    committed_is_t ci = {group, topic, {0}};
    ci.want[x] = -1;
    ci.want[y] = PER;
    ci.want[z] = PER;
    ck_run_until(&loop, committed_is, &ci, 15000);
    kfk_known_t kn = {k.c, topic, y, PER};
    ck_run_until(&loop, kfk_knows, &kn, 5000); /* the OffsetCommit answer may trail Kafka */
    cr_assert_eq(kfk_consumer_committed(k.c, topic, x), -1);
    on_wm_check(&w.check);

    /* Then the first: x follows. */
    ck_done(&k, w.held[0], w.held_no[0], KFK_ERR_NONE);
    parts_done_t all = {&k, {0, 1, 2}, 3, PER};
    ck_run_until(&loop, parts_done, &all, 20000);
    ci.want[x] = PER;
    ck_run_until(&loop, committed_is, &ci, 15000);
    uv_close((uv_handle_t *)&w.check, NULL);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(w.violation, 0, "%s", w.what);
    cr_assert_geq(w.checks, 2);
    cr_assert_eq(k.n, (size_t)PARTS * PER, "%zu records", k.n);

    /* Kafka's own tool reports the same committed offsets. */
    int64_t cgc[PARTS];
    cr_assert_eq(ck_cgc_describe(bs(), group, topic, PARTS, cgc), PARTS,
                 "ConsumerGroupCommand listed no rows for %s", topic);
    for (int p = 0; p < PARTS; p++)
        cr_assert_eq(cgc[p], PER, "ConsumerGroupCommand: partition %d at %lld", p,
                     (long long)cgc[p]);
    fprintf(stderr, "watermark: %zu OffsetFetch checks while batches were held, none ahead\n",
            w.checks);

    /* A fresh consumer of the group starts at the commits: only new records come. */
    free(ck_produce(bs(), topic, PARTS * 5, 0, PARTS, 0, "n"));
    uv_loop_init(&loop);
    ck_cons_t k2 = {0};
    ck_cons_init(
        &k2, &loop,
        ck_conf(bs(), (const char *[]){"group.id", group, "auto.offset.reset", "earliest", NULL}));
    assign_all(k2.c, topic, PARTS, KFK_OFFSET_STORED);
    ck_cons_start(&k2);
    ck_count_target_t tgt = {&k2.n, PARTS * 5};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k2, 5000);
    loop_finish(&loop);
    cr_assert_eq(k2.n, (size_t)PARTS * 5);
    for (size_t i = 0; i < k2.n; i++)
        cr_assert(k2.msgs[i].offset >= PER && k2.msgs[i].offset < PER + 5,
                  "fresh consumer: partition %d offset %lld", k2.msgs[i].partition,
                  (long long)k2.msgs[i].offset);
    ck_cons_free(&k);
    ck_cons_free(&k2);
}

/* ==== kfk_batch_done with an error: the same records again =======================================
 */

typedef struct redo {
    int fails_left_first;  /* fail the batch at offset 0 this many times */
    int fails_left_middle; /* fail the batch holding offset 10 this many times */
} redo_t;

static int redo_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    redo_t *r = k->user;
    int64_t first = kfk_batch_message(b, 0)->offset;
    int64_t last = kfk_batch_message(b, kfk_batch_count(b) - 1)->offset;
    if (first == 0 && r->fails_left_first > 0) {
        r->fails_left_first--;
        ck_done(k, b, no, KFK_ERR__TIMED_OUT);
        return 1;
    }
    if (first <= 10 && last >= 10 && r->fails_left_middle > 0) {
        r->fails_left_middle--;
        ck_done(k, b, no, KFK_ERR__TIMED_OUT);
        return 1;
    }
    return 0;
}

Test(consumer, a_batch_done_with_an_error_comes_again, .timeout = 60) {
    enum { N = 20 };
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "redo", 1, 1, NULL);
    unique_group(group, sizeof group, "redo");
    free(ck_produce(bs(), topic, N, 0, 1, 0, "r"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    redo_t r = {2, 1};
    ck_cons_t k = {.hook = redo_hook, .user = &r};
    ck_cons_init(&k, &loop,
                 ck_conf(bs(), (const char *[]){"batch.size", "5", "group.id", group,
                                                "auto.offset.reset", "earliest", NULL}));
    assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N + 15};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 500);
    cr_assert_eq(kfk_consumer_commit(k.c, NULL, NULL), 0);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    /* Offsets 0-4 three times (two failures), 5-9 once, 10-14 twice, 15-19 once. */
    int64_t want[] = {0, 1, 2,  3,  4,  0,  1,  2,  3,  4,  0,  1,  2,  3,  4,  5,  6, 7,
                      8, 9, 10, 11, 12, 13, 14, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    size_t nwant = sizeof want / sizeof want[0];
    cr_assert_eq(k.n, nwant, "%zu records delivered, want %zu", k.n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        cr_assert_eq(k.msgs[i].offset, want[i], "delivery %zu: offset %lld, want %lld", i,
                     (long long)k.msgs[i].offset, (long long)want[i]);
        cr_assert_eq(k.msgs[i].idx, want[i], "delivery %zu: another record's value", i);
    }
    int64_t committed[1];
    ck_committed(bs(), group, topic, 1, committed);
    cr_assert_eq(committed[0], N, "committed %lld", (long long)committed[0]);
    ck_cons_free(&k);
}

/* ==== typed batches and kfk_message_msgpack =====================================================
 */

typedef struct user {
    int64_t id;
    char name[32];
} user_t;

static int pack_user(struct msgpack_packer *pk, const void *obj, void *opaque) {
    (void)opaque;
    const user_t *u = obj;
    msgpack_pack_map(pk, 2);
    msgpack_pack_str(pk, 2);
    msgpack_pack_str_body(pk, "id", 2);
    msgpack_pack_int64(pk, u->id);
    msgpack_pack_str(pk, 4);
    msgpack_pack_str_body(pk, "name", 4);
    msgpack_pack_str(pk, strlen(u->name));
    msgpack_pack_str_body(pk, u->name, strlen(u->name));
    return 0;
}

typedef struct {
    int reports, failed;
} sends_t;

static void on_typed_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    sends_t *s = opaque;
    s->reports++;
    s->failed += d->err != 0;
}

/* Writes the typed test data to partition 0 of @p topic: records 0..n-1 are msgpack users,
 * except these raw values: @p raw[i] for i in @p raw_at (NULL entries: a null value). */
static void write_users(const char *topic, int n, const int *raw_at, const char *const *raw,
                        const size_t *raw_len, int nraw) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_conf_t *pc = ck_conf(bs(), NULL);
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, pc, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_destroy(pc);
    sends_t s = {0};
    for (int i = 0; i < n; i++) {
        int r = -1;
        for (int j = 0; j < nraw; j++)
            if (raw_at[j] == i)
                r = j;
        kfk_record_t rec = {topic, 0, NULL, 0, NULL, 0, NULL, 0, 0};
        if (r >= 0) {
            rec.value = raw[r];
            rec.value_len = raw[r] ? raw_len[r] : 0;
            cr_assert_eq(kfk_producer_send(p, &rec, on_typed_delivery, &s), 0);
        } else {
            user_t u = {1000 + i, ""};
            snprintf(u.name, sizeof u.name, "user-%d", i);
            cr_assert_eq(kfk_producer_send_msgpack(p, &rec, &u, pack_user, NULL, NULL,
                                                   on_typed_delivery, &s),
                         0);
        }
    }
    uint64_t t0 = uv_now(&loop);
    while (s.reports < n) {
        uv_run(&loop, UV_RUN_ONCE);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 30000, "%d of %d reports", s.reports, n);
    }
    cr_assert_eq(s.failed, 0);
    kfk_producer_close(p, 5000, NULL, NULL);
    loop_finish(&loop);
}

typedef struct typed {
    int decoded, failed, freed;
    int bad_seen_err;
    int wrong;
    char what[128];
} typed_t;

static kfk_err_t decode_user(const kfk_message_t *m, void **obj, void *opaque) {
    typed_t *t = opaque;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    kfk_err_t err = kfk_message_msgpack(m, &up);
    if (err || up.data.type != MSGPACK_OBJECT_MAP) {
        msgpack_unpacked_destroy(&up);
        t->failed++;
        return err ? err : KFK_ERR__VALUE_DECODE;
    }
    user_t *u = calloc(1, sizeof *u);
    for (uint32_t i = 0; i < up.data.via.map.size; i++) {
        msgpack_object_kv *kv = &up.data.via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR)
            continue;
        if (kv->key.via.str.size == 2 && !memcmp(kv->key.via.str.ptr, "id", 2))
            u->id = kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)kv->val.via.u64
                                                                    : kv->val.via.i64;
        if (kv->key.via.str.size == 4 && !memcmp(kv->key.via.str.ptr, "name", 4) &&
            kv->val.type == MSGPACK_OBJECT_STR)
            snprintf(u->name, sizeof u->name, "%.*s", (int)kv->val.via.str.size,
                     kv->val.via.str.ptr);
    }
    msgpack_unpacked_destroy(&up);
    *obj = u;
    t->decoded++;
    return KFK_ERR_NONE;
}

static void free_user(void *obj, void *opaque) {
    ((typed_t *)opaque)->freed++;
    free(obj);
}

static int typed_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    typed_t *t = k->user;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        if (m->offset == 7) {
            t->bad_seen_err = m->err;
            if (m->decoded && !t->wrong++)
                snprintf(t->what, sizeof t->what, "the bad record has a decoded object");
            continue;
        }
        const user_t *u = m->decoded;
        char want[32];
        snprintf(want, sizeof want, "user-%lld", (long long)m->offset);
        if ((m->err || !u || u->id != 1000 + m->offset || strcmp(u->name, want)) && !t->wrong++)
            snprintf(t->what, sizeof t->what, "offset %lld: err %s, decoded %p",
                     (long long)m->offset, kfk_err_name(m->err), (void *)u);
    }
    return 0;
}

Test(consumer, typed_batches_report_a_record_that_fails_to_decode_and_keep_the_rest,
     .timeout = 60) {
    enum { N = 20 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "typed", 1, 1, NULL);
    const char *raw[] = {"not msgpack \xc1"};
    size_t raw_len[] = {strlen(raw[0])};
    int raw_at[] = {7};
    write_users(topic, N, raw_at, raw, raw_len, 1);

    uv_loop_t loop;
    uv_loop_init(&loop);
    typed_t t = {0};
    ck_cons_t k = {.hook = typed_hook, .user = &t};
    ck_cons_init(&k, &loop, ck_conf(bs(), NULL));
    kfk_consumer_set_decoder(k.c, decode_user, free_user, &t);
    assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(k.n, (size_t)N, "the batch with the bad record was not delivered whole");
    cr_assert_eq(t.wrong, 0, "%s", t.what);
    cr_assert_eq(t.bad_seen_err, KFK_ERR__VALUE_DECODE, "the bad record's err is %s",
                 kfk_err_name(t.bad_seen_err));
    cr_assert_eq(t.decoded, N - 1);
    cr_assert_eq(t.failed, 1);
    cr_assert_eq(t.freed, N - 1, "%d objects freed of %d", t.freed, N - 1);
    ck_cons_free(&k);
}

typedef struct mp {
    int checked;
    int wrong;
    char what[160];
} mp_t;

static int msgpack_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    mp_t *t = k->user;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        msgpack_unpacked up;
        msgpack_unpacked_init(&up);
        kfk_err_t err = kfk_message_msgpack(m, &up);
        kfk_err_t want = KFK_ERR_NONE;
        /* 0: a map, 1: trailing bytes, 2: null value, 3: empty value, 4: a lone integer,
         * 5: truncated map, 6: a map again. */
        if (m->offset >= 1 && m->offset <= 3)
            want = KFK_ERR__VALUE_DECODE;
        if (m->offset == 5)
            want = KFK_ERR__VALUE_DECODE;
        if (err != want && !t->wrong++)
            snprintf(t->what, sizeof t->what, "offset %lld: %s, want %s", (long long)m->offset,
                     kfk_err_name(err), kfk_err_name(want));
        if (!err && m->offset == 4 &&
            !(up.data.type == MSGPACK_OBJECT_POSITIVE_INTEGER && up.data.via.u64 == 42) &&
            !t->wrong++)
            snprintf(t->what, sizeof t->what, "offset 4: not 42");
        if (!err && (m->offset == 0 || m->offset == 6) &&
            !(up.data.type == MSGPACK_OBJECT_MAP && up.data.via.map.size == 2) && !t->wrong++)
            snprintf(t->what, sizeof t->what, "offset %lld: not a map of 2", (long long)m->offset);
        msgpack_unpacked_destroy(&up);
        t->checked++;
    }
    return 0;
}

Test(consumer, kfk_message_msgpack_decodes_values_and_refuses_bad_ones, .timeout = 60) {
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "mp", 1, 1, NULL);
    /* Raw values at offsets 1-5 (see msgpack_hook); 0 and 6 are packed users. */
    static const char two[] = "\x2a\x2a", map_trunc[] = "\x82\xa2id";
    const char *raw[] = {two, NULL, "", "\x2a", map_trunc};
    size_t raw_len[] = {2, 0, 0, 1, sizeof map_trunc - 1};
    int raw_at[] = {1, 2, 3, 4, 5};
    write_users(topic, 7, raw_at, raw, raw_len, 5);
    uv_loop_t loop;
    uv_loop_init(&loop);
    mp_t t = {0};
    ck_cons_t k = {.hook = msgpack_hook, .user = &t};
    ck_cons_init(&k, &loop, ck_conf(bs(), NULL));
    assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, 7};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(t.checked, 7);
    cr_assert_eq(t.wrong, 0, "%s", t.what);
    ck_cons_free(&k);
}

/* ==== seek
 * ========================================================================================= */

typedef struct seeker {
    const char *topic;
    int step;
    kfk_err_t err;
} seeker_t;

static int seek_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    seeker_t *s = k->user;
    int64_t last = kfk_batch_message(b, kfk_batch_count(b) - 1)->offset;
    int64_t first = kfk_batch_message(b, 0)->offset;
    kfk_err_t e = KFK_ERR_NONE;
    if (s->step == 0 && last >= 59) {
        e = kfk_consumer_seek(k->c, s->topic, 0, 20); /* back into what was read */
        s->step = 1;
    } else if (s->step == 1 && last == 99) {
        e = kfk_consumer_seek(k->c, s->topic, 0, KFK_OFFSET_BEGINNING);
        s->step = 2;
    } else if (s->step == 2 && first == 0) {
        e = kfk_consumer_seek(k->c, s->topic, 0, KFK_OFFSET_END);
        s->step = 3;
    }
    if (e && !s->err)
        s->err = e;
    return 0;
}

Test(consumer, seek_moves_the_position_back_to_the_beginning_and_to_the_end, .timeout = 60) {
    enum { N = 100 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "seek", 1, 1, NULL);
    free(ck_produce(bs(), topic, N, 0, 1, 0, "s"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    seeker_t s = {topic, 0, 0};
    ck_cons_t k = {.hook = seek_hook, .user = &s};
    ck_cons_init(&k, &loop, ck_conf(bs(), (const char *[]){"batch.size", "10", NULL}));
    assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    /* 0..59, 20..99, 0..9, then the end. */
    size_t first_pass = 60 + 80 + 10;
    ck_count_target_t tgt = {&k.n, first_pass};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 1000);
    cr_assert_eq(k.n, first_pass, "records after seeking to the end: %zu", k.n - first_pass);
    free(ck_produce(bs(), topic, 3, 0, 1, 0, "t"));
    tgt.target = first_pass + 3;
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(s.err, 0, "kfk_consumer_seek: %s", kfk_err_name(s.err));
    cr_assert_eq(s.step, 3);
    size_t i = 0;
    for (int64_t o = 0; o < 60; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "delivery %zu: %lld, want %lld", i,
                     (long long)k.msgs[i].offset, (long long)o);
    for (int64_t o = 20; o < 100; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "after seek to 20: delivery %zu: %lld, want %lld", i,
                     (long long)k.msgs[i].offset, (long long)o);
    for (int64_t o = 0; o < 10; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "after seek to the beginning: %lld, want %lld",
                     (long long)k.msgs[i].offset, (long long)o);
    for (int64_t o = 100; o < 103; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "after seek to the end: %lld, want %lld",
                     (long long)k.msgs[i].offset, (long long)o);
    ck_cons_free(&k);
}

typedef struct timed_seek {
    kfk_consumer_t *c;
    const char *topic;
    uv_timer_t t;
    kfk_err_t err;
    size_t delivered_before;
    size_t *counter;
} timed_seek_t;

static void on_timed_seek(uv_timer_t *t) {
    timed_seek_t *s = t->data;
    s->delivered_before = *s->counter;
    s->err = kfk_consumer_seek(s->c, s->topic, 0, 50);
    uv_close((uv_handle_t *)t, NULL);
}

Test(consumer, seek_drops_the_records_of_a_batch_still_forming, .timeout = 60) {
    enum { N = 100 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "seekf", 1, 1, NULL);
    free(ck_produce(bs(), topic, N, 0, 1, 0, "s"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    /* batch.timeout.ms 5000: the 100 records fetched in the first second are a batch still
     * forming when the seek comes at 2500 ms. */
    ck_cons_init(
        &k, &loop,
        ck_conf(bs(), (const char *[]){"batch.size", "1000", "batch.timeout.ms", "5000", NULL}));
    assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    timed_seek_t s = {k.c, topic, {0}, 0, 0, &k.n};
    uv_timer_init(&loop, &s.t);
    s.t.data = &s;
    uv_timer_start(&s.t, on_timed_seek, 2500, 0);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, 50};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 1000);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(s.err, 0);
    cr_assert_eq(s.delivered_before, 0, "a batch was delivered before the seek");
    cr_assert_eq(k.n, 50,
                 "%zu records after seeking to 50 (first offset %lld): the records of "
                 "the batch being formed were delivered too",
                 k.n, k.n ? (long long)k.msgs[0].offset : -1LL);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, 50 + (int64_t)i);
    ck_cons_free(&k);
}

/* ==== pause / resume
 * ================================================================================ */

typedef struct pauser {
    const char *topic;
    int paused_p1;
    size_t p1_batches_after_pause;
    kfk_err_t err;
} pauser_t;

static int pause_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    pauser_t *ps = k->user;
    for (size_t i = 0; i < kfk_batch_count(b); i++)
        if (kfk_batch_message(b, i)->partition == 1) {
            if (ps->paused_p1) {
                ps->p1_batches_after_pause++;
            } else {
                ps->err = kfk_consumer_pause(k->c, ps->topic, 1);
                ps->paused_p1 = 1;
            }
            break;
        }
    return 0;
}

static size_t count_part(ck_cons_t *k, int32_t part) {
    size_t n = 0;
    for (size_t i = 0; i < k->n; i++)
        n += k->msgs[i].partition == part;
    return n;
}

Test(consumer, pause_stops_a_partition_and_resume_restarts_it, .timeout = 60) {
    enum { PER = 50 };
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "pause", 2, 1, NULL);
    free(ck_produce(bs(), topic, 2 * PER, 0, 2, 0, "p"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    pauser_t ps = {topic, 0, 0, 0};
    ck_cons_t k = {.hook = pause_hook, .user = &ps};
    ck_cons_init(
        &k, &loop,
        ck_conf(bs(), (const char *[]){"batch.size", "10", "batch.timeout.ms", "100", NULL}));
    assign_all(k.c, topic, 2, KFK_OFFSET_BEGINNING);
    cr_assert_eq(kfk_consumer_pause(k.c, topic, 0), 0);
    cr_assert_eq(kfk_consumer_pause(k.c, topic, 7), KFK_ERR__UNKNOWN_PARTITION);
    ck_cons_start(&k);
    ck_run_for(&loop, 2000);
    cr_assert_eq(ps.err, 0);
    cr_assert(ps.paused_p1, "no batch of partition 1 came");
    cr_assert_eq(count_part(&k, 0), 0, "partition 0 delivered while paused");
    cr_assert_eq(ps.p1_batches_after_pause, 0, "partition 1 delivered %zu batches after pause",
                 ps.p1_batches_after_pause);
    size_t p1 = count_part(&k, 1);
    cr_assert(p1 > 0 && p1 <= 10, "partition 1: %zu records before its pause", p1);
    cr_assert_eq(kfk_consumer_resume(k.c, topic, 0), 0);
    cr_assert_eq(kfk_consumer_resume(k.c, topic, 1), 0);
    ps.paused_p1 = 2; /* no more pausing */
    ck_count_target_t tgt = {&k.n, 2 * PER};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(k.n, 2 * PER);
    int64_t next[2] = {0, 0};
    for (size_t i = 0; i < k.n; i++) {
        cr_assert_eq(k.msgs[i].offset, next[k.msgs[i].partition]);
        next[k.msgs[i].partition]++;
    }
    ck_cons_free(&k);
}

typedef struct timed_pause {
    kfk_consumer_t *c;
    const char *topic;
    uv_timer_t t;
    double paused_at;
} timed_pause_t;

static void on_timed_pause(uv_timer_t *t) {
    timed_pause_t *s = t->data;
    cr_assert_eq(kfk_consumer_pause(s->c, s->topic, 0), 0);
    s->paused_at = ck_now_ms();
    uv_close((uv_handle_t *)t, NULL);
}

Test(consumer, pause_holds_back_records_of_a_batch_still_forming, .timeout = 60) {
    char topic[96];
    ck_topic_create(bs(), topic, sizeof topic, "pausef", 1, 1, NULL);
    free(ck_produce(bs(), topic, 20, 0, 1, 0, "p"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(
        &k, &loop,
        ck_conf(bs(), (const char *[]){"batch.size", "1000", "batch.timeout.ms", "5000", NULL}));
    assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    timed_pause_t s = {k.c, topic, {0}, 0};
    uv_timer_init(&loop, &s.t);
    s.t.data = &s;
    uv_timer_start(&s.t, on_timed_pause, 2500, 0); /* the batch is forming (see the seek case) */
    ck_cons_start(&k);
    ck_run_for(&loop, 6500);
    size_t while_paused = k.n;
    cr_assert_eq(kfk_consumer_resume(k.c, topic, 0), 0);
    ck_count_target_t tgt = {&k.n, 20};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_gt(s.paused_at, 0);
    cr_assert_eq(while_paused, 0,
                 "%zu records of a paused partition were delivered (the batch forming when "
                 "kfk_consumer_pause was called)",
                 while_paused);
    cr_assert_eq(k.n, 20);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, (int64_t)i);
    ck_cons_free(&k);
}

/* ==== auto.offset.reset
 * ============================================================================== */

/* A consumer of group @p group (fresh) on partition 0 of @p topic from @p start with
 * auto.offset.reset=@p reset, run for @p ms; returns its recorder (caller frees). */
static void reset_run(ck_cons_t *k, uv_loop_t *loop, const char *topic, const char *group,
                      int64_t start, const char *reset) {
    ck_cons_init(k, loop,
                 ck_conf(bs(), (const char *[]){"group.id", group, "auto.offset.reset", reset,
                                                "batch.timeout.ms", "50", NULL}));
    assign_all(k->c, topic, 1, start);
    ck_cons_start(k);
}

typedef struct trickle_until {
    ck_cons_t *k;
    const char *topic;
    kfk_producer_t *p;
    uv_timer_t t;
    int sent;
} trickle_until_t;

static void on_tu_tick(uv_timer_t *t) {
    trickle_until_t *tu = t->data;
    char val[32];
    int vl = snprintf(val, sizeof val, "late:%d:", 10 + tu->sent++);
    kfk_record_t rec = {tu->topic, 0, NULL, 0, val, (size_t)vl, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(tu->p, &rec, NULL, NULL), 0);
}

static void latest_case(int64_t start) {
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "latest", 1, 1, NULL);
    unique_group(group, sizeof group, "latest");
    free(ck_produce(bs(), topic, 10, 0, 1, 0, "old"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    reset_run(&k, &loop, topic, group, start, "latest");
    /* Keep producing until something arrives: only records written after the reset come. */
    trickle_until_t tu = {&k, topic, NULL, {0}, 0};
    kfk_conf_t *pc = ck_conf(bs(), (const char *[]){"linger.ms", "0", NULL});
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, pc, &tu.p, err, sizeof err), 0, "%s", err);
    kfk_conf_destroy(pc);
    uv_timer_init(&loop, &tu.t);
    tu.t.data = &tu;
    uv_timer_start(&tu.t, on_tu_tick, 200, 200);
    ck_count_target_t tgt = {&k.n, 3};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    uv_timer_stop(&tu.t);
    ck_run_for(&loop, 600);
    uv_close((uv_handle_t *)&tu.t, NULL);
    kfk_producer_close(tu.p, 5000, NULL, NULL);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_geq(k.msgs[0].offset, 10, "latest delivered old record %lld",
                  (long long)k.msgs[0].offset);
    for (size_t i = 1; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, k.msgs[i - 1].offset + 1);
    cr_assert_eq(k.msgs[k.n - 1].offset, 10 + tu.sent - 1, "the last records were not delivered");
    fprintf(stderr, "auto.offset.reset=latest (start %lld): first record at offset %lld\n",
            (long long)start, (long long)k.msgs[0].offset);
    ck_cons_free(&k);
}

static void earliest_case(int64_t start) {
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "earliest", 1, 1, NULL);
    unique_group(group, sizeof group, "earliest");
    free(ck_produce(bs(), topic, 10, 0, 1, 0, "old"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    reset_run(&k, &loop, topic, group, start, "earliest");
    ck_count_target_t tgt = {&k.n, 10};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(k.n, 10);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, (int64_t)i);
    ck_cons_free(&k);
}

static void error_case(int64_t start) {
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "rerror", 1, 1, NULL);
    unique_group(group, sizeof group, "rerror");
    free(ck_produce(bs(), topic, 10, 0, 1, 0, "old"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    reset_run(&k, &loop, topic, group, start, "error");
    ck_run_for(&loop, 2500);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(k.n, 0, "auto.offset.reset=error delivered %zu records", k.n);
    cr_assert_gt(k.errors, 0, "no error was reported (log level <= 3)");
    fprintf(stderr, "auto.offset.reset=error (start %lld): \"%s\"\n", (long long)start,
            k.last_error);
    ck_cons_free(&k);
}

Test(consumer, auto_offset_reset_earliest_without_a_commit_starts_at_the_beginning, .timeout = 60) {
    earliest_case(KFK_OFFSET_STORED);
}
Test(consumer, auto_offset_reset_earliest_after_an_out_of_range_offset, .timeout = 60) {
    earliest_case(1000);
}
Test(consumer, auto_offset_reset_latest_without_a_commit_starts_at_the_end, .timeout = 60) {
    latest_case(KFK_OFFSET_STORED);
}
Test(consumer, auto_offset_reset_latest_after_an_out_of_range_offset, .timeout = 60) {
    latest_case(1000);
}
Test(consumer, auto_offset_reset_error_without_a_commit_delivers_nothing, .timeout = 60) {
    error_case(KFK_OFFSET_STORED);
}
Test(consumer, auto_offset_reset_error_after_an_out_of_range_offset, .timeout = 60) {
    error_case(1000);
}

/* ==== close with a batch outstanding, re-assignment with a commit in flight ================ */

typedef struct closer {
    ck_cons_t *k;
    kfk_batch_t *held;
    uint32_t held_no;
    uv_timer_t close_t, done_t;
    double done_at, closed_at;
    int closed;
} closer_t;

static void on_closer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    closer_t *cl = opaque;
    cl->closed_at = ck_now_ms();
    cl->closed = 1;
}

static void on_closer_close(uv_timer_t *t) {
    closer_t *cl = t->data;
    kfk_consumer_close(cl->k->c, 5000, on_closer_closed, cl);
    uv_close((uv_handle_t *)t, NULL);
}

static void on_closer_done(uv_timer_t *t) {
    closer_t *cl = t->data;
    cl->done_at = ck_now_ms();
    ck_done(cl->k, cl->held, cl->held_no, KFK_ERR_NONE);
    uv_close((uv_handle_t *)t, NULL);
}

static int closer_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    closer_t *cl = k->user;
    if (cl->held)
        return 0;
    cl->held = b;
    cl->held_no = no;
    uv_timer_init(k->loop, &cl->close_t);
    uv_timer_init(k->loop, &cl->done_t);
    cl->close_t.data = cl->done_t.data = cl;
    uv_timer_start(&cl->close_t, on_closer_close, 100, 0);
    uv_timer_start(&cl->done_t, on_closer_done, 700, 0);
    return 1;
}

static int closer_closed(void *arg) {
    return ((closer_t *)arg)->closed;
}

Test(consumer, close_waits_for_an_outstanding_batch_and_commits_it, .timeout = 60) {
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "close", 1, 1, NULL);
    unique_group(group, sizeof group, "close");
    free(ck_produce(bs(), topic, 20, 0, 1, 0, "c"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    closer_t cl = {0};
    ck_cons_t k = {.hook = closer_hook, .user = &cl};
    cl.k = &k;
    ck_cons_init(&k, &loop,
                 ck_conf(bs(), (const char *[]){"batch.size", "20", "group.id", group,
                                                "auto.offset.reset", "earliest", NULL}));
    assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_run_until(&loop, closer_closed, &cl, 20000);
    loop_finish(&loop);
    cr_assert_gt(cl.done_at, 0);
    cr_assert_geq(cl.closed_at, cl.done_at, "the close callback came before the batch was done");
    cr_assert_eq(k.nb, 1, "%zu batches: delivery went on after close", k.nb);
    int64_t committed[1];
    ck_committed(bs(), group, topic, 1, committed);
    cr_assert_eq(committed[0], (int64_t)k.n, "committed %lld after close, want %zu",
                 (long long)committed[0], k.n);
    ck_cons_free(&k);
}

typedef struct reassign {
    const char *topic;
    int done;
    kfk_err_t err;
} reassign_t;

static int reassign_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    reassign_t *r = k->user;
    if (r->done)
        return 0;
    r->done = 1;
    /* The done batch starts a commit of partition 0; the new assignment drops partition 0
     * while that commit is in flight. */
    ck_done(k, b, no, KFK_ERR_NONE);
    kfk_topic_partition_t tp = {r->topic, 1, KFK_OFFSET_STORED};
    r->err = kfk_consumer_assign(k->c, &tp, 1);
    return 1;
}

Test(consumer, reassigning_with_a_commit_in_flight_is_safe, .timeout = 60) {
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "reassign", 2, 1, NULL);
    unique_group(group, sizeof group, "reassign");
    free(ck_produce(bs(), topic, 40, 0, 2, 0, "r"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    reassign_t r = {topic, 0, 0};
    ck_cons_t k = {.hook = reassign_hook, .user = &r};
    ck_cons_init(&k, &loop,
                 ck_conf(bs(), (const char *[]){"batch.size", "5", "group.id", group,
                                                "auto.offset.reset", "earliest", NULL}));
    kfk_topic_partition_t tp = {topic, 0, KFK_OFFSET_STORED};
    cr_assert_eq(kfk_consumer_assign(k.c, &tp, 1), 0);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, 25}; /* 5 of partition 0, then the 20 of partition 1 */
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 500);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(k.n, 25);
    for (size_t i = 5; i < k.n; i++)
        cr_assert_eq(k.msgs[i].partition, 1);
    int64_t committed[2];
    ck_committed(bs(), group, topic, 2, committed);
    cr_assert_eq(committed[1], 20);
    ck_cons_free(&k);
}

/* ==== commits are not queued behind a long-polling Fetch
 * ============================================ */

typedef struct lat {
    double done_at, cb_at;
    kfk_err_t err;
    int calls;
} lat_t;

static void on_lat_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    lat_t *l = opaque;
    l->cb_at = ck_now_ms();
    l->err = err;
    l->calls++;
}

static int lat_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    lat_t *l = k->user;
    if (l->done_at)
        return 0;
    ck_done(k, b, no, KFK_ERR_NONE);
    l->done_at = ck_now_ms();
    cr_assert_eq(kfk_consumer_commit(k->c, on_lat_commit, l), 0);
    return 1;
}

static int lat_called(void *arg) {
    return ((lat_t *)arg)->calls;
}

Test(consumer, a_commit_is_not_held_behind_a_long_polling_fetch, .timeout = 60) {
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "lpoll", 1, 1, NULL);
    unique_group(group, sizeof group, "lpoll");
    free(ck_produce(bs(), topic, 10, 0, 1, 0, "l"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    lat_t l = {0};
    ck_cons_t k = {.hook = lat_hook, .user = &l};
    /* fetch.max.wait.ms 5000: once the 10 records are read, the next Fetch waits at the broker
     * for 5 s. Java and librdkafka talk to the coordinator on a connection of its own. */
    ck_cons_init(
        &k, &loop,
        ck_conf(bs(), (const char *[]){"batch.size", "10", "group.id", group, "auto.offset.reset",
                                       "earliest", "fetch.max.wait.ms", "5000", NULL}));
    assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_run_until(&loop, lat_called, &l, 20000);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    double ms = l.cb_at - l.done_at;
    fprintf(stderr, "commit after a done batch, fetch.max.wait.ms=5000: acknowledged in %.0f ms\n",
            ms);
    cr_assert_eq(l.err, 0, "commit: %s", kfk_err_name(l.err));
    cr_assert_lt(ms, 1500,
                 "the commit took %.0f ms: it waited behind the long-polling Fetch on the shared "
                 "connection",
                 ms);
    ck_cons_free(&k);
}

/* ---- statistics ------------------------------------------------------------------------------ */

typedef struct cstats {
    kt_stats_t st;
    int committed;
    kfk_err_t commit_err;
    int after; /* documents seen when the commit was answered */
} cstats_t;

static void on_cstats_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    cstats_t *s = opaque;
    s->commit_err = err;
    s->committed = 1;
    s->after = s->st.docs;
}

static int cstats_doc_after_commit(void *arg) {
    cstats_t *s = arg;
    return s->committed && s->st.docs > s->after;
}

Test(consumer, statistics_report_group_offsets_and_lag_per_partition, .timeout = 90) {
    enum { N = 900, PARTS = 3 };
    char topic[96], group[96];
    ck_topic_create(bs(), topic, sizeof topic, "stats", PARTS, 1, NULL);
    ck_pos_t *pos = ck_produce(bs(), topic, N, 30, PARTS, 0, "s");
    int64_t end[PARTS];
    ck_end_offsets(pos, N, PARTS, end);
    free(pos);
    unique_group(group, sizeof group, "stats");
    uv_loop_t loop;
    uv_loop_init(&loop);
    cstats_t cs = {0};
    kfk_conf_t *conf =
        ck_conf(bs(), (const char *[]){"group.id", group, "auto.offset.reset", "earliest",
                                       "statistics.interval.ms", "50", NULL});
    kfk_conf_set_stats_cb(conf, kt_stats_cb, &cs.st);
    ck_cons_t k = {0};
    ck_cons_init(&k, &loop, conf);
    const char *topics[] = {topic};
    cr_assert_eq(kfk_consumer_subscribe(k.c, topics, 1), 0);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 30000);
    cr_assert_eq(kfk_consumer_commit(k.c, on_cstats_commit, &cs), 0);
    /* A document rendered after the commit was answered. */
    ck_run_until(&loop, cstats_doc_after_commit, &cs, 10000);
    cr_assert_eq(cs.commit_err, 0, "%s", kfk_err_name(cs.commit_err));
    json_t *doc = kt_stats_parse(&cs.st);
    cr_assert_str_eq(kt_json_str(doc, "type"), "consumer");
    cr_assert_eq(kt_json_int(doc, "rxmsgs"), N, "%s", cs.st.last);
    cr_assert_geq(kt_json_int(doc, "rx_batches"), (json_int_t)((N + 99) / 100));
    cr_assert_eq(kt_json_int(doc, "batches_outstanding"), 0);
    json_t *cg = json_object_get(doc, "cgrp");
    cr_assert_str_eq(kt_json_str(cg, "state"), "stable", "%s", cs.st.last);
    cr_assert_eq(kt_json_int(cg, "assignment_size"), PARTS);
    cr_assert_geq(kt_json_int(cg, "rebalance_cnt"), 1);
    cr_assert_geq(kt_json_int(cg, "generation"), 1);
    for (int i = 0; i < PARTS; i++) {
        json_t *tp = kt_stats_partition(doc, topic, i);
        cr_assert_str_eq(kt_json_str(tp, "fetch_state"), "active");
        cr_assert_eq(kt_json_int(tp, "app_offset"), end[i], "partition %d: %s", i, cs.st.last);
        cr_assert_eq(kt_json_int(tp, "stored_offset"), end[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "committed_offset"), end[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "hi_offset"), end[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "consumer_lag"), 0, "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "consumer_lag_stored"), 0, "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "batch_outstanding"), 0, "partition %d", i);
    }
    json_decref(doc);
    ck_cons_close(&k, 5000);
    loop_finish(&loop);
    ck_cons_free(&k);
    kt_stats_free(&cs.st);
}
