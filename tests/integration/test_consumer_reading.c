/*
 * test_consumer_reading.c: what kfk_consumer_t reads, against the real broker (issue 7), with
 * manual assignment: 100k keyed records written by kfk's producer read back from the beginning
 * (nothing missing, nothing twice, order per partition); topics written by kcat with each codec
 * (keys, values, headers); read_committed and read_uncommitted against Java's transactional
 * producer (aborted transactions, control records, an open transaction holding back the last
 * stable offset); typed batches with a decoder that fails on one record; kfk_message_msgpack.
 * Helpers: consumer_tests.h, consumer_kit.h. Part of integration_consumer, registered COMPAT
 * (Kafka 4.3.1 and 3.9.x); every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <msgpack.h>
#include <uv.h>

#include "consumer_kit.h"
#include "consumer_tests.h"
#include "env.h"
#include "kfk/kfk.h"

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
    ck_topic_create(ct_bs(), topic, sizeof topic, "100k", PARTS, 1, NULL);
    ck_pos_t *pos = ck_produce(ct_bs(), topic, N, KEYS, 0, 0, "v");
    int64_t end[PARTS];
    ck_end_offsets(pos, N, PARTS, end);

    uv_loop_t loop;
    uv_loop_init(&loop);
    keycheck_t kc = {0};
    ck_cons_t k = {.hook = key_hook, .user = &kc};
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), (const char *[]){"max.poll.records", "500", NULL}));
    ct_assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    double t0 = ck_now_ms();
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 90000);
    double secs = (ck_now_ms() - t0) / 1e3;
    ck_run_for(&loop, 500); /* nothing more may come */
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
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
    ck_topic_create(ct_bs(), topic, sizeof topic, codec, PARTS, 1, NULL);
    char path[128];
    snprintf(path, sizeof path, "/tmp/kfk-ct-%d-%s.txt", (int)getpid(), codec);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < N; i++)
        fprintf(f, "key-%d\tvalue-%d-the quick brown fox jumps over the lazy dog %d\n", i, i,
                i % 7);
    fclose(f);
    /* Idempotent: without it librdkafka may retry a batch after a later one was written (one
     * clean-clone CI run read key 0 after key 1997 in one partition), and the key order below
     * would not be the log's. */
    int st = ck_sh("kcat -P -b '%s' -t '%s' -z %s -K '\\t' -H h1=one -H h2=two "
                   "-X enable.idempotence=true -X linger.ms=100 -X batch.num.messages=1000 "
                   "-l '%s' 2>/dev/null",
                   ct_bs(), topic, codec, path);
    unlink(path);
    cr_assert_eq(st, 0, "kcat -P -z %s failed", codec);
    size_t batches = 0;
    for (int32_t p = 0; p < PARTS; p++) {
        kfk_codec_t codecs[256];
        size_t nb = ck_batch_codecs(ct_bs(), topic, p, codecs, 256);
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
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), (const char *[]){"max.poll.records", "300", NULL}));
    ct_assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&cs.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 30000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);

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
        /* kfk's order first (offsets), then the producer's (keys). */
        cr_assert_eq(c->offset, next[c->partition], "%s: partition %d: offset %lld, want %lld",
                     codec, c->partition, (long long)c->offset, (long long)next[c->partition]);
        next[c->partition]++;
        cr_assert_gt(ki, last[c->partition], "%s: partition %d: record %d after %d", codec,
                     c->partition, ki, last[c->partition]);
        last[c->partition] = ki;
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
    ck_topic_create(ct_bs(), topic, sizeof topic, "txn", PARTS, 1, NULL);
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
        "java",          "-cp",  libs,    KFK_SOURCE_DIR "/tests/integration/TxnWriter.java",
        (char *)ct_bs(), topic,  parts_s, rounds_s,
        per_s,           hold_s, NULL};
    pid_t writer = ck_spawn(argv, out, err);

    uv_loop_t loop;
    uv_loop_init(&loop);
    copies_t rc = {0}, ru = {0};
    ck_cons_t kc = {.hook = copy_hook, .user = &rc}, ku = {.hook = copy_hook, .user = &ru};
    ck_cons_init(
        &kc, &loop,
        ck_conf(ct_bs(), (const char *[]){"isolation.level", "read_committed", "batch.timeout.ms",
                                          "50", "fetch.max.wait.ms", "200", NULL}));
    ck_cons_init(
        &ku, &loop,
        ck_conf(ct_bs(), (const char *[]){"isolation.level", "read_uncommitted", "batch.timeout.ms",
                                          "50", "fetch.max.wait.ms", "200", NULL}));
    ct_assign_all(kc.c, topic, PARTS, 0);
    ct_assign_all(ku.c, topic, PARTS, 0);
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
    ct_loop_finish(&loop);
    int st = ck_wait(writer, 30000);
    char *werr = ck_slurp(err, NULL);
    cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "TxnWriter failed:\n%s",
              werr ? werr : "");
    free(werr);

    int64_t end[PARTS], total_end = 0;
    ck_list_end(ct_bs(), topic, PARTS, 0, end);
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
    kfk_conf_t *pc = ck_conf(ct_bs(), NULL);
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, pc, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(pc);
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
    kfk_producer_set_close_timeout(p, 5000);
    kfk_producer_close(p, NULL, NULL);
    ct_loop_finish(&loop);
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
    ck_topic_create(ct_bs(), topic, sizeof topic, "typed", 1, 1, NULL);
    const char *raw[] = {"not msgpack \xc1"};
    size_t raw_len[] = {strlen(raw[0])};
    int raw_at[] = {7};
    write_users(topic, N, raw_at, raw, raw_len, 1);

    uv_loop_t loop;
    uv_loop_init(&loop);
    typed_t t = {0};
    ck_cons_t k = {.hook = typed_hook, .user = &t};
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), NULL));
    kfk_consumer_set_decoder(k.c, decode_user, free_user, &t);
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
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
    ck_topic_create(ct_bs(), topic, sizeof topic, "mp", 1, 1, NULL);
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
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), NULL));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, 7};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(t.checked, 7);
    cr_assert_eq(t.wrong, 0, "%s", t.what);
    ck_cons_free(&k);
}
