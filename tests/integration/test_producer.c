/*
 * test_producer.c: kfk_producer_t against the real broker (issue 6). Every assertion is on data
 * read back from Kafka by a peer: kcat (librdkafka) consumes the topics, and a raw Fetch decoded
 * with kfk's RecordBatch reader shows the batch attributes (codec, producer id, sequences).
 *
 * Covered: 100k records of 1000 keys (nothing lost, no duplicates, per-key order, offsets as
 * reported); acks 0/1/all; every codec read back by kcat; Java-compatible partitioning (the
 * murmur2 vectors on 3/4/6/12 partitions, 1,000 random keys against kcat's murmur2_random);
 * partition.by over msgpack; queue full; flush; close with records pending; delivery timeouts;
 * batch splitting on MESSAGE_TOO_LARGE and a record the broker refuses; headers, null keys and
 * values, explicit partitions; order on a brand-new topic. Registered COMPAT: it runs against
 * Kafka 4.3.1 and 3.9.x. Every test ends with uv_loop_close() == 0.
 *
 * KFK_TEST_DEBUG=producer,broker (any kfk debug contexts) prints the producers' debug log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <msgpack.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"
#include "statsdoc.h"

/* ---- delivery bookkeeping -------------------------------------------------------------------- */

typedef struct tally {
    size_t reports; /* delivery callbacks, all records */
    size_t ok, failed, dup;
    kfk_err_t first_err;
    int errs[8]; /* counts of up to 8 distinct errors */
    kfk_err_t err_codes[8];
    int flushed, closed;
    size_t reports_at_flush, reports_at_close;
    uint64_t closed_at; /* loop time of the close callback (with loop set) */
    uv_loop_t *loop;
} tally_t;

typedef struct sent {
    tally_t *t;
    int calls;
    kfk_err_t err;
    int32_t partition;
    int64_t offset;
    uint64_t at_ms; /* loop time of the report */
} sent_t;

static void tally_err(tally_t *t, kfk_err_t err) {
    for (int i = 0; i < 8; i++) {
        if (t->errs[i] && t->err_codes[i] == err) {
            t->errs[i]++;
            return;
        }
        if (!t->errs[i]) {
            t->err_codes[i] = err;
            t->errs[i] = 1;
            return;
        }
    }
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    sent_t *s = opaque;
    tally_t *t = s->t;
    if (s->calls++)
        t->dup++;
    s->err = d->err;
    s->partition = d->partition;
    s->offset = d->offset;
    s->at_ms = t->loop ? uv_now(t->loop) : 0;
    t->reports++;
    if (d->err) {
        if (!t->failed)
            t->first_err = d->err;
        t->failed++;
        tally_err(t, d->err);
    } else {
        t->ok++;
    }
}

static void on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    tally_t *t = opaque;
    t->flushed++;
    t->reports_at_flush = t->reports;
}

static void on_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    tally_t *t = opaque;
    t->closed++;
    t->reports_at_close = t->reports;
    if (t->loop) {
        uv_update_time(t->loop);
        t->closed_at = uv_now(t->loop);
    }
}

static const char *errs_str(const tally_t *t, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < 8 && t->errs[i] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s x%d", i ? ", " : "",
                              kfk_err_name(t->err_codes[i]), t->errs[i]);
    return buf;
}

/* ---- producers and loops -----------------------------------------------------------------------
 */

static void conf_set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    cr_assert_eq(kfk_conf_set(c, k, v, err, sizeof err), 0, "%s=%s: %s", k, v, err);
}

/* A producer on @p loop for @p bootstrap (NULL: the broker under test) with the NULL-terminated
 * name, value, ... pairs of @p kv. */
static kfk_producer_t *producer_at(uv_loop_t *loop, const char *bootstrap, const char *const *kv) {
    kfk_conf_t *c = kfk_conf_new();
    conf_set(c, "bootstrap.servers", bootstrap ? bootstrap : kt_env_required("BOOTSTRAP"));
    conf_set(c, "log_level", "2");
    const char *dbg = getenv("KFK_TEST_DEBUG"); /* e.g. "producer,broker": to stderr */
    if (dbg) {
        conf_set(c, "debug", dbg);
        conf_set(c, "log_level", "7");
    }
    for (size_t i = 0; kv && kv[i]; i += 2)
        conf_set(c, kv[i], kv[i + 1]);
    kfk_producer_t *p;
    char err[256];
    kfk_err_t e = kfk_producer_new(loop, c, &p, err, sizeof err);
    kfk_conf_destroy(c);
    cr_assert_eq(e, 0, "kfk_producer_new: %s: %s", kfk_err_name(e), err);
    return p;
}

static kfk_producer_t *producer(uv_loop_t *loop, const char *const *kv) {
    return producer_at(loop, NULL, kv);
}

static void on_tick(uv_timer_t *h) {
    (void)h;
}

/* One loop iteration that returns within 10 ms even when no I/O comes: uv_run(UV_RUN_ONCE)
 * runs the due timers first and then blocks for I/O, so an event raised from a timer callback
 * would not end it. Returns uv_run's answer (0: nothing left on the loop). */
static int run_once(uv_loop_t *loop) {
    uv_timer_t tick;
    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, on_tick, 10, 0);
    uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    return uv_run(loop, UV_RUN_NOWAIT);
}

/* Runs @p loop until *flag is non-zero, for at most @p max_ms. */
static void run_until(uv_loop_t *loop, const int *flag, uint64_t max_ms) {
    uint64_t t0 = uv_now(loop);
    while (!*flag) {
        int alive = run_once(loop);
        cr_assert(*flag || alive, "the loop ran dry before the event came");
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, max_ms, "no event within %llu ms",
                     (unsigned long long)max_ms);
    }
}

/* Sends @p rec, running the loop while the queue is full. */
static void send_wait(uv_loop_t *loop, kfk_producer_t *p, const kfk_record_t *rec, sent_t *s) {
    kfk_err_t e;
    uint64_t t0 = uv_now(loop);
    while ((e = kfk_producer_send(p, rec, on_delivery, s)) == KFK_ERR__QUEUE_FULL) {
        run_once(loop);
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, 30000, "the queue stayed full for 30 s");
    }
    cr_assert_eq(e, 0, "kfk_producer_send: %s", kfk_err_name(e));
}

static void flush_wait(uv_loop_t *loop, kfk_producer_t *p, tally_t *t, uint64_t max_ms) {
    int before = t->flushed;
    cr_assert_eq(kfk_producer_flush(p, on_flushed, t), 0);
    cr_assert_eq(t->flushed, before, "the flush callback ran inside kfk_producer_flush");
    int target = before + 1;
    uint64_t t0 = uv_now(loop);
    while (t->flushed < target) {
        run_once(loop);
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, max_ms, "flush did not call back in %llu ms",
                     (unsigned long long)max_ms);
    }
}

/* Closes @p p and the loop: the close callback runs once and nothing is left on the loop. */
static void close_all(uv_loop_t *loop, kfk_producer_t *p, int64_t timeout_ms, tally_t *t) {
    kfk_producer_close(p, timeout_ms, on_closed, t);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(t->closed, 1, "close callback ran %d times", t->closed);
    cr_assert_eq(uv_loop_close(loop), 0, "handles left on the loop");
}

/* ---- topics
 * -------------------------------------------------------------------------------------- */

/* A topic named kfk-c-TAG-PID-N with @p parts partitions (replication 1) and the name/value
 * pairs of @p cfg (NULL-terminated); with @p wait, once the metadata shows a leader for every
 * partition (consumer_kit.c). */
static void topic_create_ex(char *name, size_t cap, const char *tag, int32_t parts,
                            const char *const *cfg, int wait) {
    ck_topic_create_ex(kt_env_required("BOOTSTRAP"), name, cap, tag, parts, 1, cfg, wait);
}

static void topic_create(char *name, size_t cap, const char *tag, int32_t parts,
                         const char *const *cfg) {
    topic_create_ex(name, cap, tag, parts, cfg, 1);
}

/* ---- reading back with kcat -------------------------------------------------------------------
 */

typedef struct row {
    int32_t partition;
    int64_t offset;
    int64_t ts;
    int32_t klen, vlen; /* -1: null */
    char *key, *val;    /* NUL-terminated copies, NULL when null */
    char *hdrs;         /* kcat's %h: name=value,... */
} row_t;

typedef struct rows {
    row_t *v;
    size_t n, cap;
} rows_t;

static int64_t read_num(FILE *f, int *ok) {
    char buf[32];
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\t' && n < sizeof buf - 1)
        buf[n++] = (char)c;
    buf[n] = 0;
    if (c != '\t' || n == 0) {
        *ok = 0;
        return 0;
    }
    return strtoll(buf, NULL, 10);
}

static char *read_bytes(FILE *f, int32_t len, int *ok) {
    if (len < 0) {
        if (fgetc(f) != '\t')
            *ok = 0;
        return NULL;
    }
    char *p = malloc((size_t)len + 1);
    if (fread(p, 1, (size_t)len, f) != (size_t)len || fgetc(f) != '\t')
        *ok = 0;
    p[len] = 0;
    return p;
}

/* Every record of @p topic (on @p bootstrap), read by kcat from the beginning to the end of
 * each partition; binary-safe (lengths first). Rows of a partition come in offset order. */
static rows_t kcat_read_at(const char *bootstrap, const char *topic) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "kcat -C -b '%s' -t '%s' -o beginning -e -q -m 15 -X check.crcs=true "
             "-f '%%p\\t%%o\\t%%T\\t%%K\\t%%k\\t%%S\\t%%s\\t%%h\\n'",
             bootstrap, topic);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f, "popen kcat");
    rows_t r = {0};
    for (;;) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        ungetc(c, f);
        int ok = 1;
        row_t w;
        memset(&w, 0, sizeof w);
        w.partition = (int32_t)read_num(f, &ok);
        w.offset = read_num(f, &ok);
        w.ts = read_num(f, &ok);
        w.klen = (int32_t)read_num(f, &ok);
        w.key = read_bytes(f, w.klen, &ok);
        w.vlen = (int32_t)read_num(f, &ok);
        w.val = read_bytes(f, w.vlen, &ok);
        char *line = NULL;
        size_t lcap = 0;
        ssize_t ln = getline(&line, &lcap, f);
        if (ln > 0 && line[ln - 1] == '\n')
            line[ln - 1] = 0;
        else
            ok = 0;
        w.hdrs = line;
        cr_assert(ok, "unparsable kcat output at row %zu of %s", r.n, topic);
        if (r.n == r.cap) {
            r.cap = r.cap ? 2 * r.cap : 1024;
            r.v = realloc(r.v, r.cap * sizeof *r.v);
        }
        r.v[r.n++] = w;
    }
    int st = pclose(f);
    cr_assert_eq(st, 0, "kcat exited with status %d reading %s", st, topic);
    return r;
}

static rows_t kcat_read(const char *topic) {
    return kcat_read_at(kt_env_required("BOOTSTRAP"), topic);
}

static void rows_free(rows_t *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].key);
        free(r->v[i].val);
        free(r->v[i].hdrs);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* ---- reading batch headers with a raw Fetch
 * ------------------------------------------------------ */

typedef struct batch_info {
    kfk_codec_t codec;
    int64_t base_offset;
    int32_t records;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
} batch_info_t;

typedef void (*batch_visit_fn)(const kfk_record_batch_t *b, void *arg);

typedef struct {
    batch_info_t *out;
    size_t n, cap;
    batch_visit_fn visit;
    void *arg;
} batches_t;

static void visit_batch(const kfk_record_batch_t *b, void *arg) {
    batches_t *bs = arg;
    if (bs->n < bs->cap)
        bs->out[bs->n] = (batch_info_t){b->codec,       b->base_offset,    b->records_count,
                                        b->producer_id, b->producer_epoch, b->base_sequence};
    bs->n++;
    if (bs->visit)
        bs->visit(b, bs->arg);
}

/* The RecordBatch headers of partition @p part of @p topic (consumer_kit's raw Fetch reader);
 * @p visit (may be NULL) sees each batch. Returns the batch count. */
static size_t fetch_batches_visit(const char *topic, int32_t part, batch_info_t *out, size_t cap,
                                  batch_visit_fn visit, void *arg) {
    batches_t bs = {out, 0, cap, visit, arg};
    kfk_err_t rerr = KFK_ERR_NONE;
    size_t n = ck_batches_visit(kt_env_required("BOOTSTRAP"), topic, part, visit_batch, &bs, &rerr);
    cr_assert_eq(rerr, 0, "batch reader: %s", kfk_err_name(rerr));
    return n;
}

static size_t fetch_batches(const char *topic, int32_t part, batch_info_t *out, size_t cap) {
    return fetch_batches_visit(topic, part, out, cap, NULL, NULL);
}

/* ==== 100k records, order, nothing lost, no duplicates
 * ============================================ */

Test(producer, keeps_per_key_order_over_100k_records_of_1000_keys, .timeout = 90) {
    enum { N = 100000, KEYS = 1000, PARTS = 8 };
    char topic[96];
    topic_create(topic, sizeof topic, "order", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p = producer(&loop, NULL); /* defaults: acks=all, idempotent, linger 5 */
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
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 60000);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    close_all(&loop, p, -1, &t);
    char eb[256];
    fprintf(stderr, "100k records produced and reported in %.2f s (%.0f records/s)\n", secs,
            N / secs);
    cr_assert_eq(t.reports, (size_t)N, "%zu reports", t.reports);
    cr_assert_eq(t.dup, 0);
    cr_assert_eq(t.ok, (size_t)N, "failures: %s", errs_str(&t, eb, sizeof eb));

    rows_t r = kcat_read(topic);
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
        size_t nb = fetch_batches(topic, part, bi, 20000);
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
    rows_free(&r);
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
        topic_create_ex(topic, sizeof topic, "fresh", PARTS, NULL, 0);
        uv_loop_t loop;
        uv_loop_init(&loop);
        tally_t t = {0};
        kfk_producer_t *p = producer(&loop, (const char *[]){"batch.size", "2048", NULL});
        sent_t *s = calloc(N, sizeof *s);
        for (int i = 0; i < N; i++) {
            char key[16], val[16];
            int kl = snprintf(key, sizeof key, "k%d", i % KEYS);
            int vl = snprintf(val, sizeof val, "%d", i);
            kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)vl, NULL, 0,
                                0};
            s[i].t = &t;
            send_wait(&loop, p, &rec, &s[i]);
        }
        flush_wait(&loop, p, &t, 40000);
        close_all(&loop, p, -1, &t);
        char eb[256];
        cr_assert_eq(t.ok, (size_t)N, "round %d: %s", round, errs_str(&t, eb, sizeof eb));
        rows_t r = kcat_read(topic);
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
        rows_free(&r);
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
    topic_create(topic, sizeof topic, tag, PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    int warm = 0;
    if (!strcmp(acks, "0")) {
        /* acks=0 gets no answer: a Produce refused by a partition whose leader is not ready
         * yet (just after CreateTopics) loses its records silently. One acknowledged record
         * per partition first ("warm", skipped below) makes every partition ready. */
        tally_t wt = {0};
        kfk_producer_t *wp = producer(&loop, (const char *[]){"acks", "all", NULL});
        sent_t ws[PARTS];
        memset(ws, 0, sizeof ws);
        for (int i = 0; i < PARTS; i++) {
            kfk_record_t rec = {topic, i, NULL, 0, "warm", 4, NULL, 0, 0};
            ws[i].t = &wt;
            send_wait(&loop, wp, &rec, &ws[i]);
        }
        flush_wait(&loop, wp, &wt, 30000);
        close_all(&loop, wp, -1, &wt); /* (closes the loop too) */
        cr_assert_eq(wt.ok, (size_t)PARTS, "warm-up records");
        warm = PARTS;
        uv_loop_init(&loop);
    }
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"acks", acks, NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char key[16], val[16];
        int kl = snprintf(key, sizeof key, "k%d", i % 97);
        int vl = snprintf(val, sizeof val, "%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.reports, (size_t)N, "acks=%s: %zu reports", acks, t.reports);
    cr_assert_eq(t.dup, 0);
    cr_assert_eq(t.ok, (size_t)N, "acks=%s: %s", acks, errs_str(&t, eb, sizeof eb));
    for (int i = 0; i < N; i++) {
        if (!strcmp(acks, "0"))
            cr_assert_eq(s[i].offset, -1, "acks=0 cannot know an offset");
        else
            cr_assert_geq(s[i].offset, 0, "acks=%s: record %d without an offset", acks, i);
        cr_assert(s[i].partition >= 0 && s[i].partition < PARTS);
    }
    /* acks=0: "delivered" means written to the socket; the broker may still be appending. */
    rows_t r = kcat_read(topic);
    for (int tries = 0; r.n < (size_t)(N + warm) && !strcmp(acks, "0") && tries < 50; tries++) {
        rows_free(&r);
        usleep(200000);
        r = kcat_read(topic);
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
    rows_free(&r);
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
    topic_create(topic, sizeof topic, codec, 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"compression.type", codec, NULL});
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
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.ok, (size_t)N, "%s: %s", codec, errs_str(&t, eb, sizeof eb));
    cr_assert_eq(t.dup, 0);

    rows_t r = kcat_read(topic);
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
    rows_free(&r);
    batch_info_t bi[4096];
    size_t nb = fetch_batches(topic, 0, bi, 4096);
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

/* ==== partitioning
 * ================================================================================ */

/* kafka-protocol.md section 7: Kafka's murmur2 vectors and their partitions for 3/4/6/12. */
static const struct {
    const char *key;
    int32_t part[4];
} murmur_vectors[] = {
    {"21", {0, 0, 0, 0}},
    {"foobar", {0, 2, 0, 6}},
    {"a-little-bit-long-string", {2, 0, 2, 8}},
    {"a-little-bit-longer-string", {2, 3, 5, 11}},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", {2, 1, 5, 5}},
    {"abc", {0, 3, 3, 3}},
    {"", {0, 1, 3, 9}},
};
#define NVECTORS (sizeof murmur_vectors / sizeof murmur_vectors[0])

Test(producer, keyed_records_land_on_the_java_partition_of_the_murmur2_vectors, .timeout = 60) {
    static const int32_t counts[4] = {3, 4, 6, 12};
    char topics[4][96];
    for (int c = 0; c < 4; c++) {
        char tag[16];
        snprintf(tag, sizeof tag, "mm%d", counts[c]);
        topic_create(topics[c], sizeof topics[c], tag, counts[c], NULL);
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    sent_t s[4][NVECTORS];
    memset(s, 0, sizeof s);
    for (int c = 0; c < 4; c++)
        for (size_t v = 0; v < NVECTORS; v++) {
            const char *k = murmur_vectors[v].key;
            kfk_record_t rec = {topics[c], KFK_PARTITION_ANY, k, strlen(k), k, strlen(k), NULL, 0,
                                0};
            s[c][v].t = &t;
            send_wait(&loop, p, &rec, &s[c][v]);
        }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, 4 * NVECTORS);
    for (int c = 0; c < 4; c++) {
        rows_t r = kcat_read(topics[c]);
        cr_assert_eq(r.n, NVECTORS);
        for (size_t j = 0; j < r.n; j++) {
            size_t v = 0;
            while (v < NVECTORS && strcmp(murmur_vectors[v].key, r.v[j].val))
                v++;
            cr_assert_lt(v, NVECTORS, "unexpected value %s", r.v[j].val);
            cr_assert_eq(r.v[j].klen, (int32_t)strlen(murmur_vectors[v].key),
                         "the empty key must stay a non-null empty key");
            cr_assert_eq(r.v[j].partition, murmur_vectors[v].part[c],
                         "key \"%s\" on %d partitions: partition %d, Java picks %d",
                         murmur_vectors[v].key, counts[c], r.v[j].partition,
                         murmur_vectors[v].part[c]);
            cr_assert_eq(s[c][v].partition, r.v[j].partition);
        }
        rows_free(&r);
    }
}

static int key_cmp_rows(const void *a, const void *b) {
    const row_t *x = a, *y = b;
    return strcmp(x->key, y->key);
}

Test(producer, random_keys_land_where_kcat_murmur2_random_puts_them, .timeout = 60) {
    enum { N = 1000, PARTS = 7 };
    char ta[96], tb[96];
    topic_create(ta, sizeof ta, "xkcat", PARTS, NULL);
    topic_create(tb, sizeof tb, "xkfk", PARTS, NULL);
    /* Random keys of 1..48 bytes, printable ASCII and bytes >= 0x80 (murmur2's tail and sign
     * handling), unique, never a tab or newline (kcat's delimiters). */
    char(*keys)[64] = calloc(N, sizeof *keys);
    uint32_t x = (uint32_t)getpid() * 2654435761u | 1;
    for (int i = 0; i < N; i++) {
        for (;;) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            int len = 1 + (int)(x % 48);
            for (int j = 0; j < len; j++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                uint32_t c = x % (94 + 128);
                keys[i][j] = (char)(c < 94 ? 0x21 + c : 0x80 + (c - 94));
            }
            keys[i][len] = 0;
            int dup = 0;
            for (int k = 0; k < i && !dup; k++)
                dup = !strcmp(keys[k], keys[i]);
            if (!dup)
                break;
        }
    }
    char path[] = "/tmp/kfk-xkeys-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < N; i++)
        fprintf(f, "%s\t%d\n", keys[i], i);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "kcat -P -b '%s' -t '%s' -K '\\t' -X partitioner=murmur2_random -l '%s' "
             ">/dev/null 2>&1",
             kt_env_required("BOOTSTRAP"), ta, path);
    cr_assert_eq(system(cmd), 0, "kcat -P failed");
    unlink(path);

    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char val[16];
        int vl = snprintf(val, sizeof val, "%d", i);
        kfk_record_t rec = {
            tb, KFK_PARTITION_ANY, keys[i], strlen(keys[i]), val, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, (size_t)N);

    rows_t ra = kcat_read(ta), rb = kcat_read(tb);
    cr_assert_eq(ra.n, (size_t)N, "kcat's topic holds %zu records", ra.n);
    cr_assert_eq(rb.n, (size_t)N, "kfk's topic holds %zu records", rb.n);
    qsort(ra.v, ra.n, sizeof *ra.v, key_cmp_rows);
    qsort(rb.v, rb.n, sizeof *rb.v, key_cmp_rows);
    int differ = 0, spread[PARTS] = {0};
    for (int i = 0; i < N; i++) {
        cr_assert_str_eq(ra.v[i].key, rb.v[i].key);
        cr_assert_str_eq(ra.v[i].val, rb.v[i].val);
        if (ra.v[i].partition != rb.v[i].partition && differ++ < 5)
            fprintf(stderr, "key of record %s: kcat partition %d, kfk partition %d\n", ra.v[i].val,
                    ra.v[i].partition, rb.v[i].partition);
        spread[rb.v[i].partition]++;
    }
    cr_assert_eq(differ, 0, "%d of %d keys landed on another partition than kcat's", differ, N);
    for (int i = 0; i < PARTS; i++)
        cr_assert_gt(spread[i], 50, "partition %d got %d of 1000 keys", i, spread[i]);
    rows_free(&ra);
    rows_free(&rb);
    free(keys);
    free(s);
}

Test(producer, null_keys_spread_over_partitions_batch_by_batch, .timeout = 60) {
    enum { N = 20000, PARTS = 4 };
    char topic[96];
    topic_create(topic, sizeof topic, "sticky", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"batch.size", "4096", NULL});
    sent_t *s = calloc(N, sizeof *s);
    char val[100];
    memset(val, 'n', sizeof val);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, val, sizeof val, NULL, 0, 0};
        s[i].t = &t;
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, (size_t)N);
    int count[PARTS] = {0};
    for (int i = 0; i < N; i++)
        count[s[i].partition]++;
    for (int i = 0; i < PARTS; i++)
        cr_assert_gt(count[i], N / PARTS / 4, "partition %d got %d of %d null-key records", i,
                     count[i], N);
    /* Sticky: consecutive null-key records share a partition far more often than 1 in 4. */
    int same = 0;
    for (int i = 1; i < N; i++)
        same += s[i].partition == s[i - 1].partition;
    cr_assert_gt(same, N * 9 / 10, "only %d of %d neighbours share a partition", same, N);
    free(s);
}

/* ==== statistics =================================================================================
 */

Test(producer, statistics_count_acknowledged_records_per_partition, .timeout = 60) {
    enum { N = 3000, PARTS = 3 };
    char topic[96];
    topic_create(topic, sizeof topic, "stats", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kt_stats_t st = {0};
    kfk_conf_t *c = kfk_conf_new();
    conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
    conf_set(c, "statistics.interval.ms", "50");
    kfk_conf_set_stats_cb(c, kt_stats_cb, &st);
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_destroy(c);
    sent_t *s = calloc(N, sizeof *s);
    char key[16], val[100];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "k%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, strlen(key), val, sizeof val, NULL, 0,
                            0};
        s[i].t = &t;
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 30000);
    cr_assert_eq(t.ok, (size_t)N);
    /* A document rendered after every record was reported. */
    int d0 = st.docs;
    uint64_t t0 = uv_now(&loop);
    while (st.docs < d0 + 1) {
        run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 5000, "no statistics within 5 s");
    }
    json_t *doc = kt_stats_parse(&st);
    cr_assert_str_eq(kt_json_str(doc, "type"), "producer");
    cr_assert_eq(kt_json_int(doc, "txmsgs"), N, "%s", st.last);
    cr_assert_eq(kt_json_int(doc, "txmsg_errs"), 0);
    cr_assert_eq(kt_json_int(doc, "msg_cnt"), 0);
    cr_assert_eq(kt_json_int(doc, "msg_size"), 0);
    cr_assert_geq(kt_json_int(doc, "txmsg_bytes"), (json_int_t)N * (json_int_t)sizeof val);
    cr_assert_geq(kt_json_int(doc, "batches"), PARTS);
    cr_assert_geq(kt_json_int(doc, "requests"), 1);
    json_t *eos = json_object_get(doc, "eos");
    cr_assert_str_eq(kt_json_str(eos, "idemp_state"), "Assigned");
    cr_assert_geq(kt_json_int(eos, "producer_id"), 0);
    int want[PARTS] = {0};
    for (int i = 0; i < N; i++)
        want[s[i].partition]++;
    for (int i = 0; i < PARTS; i++) {
        json_t *tp = kt_stats_partition(doc, topic, i);
        cr_assert_eq(kt_json_int(tp, "txmsgs"), want[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "msgq_cnt"), 0);
        cr_assert_eq(kt_json_int(tp, "msgs_inflight"), 0);
        cr_assert_geq(kt_json_int(tp, "leader"), 0);
    }
    json_decref(doc);
    close_all(&loop, p, -1, &t);
    kt_stats_free(&st);
    free(s);
}

/* ==== partition.by over msgpack =================================================================
 */

typedef struct ev {
    int kind;
    const char *s;
    int64_t i;
    uint64_t u;
    int n;
} ev_t;

static void pack_str(msgpack_packer *pk, const char *s) {
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static int pack_ev(msgpack_packer *pk, const void *obj, void *opaque) {
    (void)opaque;
    const ev_t *e = obj;
    switch (e->kind) {
    case 0: /* {"type": "signup", "user": {"id": S, "name": "n"}, "n": N} */
        msgpack_pack_map(pk, 3);
        pack_str(pk, "type");
        pack_str(pk, "signup");
        pack_str(pk, "user");
        msgpack_pack_map(pk, 2);
        pack_str(pk, "id");
        pack_str(pk, e->s);
        pack_str(pk, "name");
        pack_str(pk, "n");
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 1: /* {"n": N, "user": {"id": I}} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        pack_str(pk, "user");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "id");
        msgpack_pack_int64(pk, e->i);
        return 0;
    case 2: /* {"a": {"x": [1, 2], "b": {"c": I}}, "n": N} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "a");
        msgpack_pack_map(pk, 2);
        pack_str(pk, "x");
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, 1);
        msgpack_pack_int(pk, 2);
        pack_str(pk, "b");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "c");
        msgpack_pack_int64(pk, e->i);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 3: /* {"a": {"b": {"c": S}}, "n": N} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "a");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "b");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "c");
        pack_str(pk, e->s);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 4: /* {"user": {"id": U}, "n": N} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "user");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "id");
        msgpack_pack_uint64(pk, e->u);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 5: /* {"user": {"id": [1, 2]}} */
        msgpack_pack_map(pk, 1);
        pack_str(pk, "user");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "id");
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, 1);
        msgpack_pack_int(pk, 2);
        return 0;
    case 6: /* {"user": "scalar"} */
        msgpack_pack_map(pk, 1);
        pack_str(pk, "user");
        pack_str(pk, "scalar");
        return 0;
    default:
        return -1; /* the pack callback refuses */
    }
}

/* What kfk must send as the key of @p e: str(value) as Python would print it. */
static void expected_key(const ev_t *e, char *out, size_t cap) {
    if (e->kind == 0 || e->kind == 3)
        snprintf(out, cap, "%s", e->s);
    else if (e->kind == 4)
        snprintf(out, cap, "%llu", (unsigned long long)e->u);
    else
        snprintf(out, cap, "%lld", (long long)e->i);
}

static const char *path_of(int kind) {
    return kind == 2 || kind == 3 ? "a.b.c" : "user.id";
}

Test(producer, partition_by_takes_the_key_from_a_nested_msgpack_path, .timeout = 60) {
    enum { N = 600, PARTS = 6 };
    char topic[96];
    topic_create(topic, sizeof topic, "pby", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    static const int64_t ints[] = {0,        7, -7, 42, 12345, -2147483649LL, 9007199254740993LL,
                                   INT64_MIN};
    ev_t *evs = calloc(N, sizeof *evs);
    char(*strs)[32] = calloc(N, sizeof *strs);
    sent_t *s = calloc(N, sizeof *s);
    kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, NULL, 0, NULL, 0, 0};
    for (int i = 0; i < N; i++) {
        ev_t *e = &evs[i];
        e->kind = i % 5;
        e->n = i;
        snprintf(strs[i], sizeof strs[i], "user-%d", i * 7919 % 1000);
        e->s = strs[i];
        e->i = i < 8 * 5 ? ints[i / 5] : (int64_t)i * 1000003 - 300000000;
        e->u = i == 4 ? UINT64_MAX : (uint64_t)i * 0x9e3779b97f4a7c15ull;
        s[i].t = &t;
        kfk_err_t err = kfk_producer_send_msgpack(p, &rec, e, pack_ev, NULL, path_of(e->kind),
                                                  on_delivery, &s[i]);
        cr_assert_eq(err, 0, "event %d (kind %d): %s", i, e->kind, kfk_err_name(err));
    }
    /* Refused with KFK_ERR__KEY_PATH and no callback: a missing path, a map, an array, a path
     * through a scalar; a refusing pack callback gives KFK_ERR__INVALID_ARG. */
    ev_t bad[] = {{0, "x", 0, 0, 0},  {0, "x", 0, 0, 0},  {5, NULL, 0, 0, 0},
                  {6, NULL, 0, 0, 0}, {1, NULL, 5, 0, 0}, {2, NULL, 5, 0, 0}};
    const char *bad_paths[] = {"user.email", "user", "user.id", "user.id", "user.id.x", "a.b"};
    sent_t bs[6] = {{0}};
    for (int i = 0; i < 6; i++) {
        bs[i].t = &t;
        kfk_err_t err = kfk_producer_send_msgpack(p, &rec, &bad[i], pack_ev, NULL, bad_paths[i],
                                                  on_delivery, &bs[i]);
        cr_assert_eq(err, KFK_ERR__KEY_PATH, "path %s of kind %d: got %s", bad_paths[i],
                     bad[i].kind, kfk_err_name(err));
    }
    ev_t refuse = {99, NULL, 0, 0, 0};
    sent_t rs = {0};
    rs.t = &t;
    cr_assert_eq(kfk_producer_send_msgpack(p, &rec, &refuse, pack_ev, NULL, NULL, on_delivery, &rs),
                 KFK_ERR__INVALID_ARG);
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.reports, (size_t)N, "only accepted records are reported (%zu)", t.reports);
    cr_assert_eq(t.ok, (size_t)N);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(bs[i].calls, 0);
    cr_assert_eq(rs.calls, 0);

    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    char *seen = calloc(N, 1);
    for (size_t j = 0; j < r.n; j++) {
        row_t *w = &r.v[j];
        /* The value is the msgpack kfk packed: unpack it and find "n". */
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        size_t off = 0;
        cr_assert_eq(msgpack_unpack_next(&u, w->val, (size_t)w->vlen, &off),
                     MSGPACK_UNPACK_SUCCESS);
        cr_assert_eq(off, (size_t)w->vlen, "trailing bytes after the msgpack value");
        int n = -1;
        msgpack_object_map m = u.data.via.map;
        for (uint32_t k = 0; k < m.size; k++)
            if (m.ptr[k].key.via.str.size == 1 && m.ptr[k].key.via.str.ptr[0] == 'n')
                n = (int)m.ptr[k].val.via.i64;
        msgpack_unpacked_destroy(&u);
        cr_assert(n >= 0 && n < N && !seen[n], "record n=%d", n);
        seen[n] = 1;
        /* Packed again by the test: the same bytes. */
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        pack_ev(&pk, &evs[n], NULL);
        cr_assert_eq(sb.size, (size_t)w->vlen);
        cr_assert_eq(memcmp(sb.data, w->val, sb.size), 0, "value bytes of record %d differ", n);
        msgpack_sbuffer_destroy(&sb);
        char key[64];
        expected_key(&evs[n], key, sizeof key);
        cr_assert_str_eq(w->key, key, "kind %d", evs[n].kind);
        cr_assert_eq(w->partition, kfk_murmur2_partition(key, strlen(key), PARTS),
                     "key %s on partition %d", key, w->partition);
    }
    rows_free(&r);
    free(seen);
    free(s);
    free(strs);
    free(evs);
}

/* ==== queue full, flush, close ==================================================================
 */

Test(producer, a_full_queue_refuses_at_once_and_accepts_again_after_delivery, .timeout = 60) {
    char topic[96];
    topic_create(topic, sizeof topic, "qfull", 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(
        &loop, (const char *[]){"queue.buffering.max.messages", "10", "linger.ms", "200", NULL});
    sent_t s[12];
    memset(s, 0, sizeof s);
    kfk_record_t rec = {topic, KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
    for (int i = 0; i < 10; i++) {
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0, "record %d", i);
    }
    s[10].t = &t;
    uint64_t t0 = uv_hrtime();
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[10]), KFK_ERR__QUEUE_FULL);
    cr_assert_lt(uv_hrtime() - t0, 5000000ull, "QUEUE_FULL must come at once");
    cr_assert_eq(kfk_producer_queued(p), 10);
    flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(t.ok, 10);
    cr_assert_eq(s[10].calls, 0, "a refused record gets no callback");
    cr_assert_eq(kfk_producer_queued(p), 0);
    s[11].t = &t;
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[11]), 0, "accepted after delivery");
    flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(t.ok, 11);
    close_all(&loop, p, -1, &t);

    /* The byte bound: 4 KiB takes four 1000-byte values, not five. */
    uv_loop_init(&loop);
    tally_t t2 = {0};
    p = producer(&loop,
                 (const char *[]){"queue.buffering.max.kbytes", "4", "linger.ms", "200", NULL});
    char big[1000];
    memset(big, 'b', sizeof big);
    kfk_record_t brec = {topic, 0, NULL, 0, big, sizeof big, NULL, 0, 0};
    sent_t bs[5];
    memset(bs, 0, sizeof bs);
    for (int i = 0; i < 4; i++) {
        bs[i].t = &t2;
        cr_assert_eq(kfk_producer_send(p, &brec, on_delivery, &bs[i]), 0, "record %d", i);
    }
    bs[4].t = &t2;
    cr_assert_eq(kfk_producer_send(p, &brec, on_delivery, &bs[4]), KFK_ERR__QUEUE_FULL);
    flush_wait(&loop, p, &t2, 20000);
    cr_assert_eq(kfk_producer_send(p, &brec, on_delivery, &bs[4]), 0);
    flush_wait(&loop, p, &t2, 20000);
    close_all(&loop, p, -1, &t2);
    cr_assert_eq(t2.ok, 5);
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, 16, "11 small and 5 big records, read %zu", r.n);
    rows_free(&r);
}

Test(producer, flush_sends_at_once_and_calls_back_after_every_report, .timeout = 60) {
    enum { N = 500 };
    char topic[96];
    topic_create(topic, sizeof topic, "flush", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    /* linger.ms 30 s: without flush nothing would leave for half a minute. */
    kfk_producer_t *p = producer(&loop, (const char *[]){"linger.ms", "30000", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_now(&loop);
    flush_wait(&loop, p, &t, 10000);
    uint64_t took = uv_now(&loop) - t0;
    cr_assert_eq(t.reports_at_flush, (size_t)N, "flush called back after %zu of %d reports",
                 t.reports_at_flush, N);
    cr_assert_eq(t.ok, (size_t)N);
    cr_assert_lt(took, 5000, "flush took %llu ms", (unsigned long long)took);
    /* A flush with nothing queued calls back too, later, once. */
    flush_wait(&loop, p, &t, 5000);
    cr_assert_eq(t.flushed, 2);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.flushed, 2);
}

typedef struct stream {
    kfk_producer_t *p;
    const char *topic;
    tally_t *first; /* the records queued before the flush */
    tally_t *extra; /* the stream after it */
    sent_t *xs;
    int sent, max;
    int stopped;
    int flushed_while_streaming;
    uv_idle_t idle;
} stream_t;

static void on_stream_flush(kfk_producer_t *p, void *opaque) {
    (void)p;
    stream_t *st = opaque;
    st->first->flushed++;
    st->first->reports_at_flush = st->first->reports;
    st->flushed_while_streaming = !st->stopped;
}

static void on_stream_idle(uv_idle_t *h) {
    stream_t *st = h->data;
    /* Keep records queued: a few more every loop iteration until max or the flush is done. */
    for (int i = 0; i < 20 && st->sent < st->max && !st->first->flushed; i++) {
        kfk_record_t rec = {st->topic, KFK_PARTITION_ANY, NULL, 0, "x", 1, NULL, 0, 0};
        st->xs[st->sent].t = st->extra;
        kfk_err_t e = kfk_producer_send(st->p, &rec, on_delivery, &st->xs[st->sent]);
        if (e == KFK_ERR__QUEUE_FULL)
            break;
        cr_assert_eq(e, 0);
        st->sent++;
    }
    if (st->sent >= st->max || st->first->flushed) {
        st->stopped = 1;
        uv_idle_stop(h);
    }
}

Test(producer, flush_does_not_wait_for_records_sent_after_it, .timeout = 60) {
    enum { N = 1000, MAX = 200000 };
    char topic[96];
    topic_create(topic, sizeof topic, "flush2", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t first = {0}, extra = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, "f", 1, NULL, 0, 0};
        s[i].t = &first;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    stream_t st = {p, topic, &first, &extra, calloc(MAX, sizeof(sent_t)), 0, MAX, 0, 0, {0}};
    cr_assert_eq(kfk_producer_flush(p, on_stream_flush, &st), 0);
    uv_idle_init(&loop, &st.idle);
    st.idle.data = &st;
    uv_idle_start(&st.idle, on_stream_idle);
    run_until(&loop, &first.flushed, 40000);
    if (!st.stopped) {
        uv_idle_stop(&st.idle);
        st.stopped = 1;
    }
    uv_close((uv_handle_t *)&st.idle, NULL);
    fprintf(stderr,
            "flush: called back after %zu of %d earlier reports; %d records sent after it\n",
            first.reports_at_flush, N, st.sent);
    tally_t ct = {0};
    close_all(&loop, p, -1, &ct);
    free(st.xs);
    free(s);
    cr_assert_eq(first.reports_at_flush, (size_t)N);
    cr_assert_eq(first.ok, (size_t)N);
    cr_assert_eq(extra.reports, (size_t)st.sent, "every streamed record reported once");
    cr_assert(st.flushed_while_streaming,
              "flush waited for the %d records sent after it (it must call back once the %d "
              "records queued when it was called are reported)",
              st.sent, N);
}

Test(producer, close_flushes_pending_records_then_calls_back, .timeout = 60) {
    enum { N = 2000 };
    char topic[96];
    topic_create(topic, sizeof topic, "close", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"linger.ms", "30000", NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char v[16];
        int vl = snprintf(v, sizeof v, "%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, v, (size_t)vl, v, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_hrtime();
    kfk_producer_close(p, -1, on_closed, &t);
    kfk_record_t late = {topic, KFK_PARTITION_ANY, NULL, 0, "late", 4, NULL, 0, 0};
    sent_t ls = {0};
    ls.t = &t;
    cr_assert_eq(kfk_producer_send(p, &late, on_delivery, &ls), KFK_ERR__DESTROYED);
    cr_assert_eq(t.reports, 0, "no callback inside kfk_producer_close");
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    cr_assert_eq(t.closed, 1);
    cr_assert_eq(t.reports_at_close, (size_t)N, "close callback after %zu of %d reports",
                 t.reports_at_close, N);
    cr_assert_eq(ls.calls, 0);
    for (int i = 0; i < N; i++)
        cr_assert_eq(s[i].calls, 1, "record %d reported %d times", i, s[i].calls);
    cr_assert_eq(t.ok, (size_t)N, "close flushes what is queued");
    cr_assert_lt(secs, 10.0, "close took %.1f s: it must not wait for linger.ms", secs);
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    rows_free(&r);
    free(s);
}

Test(producer, close_with_a_zero_timeout_fails_pending_records_once_each, .timeout = 60) {
    enum { N = 2000 };
    char topic[96];
    topic_create(topic, sizeof topic, "close0", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"linger.ms", "30000", NULL});
    sent_t *s = calloc(N, sizeof *s);
    /* Half before the metadata is known (held back), half after. */
    for (int i = 0; i < N; i++) {
        for (int k = 0; i == N / 2 && k < 20; k++) {
            uv_run(&loop, UV_RUN_NOWAIT);
            usleep(5000);
        }
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    close_all(&loop, p, 0, &t);
    cr_assert_eq(t.reports_at_close, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(s[i].calls, 1, "record %d reported %d times", i, s[i].calls);
        cr_assert(s[i].err == KFK_ERR__DESTROYED || s[i].err == 0, "record %d: %s", i,
                  kfk_err_name(s[i].err));
    }
    cr_assert_gt(t.failed, 0, "a zero timeout cannot have delivered everything");
    free(s);
}

static void on_delivery_close(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    sent_t *s = opaque;
    on_delivery(p, d, opaque);
    if (s->t->reports == 1) {
        kfk_producer_close(p, 0, on_closed, s->t);
        kfk_record_t rec = {"x", KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0};
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, s), KFK_ERR__DESTROYED);
    }
}

Test(producer, close_from_inside_a_delivery_callback, .timeout = 60) {
    enum { N = 3000 };
    char topic[96];
    topic_create(topic, sizeof topic, "closecb", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"batch.size", "1024", NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, i % 3, NULL, 0, "value", 5, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery_close, &s[i]), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(t.closed, 1);
    cr_assert_eq(t.dup, 0);
    cr_assert_eq(t.reports_at_close, (size_t)N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(s[i].calls, 1, "record %d reported %d times", i, s[i].calls);
    free(s);
}

static void on_closed_check(kfk_producer_t *p, void *opaque) {
    tally_t *t = opaque;
    t->closed++;
    /* kfk.h: "memory is freed after it returns": the producer is still readable here. */
    t->reports_at_close = kfk_producer_queued(p);
}

Test(producer, the_producer_is_still_valid_inside_its_close_callback, .timeout = 30) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer_at(&loop, "127.0.0.1:1", NULL);
    t.reports_at_close = 12345;
    kfk_producer_close(p, 0, on_closed_check, &t);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(t.closed, 1);
    cr_assert_eq(t.reports_at_close, 0);
}

Test(producer, close_with_an_unreachable_broker_ends_within_its_timeout, .timeout = 30) {
    enum { N = 100 };
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p = producer_at(&loop, "127.0.0.1:1", NULL);
    sent_t s[N];
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {"kfk-p-nowhere", KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_now(&loop);
    close_all(&loop, p, 500, &t);
    uint64_t took = t.closed_at - t0;
    cr_assert_eq(t.reports_at_close, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(s[i].calls, 1);
        cr_assert_eq(s[i].err, KFK_ERR__DESTROYED, "record %d: %s", i, kfk_err_name(s[i].err));
    }
    cr_assert_geq(took, 450);
    cr_assert_lt(took, 3000, "close took %llu ms with a 500 ms timeout", (unsigned long long)took);
}

/* ==== delivery timeouts
 * =========================================================================== */

Test(producer, a_dead_broker_reports_message_timed_out_after_delivery_timeout, .timeout = 30) {
    enum { N = 10 };
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p =
        producer_at(&loop, "127.0.0.1:1", (const char *[]){"delivery.timeout.ms", "2000", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {
            "kfk-p-dead", i % 2 ? 0 : KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    while (t.reports < N) {
        run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 10000, "%zu of %d reported after 10 s", t.reports, N);
    }
    close_all(&loop, p, -1, &t);
    for (int i = 0; i < N; i++) {
        uint64_t at = s[i].at_ms - t0;
        cr_assert_eq(s[i].err, KFK_ERR__MSG_TIMED_OUT,
                     "record %d: %s (no broker ever answered: the record timed out)", i,
                     kfk_err_name(s[i].err));
        cr_assert(at >= 1900 && at < 4000, "record %d reported after %llu ms", i,
                  (unsigned long long)at);
    }
}

Test(producer, an_unknown_topic_is_reported_within_delivery_timeout, .timeout = 30) {
    enum { N = 10 };
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p = producer(&loop, (const char *[]){"delivery.timeout.ms", "2000", NULL});
    char topic[96];
    snprintf(topic, sizeof topic, "kfk-p-missing-%d-%u", (int)getpid(),
             (unsigned)(uv_hrtime() % 1000000));
    sent_t s[N];
    memset(s, 0, sizeof s);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, i % 2 ? 1 : KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    while (t.reports < N) {
        run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 10000, "%zu of %d reported after 10 s", t.reports, N);
    }
    close_all(&loop, p, -1, &t);
    for (int i = 0; i < N; i++) {
        uint64_t at = s[i].at_ms - t0;
        cr_assert(s[i].err == KFK_ERR__MSG_TIMED_OUT ||
                      s[i].err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION,
                  "record %d: %s", i, kfk_err_name(s[i].err));
        cr_assert(at >= 1900 && at < 4000, "record %d reported after %llu ms", i,
                  (unsigned long long)at);
    }
}

/* ==== broker refusals ============================================================================
 */

Test(producer, a_batch_over_the_topic_limit_is_split_and_delivered_in_order, .timeout = 60) {
    /* max.message.bytes=4000 on the topic, batch.size 16 KiB in the producer: the broker refuses
     * the first batches with MESSAGE_TOO_LARGE and kfk splits them until they fit. */
    enum { N = 300 };
    char topic[96];
    topic_create(topic, sizeof topic, "split", 1,
                 (const char *[]){"max.message.bytes", "4000", NULL});
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"linger.ms", "50", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    char val[600];
    for (int i = 0; i < N; i++) {
        int vl = snprintf(val, sizeof val, "%05d:", i);
        memset(val + vl, 'a' + i % 26, 500);
        kfk_record_t rec = {topic, 0, NULL, 0, val, (size_t)vl + 500, NULL, 0, 0};
        s[i].t = &t;
        send_wait(&loop, p, &rec, &s[i]);
    }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.ok, (size_t)N, "%s", errs_str(&t, eb, sizeof eb));
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(atoi(r.v[i].val), i, "offset %d holds record %d", i, atoi(r.v[i].val));
        cr_assert_eq(r.v[i].offset, s[i].offset);
    }
    rows_free(&r);
    batch_info_t bi[512];
    size_t nb = fetch_batches(topic, 0, bi, 512);
    cr_assert_geq(nb, (size_t)N * 506 / 4000, "%zu batches", nb);
}

Test(producer, a_record_the_broker_refuses_fails_alone_and_the_rest_is_delivered, .timeout = 60) {
    /* A compacted topic refuses records without a key (INVALID_RECORD, not retriable). The
     * records after it, in the same partition, must still be delivered, in order. */
    char topic[96];
    topic_create(topic, sizeof topic, "compact", 1,
                 (const char *[]){"cleanup.policy", "compact", NULL});
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    sent_t s[21];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 21; i++) {
        char key[16], val[16];
        int kl = snprintf(key, sizeof key, "k%d", i);
        int vl = snprintf(val, sizeof val, "%d", i);
        kfk_record_t rec = {topic, 0, i == 10 ? NULL : key, (size_t)kl, val, (size_t)vl, NULL,
                            0,     0};
        s[i].t = &t;
        send_wait(&loop, p, &rec, &s[i]);
        if (i == 9 || i == 10)
            flush_wait(&loop, p, &t, 20000); /* the keyless record in a batch of its own */
    }
    flush_wait(&loop, p, &t, 30000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.reports, 21);
    cr_assert_eq(s[10].err, KFK_ERR_INVALID_RECORD, "keyless record: %s", kfk_err_name(s[10].err));
    char eb[256];
    cr_assert_eq(t.ok, 20, "%s", errs_str(&t, eb, sizeof eb));
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, 20);
    for (int j = 0; j < 20; j++)
        cr_assert_eq(atoi(r.v[j].val), j < 10 ? j : j + 1);
    rows_free(&r);
}

Test(producer, a_record_over_message_max_bytes_is_refused_at_once, .timeout = 30) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, (const char *[]){"message.max.bytes", "10000", NULL});
    char *big = calloc(1, 20000);
    kfk_record_t rec = {"kfk-p-too-large", KFK_PARTITION_ANY, NULL, 0, big, 20000, NULL, 0, 0};
    sent_t s = {0};
    s.t = &t;
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s), KFK_ERR__MSG_SIZE_TOO_LARGE);
    kfk_header_t h = {"h", big, 15000};
    kfk_record_t hrec = {"kfk-p-too-large", KFK_PARTITION_ANY, NULL, 0, "v", 1, &h, 1, 0};
    cr_assert_eq(kfk_producer_send(p, &hrec, on_delivery, &s), KFK_ERR__MSG_SIZE_TOO_LARGE,
                 "header bytes count too");
    close_all(&loop, p, 0, &t);
    cr_assert_eq(s.calls, 0);
    free(big);
}

/* ==== headers, nulls, timestamps, explicit partitions ============================================
 */

Test(producer, headers_null_keys_and_null_values_round_trip, .timeout = 60) {
    char topic[96];
    topic_create(topic, sizeof topic, "nulls", 2, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    kfk_header_t h4[] = {
        {"h-a", "alpha", 5}, {"h-empty", "", 0}, {"h-dup", "x", 1}, {"h-dup", "y", 1}};
    kfk_header_t h5[] = {{"only", "one", 3}};
    struct {
        const char *key;
        size_t klen;
        const char *val;
        size_t vlen;
        const kfk_header_t *h;
        size_t nh;
        int64_t ts;
        const char *want_hdrs;
    } cases[] = {
        {NULL, 0, "v0", 2, NULL, 0, 0, ""},
        {"k1", 2, NULL, 0, NULL, 0, 0, ""},
        {"", 0, "", 0, NULL, 0, 0, ""},
        {NULL, 0, NULL, 0, NULL, 0, 0, ""},
        {"k4", 2, "v4", 2, h4, 4, 0, "h-a=alpha,h-empty=,h-dup=x,h-dup=y"},
        {"k5", 2, "v5", 2, h5, 1, 1600000000123LL, "only=one"},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    sent_t s[NC];
    memset(s, 0, sizeof s);
    for (int i = 0; i < NC; i++) {
        /* Explicit partition 1 for all, keyed or not, so that kcat's order is the send order. */
        kfk_record_t rec = {topic,         1,          cases[i].key, cases[i].klen, cases[i].val,
                            cases[i].vlen, cases[i].h, cases[i].nh,  cases[i].ts};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    flush_wait(&loop, p, &t, 20000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, NC);
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, NC);
    for (int i = 0; i < NC; i++) {
        row_t *w = &r.v[i];
        cr_assert_eq(w->partition, 1);
        cr_assert_eq(w->offset, (int64_t)i);
        cr_assert_eq(w->offset, s[i].offset);
        if (cases[i].key) {
            cr_assert_eq(w->klen, (int32_t)cases[i].klen, "case %d: key length %d", i, w->klen);
            cr_assert_str_eq(w->key, cases[i].key);
        } else {
            cr_assert_eq(w->klen, -1, "case %d: a null key read back with length %d", i, w->klen);
        }
        if (cases[i].val) {
            cr_assert_eq(w->vlen, (int32_t)cases[i].vlen, "case %d: value length %d", i, w->vlen);
            cr_assert_str_eq(w->val, cases[i].val);
        } else {
            cr_assert_eq(w->vlen, -1, "case %d: a null value read back with length %d", i, w->vlen);
        }
        cr_assert_str_eq(w->hdrs, cases[i].want_hdrs, "case %d", i);
        if (cases[i].ts)
            cr_assert_eq(w->ts, cases[i].ts, "case %d: timestamp %lld", i, (long long)w->ts);
    }
    rows_free(&r);
}

typedef struct hdr_check {
    int records, headers;
    int32_t null_len;
} hdr_check_t;

static void check_null_header(const kfk_record_batch_t *b, void *arg) {
    hdr_check_t *hc = arg;
    kfk_wbuf_t scratch;
    kfk_wbuf_init(&scratch);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, b, &scratch, 1 << 20), 0);
    kfk_record_view_t v;
    while (kfk_record_iter_next(&it, &v)) {
        hc->records++;
        kfk_record_header_iter_t hi;
        kfk_record_header_iter_init(&hi, &v);
        kfk_record_header_t h;
        while (kfk_record_header_iter_next(&hi, &h)) {
            hc->headers++;
            if (h.key.len == 3 && !memcmp(h.key.ptr, "nul", 3))
                hc->null_len = h.value.len;
        }
    }
    cr_assert_eq(it.err, 0);
    kfk_wbuf_free(&scratch);
}

Test(producer, a_header_with_a_null_value_round_trips, .timeout = 60) {
    char topic[96];
    topic_create(topic, sizeof topic, "nullhdr", 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    kfk_header_t h[] = {{"before", "b", 1}, {"nul", NULL, 0}, {"after", "a", 1}};
    kfk_record_t rec = {topic, 0, "k", 1, "v", 1, h, 3, 0};
    sent_t s = {0};
    s.t = &t;
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s), 0);
    flush_wait(&loop, p, &t, 20000);
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, 1);
    /* kcat does not tell a null header value from an empty one; the raw batch does. */
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, 1);
    cr_assert(!strncmp(r.v[0].hdrs, "before=b,nul", 12) && strstr(r.v[0].hdrs, "after=a"), "%s",
              r.v[0].hdrs);
    rows_free(&r);
    hdr_check_t hc = {0};
    batch_info_t bi[4];
    cr_assert_eq(fetch_batches_visit(topic, 0, bi, 4, check_null_header, &hc), 1);
    cr_assert_eq(hc.records, 1);
    cr_assert_eq(hc.headers, 3);
    cr_assert_eq(hc.null_len, -1, "header \"nul\" read back with length %d", hc.null_len);
}

Test(producer, an_explicit_partition_out_of_range_is_refused, .timeout = 60) {
    char topic[96];
    topic_create(topic, sizeof topic, "range", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    sent_t s[8];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 8; i++)
        s[i].t = &t;
    kfk_record_t rec = {topic, 0, "k", 1, "v", 1, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[0]), 0);
    flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(t.ok, 1);
    /* The partition count is known now: refused at once, no callback. */
    rec.partition = 3;
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[1]), KFK_ERR__UNKNOWN_PARTITION);
    rec.partition = 1000;
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[2]), KFK_ERR__UNKNOWN_PARTITION);
    rec.partition = -2;
    kfk_err_t e = kfk_producer_send(p, &rec, on_delivery, &s[3]);
    cr_assert(e == KFK_ERR__UNKNOWN_PARTITION || e == KFK_ERR__INVALID_ARG, "partition -2: %s",
              kfk_err_name(e));
    rec.partition = 2;
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[4]), 0);
    flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(s[4].partition, 2);
    for (int i = 1; i <= 3; i++)
        cr_assert_eq(s[i].calls, 0, "a refused record got a callback");
    close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, 2);
    cr_assert_eq(t.failed, 0);
}

Test(producer, an_out_of_range_partition_sent_before_metadata_is_refused_once, .timeout = 60) {
    char topic[96];
    topic_create(topic, sizeof topic, "range0", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = producer(&loop, NULL);
    /* The first sends, before the partition count is known: the error is either returned or
     * reported once by the delivery callback; a negative partition other than
     * KFK_PARTITION_ANY is never taken for "any". */
    int32_t parts[] = {3, 7, -2, 1};
    sent_t s[4];
    memset(s, 0, sizeof s);
    kfk_err_t ret[4];
    for (int i = 0; i < 4; i++) {
        kfk_record_t rec = {topic, parts[i], "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        ret[i] = kfk_producer_send(p, &rec, on_delivery, &s[i]);
    }
    flush_wait(&loop, p, &t, 20000);
    close_all(&loop, p, -1, &t);
    for (int i = 0; i < 3; i++) {
        if (ret[i]) {
            cr_assert(ret[i] == KFK_ERR__UNKNOWN_PARTITION || ret[i] == KFK_ERR__INVALID_ARG,
                      "partition %d: returned %s", parts[i], kfk_err_name(ret[i]));
            cr_assert_eq(s[i].calls, 0);
        } else {
            cr_assert_eq(s[i].calls, 1);
            cr_assert(s[i].err == KFK_ERR__UNKNOWN_PARTITION || s[i].err == KFK_ERR__INVALID_ARG,
                      "partition %d: accepted and reported %s (partition %d)", parts[i],
                      kfk_err_name(s[i].err), s[i].partition);
        }
    }
    cr_assert_eq(ret[3], 0);
    cr_assert_eq(s[3].err, 0);
    cr_assert_eq(s[3].partition, 1);
    rows_t r = kcat_read(topic);
    cr_assert_eq(r.n, 1, "only the record for partition 1 may be written (%zu were)", r.n);
    rows_free(&r);
}

Test(producer, conflicting_settings_are_refused_by_producer_new) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *bad[][4] = {
        {"enable.idempotence", "true", "acks", "1"},
        {"enable.idempotence", "true", "max.in.flight.requests.per.connection", "6"},
    };
    for (int i = 0; i < 2; i++) {
        kfk_conf_t *c = kfk_conf_new();
        conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
        conf_set(c, bad[i][0], bad[i][1]);
        conf_set(c, bad[i][2], bad[i][3]);
        kfk_producer_t *p = NULL;
        char err[256] = "";
        cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), KFK_ERR__INVALID_CONF,
                     "%s=%s with %s=%s", bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
        cr_assert(strstr(err, bad[i][2]), "errstr names the setting: %s", err);
        kfk_conf_destroy(c);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
