/*
 * producer_kit.c: shared pieces of the producer's integration tests (producer_kit.h): delivery
 * bookkeeping, producers and loop runners, topics, kcat read-back and raw batch headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"
#include "producer_kit.h"

/* ---- delivery bookkeeping -------------------------------------------------------------------- */

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

void pk_on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
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

void pk_on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    tally_t *t = opaque;
    t->flushed++;
    t->reports_at_flush = t->reports;
}

void pk_on_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    tally_t *t = opaque;
    t->closed++;
    t->reports_at_close = t->reports;
    if (t->loop) {
        uv_update_time(t->loop);
        t->closed_at = uv_now(t->loop);
    }
}

const char *pk_errs_str(const tally_t *t, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < 8 && t->errs[i] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s x%d", i ? ", " : "",
                              kfk_err_name(t->err_codes[i]), t->errs[i]);
    return buf;
}

/* ---- producers and loops -----------------------------------------------------------------------
 */

void pk_conf_set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    cr_assert_eq(kfk_conf_set(c, k, v, err, sizeof err), 0, "%s=%s: %s", k, v, err);
}

/* A producer on @p loop for @p bootstrap (NULL: the broker under test) with the NULL-terminated
 * name, value, ... pairs of @p kv. */
kfk_producer_t *pk_producer_at(uv_loop_t *loop, const char *bootstrap, const char *const *kv) {
    kfk_conf_t *c = kfk_conf_new();
    pk_conf_set(c, "bootstrap.servers", bootstrap ? bootstrap : kt_env_required("BOOTSTRAP"));
    pk_conf_set(c, "log_level", "2");
    const char *dbg = getenv("KFK_TEST_DEBUG"); /* e.g. "producer,broker": to stderr */
    if (dbg) {
        pk_conf_set(c, "debug", dbg);
        pk_conf_set(c, "log_level", "7");
    }
    for (size_t i = 0; kv && kv[i]; i += 2)
        pk_conf_set(c, kv[i], kv[i + 1]);
    kfk_producer_t *p;
    char err[256];
    kfk_err_t e = kfk_producer_new(loop, c, &p, err, sizeof err);
    kfk_conf_free(c);
    cr_assert_eq(e, 0, "kfk_producer_new: %s: %s", kfk_err_name(e), err);
    return p;
}

kfk_producer_t *pk_producer(uv_loop_t *loop, const char *const *kv) {
    return pk_producer_at(loop, NULL, kv);
}

static void on_tick(uv_timer_t *h) {
    (void)h;
}

/* One loop iteration that returns within 10 ms even when no I/O comes: uv_run(UV_RUN_ONCE)
 * runs the due timers first and then blocks for I/O, so an event raised from a timer callback
 * would not end it. Returns uv_run's answer (0: nothing left on the loop). */
int pk_run_once(uv_loop_t *loop) {
    uv_timer_t tick;
    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, on_tick, 10, 0);
    uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    return uv_run(loop, UV_RUN_NOWAIT);
}

/* Runs @p loop until *flag is non-zero, for at most @p max_ms. */
void pk_run_until(uv_loop_t *loop, const int *flag, uint64_t max_ms) {
    uint64_t t0 = uv_now(loop);
    while (!*flag) {
        int alive = pk_run_once(loop);
        cr_assert(*flag || alive, "the loop ran dry before the event came");
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, max_ms, "no event within %llu ms",
                     (unsigned long long)max_ms);
    }
}

/* Sends @p rec, running the loop while the queue is full. */
void pk_send_wait(uv_loop_t *loop, kfk_producer_t *p, const kfk_record_t *rec, sent_t *s) {
    kfk_err_t e;
    uint64_t t0 = uv_now(loop);
    while ((e = kfk_producer_send(p, rec, pk_on_delivery, s)) == KFK_ERR__QUEUE_FULL) {
        pk_run_once(loop);
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, 30000, "the queue stayed full for 30 s");
    }
    cr_assert_eq(e, 0, "kfk_producer_send: %s", kfk_err_name(e));
}

void pk_flush_wait(uv_loop_t *loop, kfk_producer_t *p, tally_t *t, uint64_t max_ms) {
    int before = t->flushed;
    cr_assert_eq(kfk_producer_flush(p, pk_on_flushed, t), 0);
    cr_assert_eq(t->flushed, before, "the flush callback ran inside kfk_producer_flush");
    int target = before + 1;
    uint64_t t0 = uv_now(loop);
    while (t->flushed < target) {
        pk_run_once(loop);
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, max_ms, "flush did not call back in %llu ms",
                     (unsigned long long)max_ms);
    }
}

/* Closes @p p and the loop: the close callback runs once and nothing is left on the loop. */
void pk_close_all(uv_loop_t *loop, kfk_producer_t *p, int64_t timeout_ms, tally_t *t) {
    kfk_producer_set_close_timeout(p, timeout_ms);
    kfk_producer_close(p, pk_on_closed, t);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(t->closed, 1, "close callback ran %d times", t->closed);
    cr_assert_eq(uv_loop_close(loop), 0, "handles left on the loop");
}

/* ---- topics
 * -------------------------------------------------------------------------------------- */

/* A topic named kfk-c-TAG-PID-N with @p parts partitions (replication 1) and the name/value
 * pairs of @p cfg (NULL-terminated); with @p wait, once the metadata shows a leader for every
 * partition (consumer_kit.c). */
void pk_topic_create_ex(char *name, size_t cap, const char *tag, int32_t parts,
                        const char *const *cfg, int wait) {
    ck_topic_create_ex(kt_env_required("BOOTSTRAP"), name, cap, tag, parts, 1, cfg, wait);
}

void pk_topic_create(char *name, size_t cap, const char *tag, int32_t parts,
                     const char *const *cfg) {
    pk_topic_create_ex(name, cap, tag, parts, cfg, 1);
}

/* ---- reading back with kcat -------------------------------------------------------------------
 */

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
rows_t pk_kcat_read_at(const char *bootstrap, const char *topic) {
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

rows_t pk_kcat_read(const char *topic) {
    return pk_kcat_read_at(kt_env_required("BOOTSTRAP"), topic);
}

void pk_rows_free(rows_t *r) {
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
size_t pk_fetch_batches_visit(const char *topic, int32_t part, batch_info_t *out, size_t cap,
                              batch_visit_fn visit, void *arg) {
    batches_t bs = {out, 0, cap, visit, arg};
    kfk_err_t rerr = KFK_ERR_NONE;
    size_t n = ck_batches_visit(kt_env_required("BOOTSTRAP"), topic, part, visit_batch, &bs, &rerr);
    cr_assert_eq(rerr, 0, "batch reader: %s", kfk_err_name(rerr));
    return n;
}

size_t pk_fetch_batches(const char *topic, int32_t part, batch_info_t *out, size_t cap) {
    return pk_fetch_batches_visit(topic, part, out, cap, NULL, NULL);
}
