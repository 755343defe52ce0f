/*
 * test_worker_commit.c: a killed locked worker re-reads at most the batch it was processing.
 * The partition worker (kfk_worker_t) hands its handler the next batch only once the broker
 * acknowledged the commit of the previous one; a consumer with batch.commit.wait=true does the
 * same. Against the in-process mock, whose OffsetCommit answers are delayed or refused by faults,
 * every batch after the first must find the end of the batch before it committed (acknowledged)
 * when it is handed out; a commit that fails is retried on the retry backoff (counted against
 * the schedule of schedule.h) and nothing is handed out meanwhile; when the lock is lost the
 * worker stops without another batch. Before this, batches done while a commit was in flight
 * waited for it and new batches kept coming: a kill lost every batch since the last
 * acknowledged commit (scripts/reliability row 3b, 1,000 records for one kill).
 *
 * The worker's Redis is a fake served here (loopback, port 0): it answers the lock's three
 * EVAL scripts (acquire: the next fencing number; renew and release: 1, or 0 once renewals are
 * refused) and nothing else.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"
#include "mock_records.h"
#include "schedule.h"

#define BACKOFF_MS 50
#define BACKOFF_MAX_MS 400
#define RECORDS 300
#define BATCH 100
#define MAX_BATCHES 16

/* ---- a fake Redis: just the lock's scripts ------------------------------------------------- */

typedef struct fconn fconn_t;

typedef struct fredis {
    uv_tcp_t srv;
    fconn_t *conns;
    int port;
    int64_t fence;
    int refuse_renew; /* answer renewals with 0 (not owner): the lock is lost */
    int acquires, renewals, releases;
} fredis_t;

struct fconn {
    uv_tcp_t h;
    fconn_t *next;
    fredis_t *r;
    size_t len;
    char buf[8192];
};

typedef struct {
    uv_write_t req;
    char data[32];
} fwrite_t;

static void on_fconn_closed(uv_handle_t *h) {
    fconn_t *fc = h->data;
    for (fconn_t **pp = &fc->r->conns; *pp; pp = &(*pp)->next)
        if (*pp == fc) {
            *pp = fc->next;
            break;
        }
    free(fc);
}

static void fconn_close(fconn_t *fc) {
    if (!uv_is_closing((uv_handle_t *)&fc->h))
        uv_close((uv_handle_t *)&fc->h, on_fconn_closed);
}

static void on_fwritten(uv_write_t *w, int status) {
    (void)status;
    free(w->data);
}

static void freply(fconn_t *fc, const char *text) {
    fwrite_t *w = calloc(1, sizeof *w);
    cr_assert(w);
    snprintf(w->data, sizeof w->data, "%s", text);
    w->req.data = w;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)strlen(w->data));
    if (uv_write(&w->req, (uv_stream_t *)&fc->h, &b, 1, on_fwritten) != 0) {
        free(w);
        fconn_close(fc);
    }
}

/* Reads the decimal number ending in CRLF at @p p (before @p end): 1 with *v and *next, 0 when
 * incomplete, -1 when malformed. */
static int read_num(const char *p, const char *end, long *v, const char **next) {
    const char *crlf = NULL;
    for (const char *q = p; q + 1 < end; q++)
        if (q[0] == '\r' && q[1] == '\n') {
            crlf = q;
            break;
        }
    if (!crlf)
        return end - p > 16 ? -1 : 0;
    char tmp[24];
    size_t n = (size_t)(crlf - p);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    char *e;
    *v = strtol(tmp, &e, 10);
    if (*e || *v < 0 || *v > 4096)
        return -1;
    *next = crlf + 2;
    return 1;
}

/* Parses one command (an array of bulk strings) at the start of @p fc's buffer: 1 with its
 * first two arguments and the bytes it took, 0 when incomplete, -1 when malformed. */
static int parse_cmd(fconn_t *fc, const char **a0, size_t *l0, const char **a1, size_t *l1,
                     size_t *used) {
    const char *p = fc->buf, *end = fc->buf + fc->len;
    long n;
    if (p == end)
        return 0;
    if (*p != '*')
        return -1;
    int rc = read_num(p + 1, end, &n, &p);
    if (rc <= 0)
        return rc;
    *a0 = *a1 = "";
    *l0 = *l1 = 0;
    for (long i = 0; i < n; i++) {
        long len;
        if (p == end)
            return 0;
        if (*p != '$')
            return -1;
        if ((rc = read_num(p + 1, end, &len, &p)) <= 0)
            return rc;
        if (end - p < len + 2)
            return 0;
        if (i == 0) {
            *a0 = p;
            *l0 = (size_t)len;
        } else if (i == 1) {
            *a1 = p;
            *l1 = (size_t)len;
        }
        p += len + 2;
    }
    *used = (size_t)(p - fc->buf);
    return 1;
}

static int has(const char *p, size_t n, const char *what) {
    size_t w = strlen(what);
    for (size_t i = 0; i + w <= n; i++)
        if (!memcmp(p + i, what, w))
            return 1;
    return 0;
}

static void on_fread(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    (void)buf;
    fconn_t *fc = s->data;
    if (nread < 0) {
        fconn_close(fc);
        return;
    }
    fc->len += (size_t)nread;
    for (;;) {
        const char *a0, *a1;
        size_t l0, l1, used;
        int rc = parse_cmd(fc, &a0, &l0, &a1, &l1, &used);
        if (rc < 0) {
            fconn_close(fc);
            return;
        }
        if (rc == 0)
            break;
        fredis_t *r = fc->r;
        char out[32];
        if (l0 == 4 && !memcmp(a0, "EVAL", 4) && has(a1, l1, "'NX'")) {
            r->acquires++;
            snprintf(out, sizeof out, ":%lld\r\n", (long long)++r->fence);
        } else if (l0 == 4 && !memcmp(a0, "EVAL", 4) && has(a1, l1, "PEXPIRE")) {
            r->renewals++;
            snprintf(out, sizeof out, ":%d\r\n", r->refuse_renew ? 0 : 1);
        } else if (l0 == 4 && !memcmp(a0, "EVAL", 4) && has(a1, l1, "DEL")) {
            r->releases++;
            snprintf(out, sizeof out, ":1\r\n");
        } else {
            snprintf(out, sizeof out, "-ERR unknown command\r\n");
        }
        freply(fc, out);
        memmove(fc->buf, fc->buf + used, fc->len - used);
        fc->len -= used;
    }
    if (fc->len == sizeof fc->buf)
        fconn_close(fc); /* a command larger than the buffer: not the lock's */
}

static void on_falloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
    (void)hint;
    fconn_t *fc = h->data;
    *buf = uv_buf_init(fc->buf + fc->len, (unsigned)(sizeof fc->buf - fc->len));
}

static void on_fconnect(uv_stream_t *srv, int status) {
    fredis_t *r = srv->data;
    if (status != 0)
        return;
    fconn_t *fc = calloc(1, sizeof *fc);
    cr_assert(fc);
    fc->r = r;
    uv_tcp_init(srv->loop, &fc->h);
    fc->h.data = fc;
    fc->next = r->conns;
    r->conns = fc;
    if (uv_accept(srv, (uv_stream_t *)&fc->h) != 0 ||
        uv_read_start((uv_stream_t *)&fc->h, on_falloc, on_fread) != 0)
        fconn_close(fc);
}

static void fredis_start(uv_loop_t *loop, fredis_t *r) {
    memset(r, 0, sizeof *r);
    struct sockaddr_in sa;
    cr_assert_eq(uv_ip4_addr("127.0.0.1", 0, &sa), 0);
    cr_assert_eq(uv_tcp_init(loop, &r->srv), 0);
    r->srv.data = r;
    cr_assert_eq(uv_tcp_bind(&r->srv, (const struct sockaddr *)&sa, 0), 0);
    cr_assert_eq(uv_listen((uv_stream_t *)&r->srv, 16, on_fconnect), 0);
    struct sockaddr_storage ss;
    int len = sizeof ss;
    cr_assert_eq(uv_tcp_getsockname(&r->srv, (struct sockaddr *)&ss, &len), 0);
    r->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void fredis_close(fredis_t *r) {
    for (fconn_t *fc = r->conns; fc; fc = fc->next)
        fconn_close(fc);
    uv_close((uv_handle_t *)&r->srv, NULL);
}

/* ---- the run -------------------------------------------------------------------------------- */

typedef struct wt wt_t;

struct wt {
    uv_loop_t loop;
    uv_timer_t tick;
    kfk_mock_t *mock;
    fredis_t redis;
    kfk_worker_t *w;   /* the worker, or */
    kfk_consumer_t *c; /* a plain consumer with batch.commit.wait=true */
    int nbatches, records;
    int64_t first[MAX_BATCHES];     /* first offset of each batch handed out */
    int64_t committed[MAX_BATCHES]; /* the acknowledged commit when it was handed out */
    uint64_t first_done_at, end_at; /* loop times: the first batch done, the worker finished */
    uint64_t commits_at_end;
    kfk_err_t done_err; /* what the worker finished with by itself (0: it did not) */
    int finished, closing;
    int refuse_after_commits; /* > 0: the fake Redis refuses renewals after this many commits */
    kfk_producer_t *txn;      /* the worker's transactional producer (opts.txn_producer) */
    uint64_t inits_at_first;  /* InitProducerId requests when the first batch came */
    char why[640];            /* kfk_worker_errstr when it finished by itself */
    uint64_t start, deadline_ms;
};

static kfk_consumer_t *consumer_of(wt_t *t) {
    return t->w ? kfk_worker_consumer(t->w) : t->c;
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    wt_t *t = opaque;
    cr_assert_gt(kfk_batch_count(b), 0);
    cr_assert_lt(t->nbatches, MAX_BATCHES);
    t->first[t->nbatches] = kfk_batch_message(b, 0)->offset;
    t->committed[t->nbatches] = kfk_consumer_committed(c, "t", 0);
    if (t->nbatches == 0)
        t->inits_at_first = kfk_mock_requests(t->mock, KFK_API_INIT_PRODUCER_ID);
    t->nbatches++;
    t->records += (int)kfk_batch_count(b);
    kfk_batch_done(b, KFK_ERR_NONE);
    if (!t->first_done_at)
        t->first_done_at = uv_now(&t->loop);
}

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void close_rest(wt_t *t) {
    kfk_mock_close(t->mock, on_mock_closed, t);
    fredis_close(&t->redis);
}

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    close_rest(opaque);
}

static void on_worker_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    wt_t *t = opaque;
    if (t->txn)
        kfk_producer_close(t->txn, on_producer_closed, t);
    else
        close_rest(t);
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    close_rest(opaque);
}

static void end_run(wt_t *t) {
    if (t->closing)
        return;
    t->closing = 1;
    t->end_at = uv_now(&t->loop);
    t->commits_at_end = kfk_mock_requests(t->mock, KFK_API_OFFSET_COMMIT);
    uv_close((uv_handle_t *)&t->tick, NULL);
    if (t->w) {
        kfk_worker_set_close_timeout(t->w, 0);
        kfk_worker_close(t->w, on_worker_closed, t);
    } else {
        kfk_consumer_set_close_timeout(t->c, 0);
        kfk_consumer_close(t->c, on_consumer_closed, t);
    }
}

static void on_worker_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    (void)w;
    wt_t *t = opaque;
    t->done_err = err;
    t->finished = 1;
    snprintf(t->why, sizeof t->why, "%s", kfk_worker_errstr(w));
    end_run(t);
}

static void on_tick(uv_timer_t *h) {
    wt_t *t = h->data;
    uint64_t now = uv_now(&t->loop);
    kfk_consumer_t *c = consumer_of(t);
    if (t->refuse_after_commits &&
        kfk_mock_requests(t->mock, KFK_API_OFFSET_COMMIT) >= (uint64_t)t->refuse_after_commits)
        t->redis.refuse_renew = 1;
    if (c && t->records >= RECORDS && (t->txn || kfk_consumer_committed(c, "t", 0) >= RECORDS))
        end_run(t);
    else if (now - t->start >= t->deadline_ms)
        end_run(t);
}

/* A mock with topic t (one partition) holding RECORDS records, and the fake Redis. */
static void setup(wt_t *t) {
    memset(t, 0, sizeof *t);
    t->deadline_ms = 15000;
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 1, 1), KFK_ERR_NONE);
    kt_mock_fill(t->mock, "t", 0, RECORDS);
    fredis_start(&t->loop, &t->redis);
}

static kfk_conf_t *make_conf(wt_t *t) {
    char errstr[512], v[32];
    kfk_conf_t *conf = kfk_conf_new();
    const char *kv[] = {"bootstrap.servers",
                        kfk_mock_bootstrap(t->mock),
                        "group.id",
                        "g",
                        "auto.offset.reset",
                        "earliest",
                        "max.poll.records",
                        "100",
                        "batch.timeout.ms",
                        "10",
                        "fetch.max.wait.ms",
                        "100",
                        NULL};
    for (int i = 0; kv[i]; i += 2)
        cr_assert_eq(kfk_conf_set(conf, kv[i], kv[i + 1], errstr, sizeof errstr), 0, "%s", errstr);
    snprintf(v, sizeof v, "%d", BACKOFF_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.ms", v, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", BACKOFF_MAX_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.max.ms", v, errstr, sizeof errstr), 0);
    return conf;
}

static void loop_run(wt_t *t) {
    uv_timer_init(&t->loop, &t->tick);
    t->tick.data = t;
    t->start = uv_now(&t->loop);
    uv_timer_start(&t->tick, on_tick, 10, 10);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

/* Runs a worker of t/0 (lock TTL @p ttl_ms) until every record is read and committed, it
 * finishes by itself, or the deadline. */
static void run_worker(wt_t *t, int64_t ttl_ms) {
    char errstr[512], redis[64];
    kfk_conf_t *conf = make_conf(t);
    snprintf(redis, sizeof redis, "127.0.0.1:%d", t->redis.port);
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    lo.redis = redis;
    lo.ttl_ms = ttl_ms;
    kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
    wo.topic = "t";
    wo.partition = 0;
    wo.lock = &lo;
    wo.txn_producer = t->txn;
    cr_assert_eq(kfk_worker_new(&t->loop, conf, &wo, on_batch, on_worker_done, t, &t->w, errstr,
                                sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    kfk_conf_free(conf);
    loop_run(t);
}

/* Runs a plain consumer of t/0 from the group's commit with batch.commit.wait=true. */
static void run_consumer(wt_t *t) {
    char errstr[512];
    kfk_conf_t *conf = make_conf(t);
    cr_assert_eq(kfk_conf_set(conf, "batch.commit.wait", "true", errstr, sizeof errstr), 0, "%s",
                 errstr);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_topic_partition_t tp = {"t", 0, KFK_OFFSET_STORED};
    cr_assert_eq(kfk_consumer_assign(t->c, &tp, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
    loop_run(t);
}

static void add_fault(wt_t *t, kfk_mock_fault_kind_t kind, kfk_err_t err, int64_t delay_ms,
                      int32_t count) {
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.kind = kind;
    f.api_key = KFK_API_OFFSET_COMMIT;
    f.error = err;
    f.delay_ms = delay_ms;
    f.count = count;
    cr_assert_eq(kfk_mock_fault_add(t->mock, &f), KFK_ERR_NONE);
}

/* Every record read once, in batches of BATCH, each handed out only after the batch before it
 * was committed and acknowledged. */
static void expect_each_batch_after_the_last_commit(const wt_t *t) {
    cr_expect_eq(t->records, RECORDS, "%d records read, not %d", t->records, RECORDS);
    cr_expect_eq(t->nbatches, RECORDS / BATCH, "%d batches, not %d", t->nbatches, RECORDS / BATCH);
    for (int i = 0; i < t->nbatches; i++) {
        cr_expect_eq(t->first[i], (int64_t)i * BATCH, "batch %d starts at %lld", i,
                     (long long)t->first[i]);
        int64_t want = i == 0 ? -1 : t->first[i];
        cr_expect_eq(t->committed[i], want,
                     "batch %d (offsets %lld..) was handed out with the commit acknowledged at "
                     "%lld, not %lld: a kill then would re-read more than one batch",
                     i, (long long)t->first[i], (long long)t->committed[i], (long long)want);
    }
}

Test(worker_commit, the_next_batch_waits_for_the_acknowledgement_of_a_slow_commit) {
    wt_t t;
    setup(&t);
    /* The first commit is answered a second late; the records of the next two batches are
     * fetched meanwhile. */
    add_fault(&t, KFK_MOCK_FAULT_DELAY, KFK_ERR_NONE, 1000, 1);
    run_worker(&t, 30000);
    cr_expect_eq(t.done_err, KFK_ERR_NONE, "the worker finished by itself: %s",
                 kfk_err_name(t.done_err));
    expect_each_batch_after_the_last_commit(&t);
    cr_expect_eq(t.commits_at_end, RECORDS / BATCH, "%llu commits, not one per batch",
                 (unsigned long long)t.commits_at_end);
}

Test(worker_commit, a_failed_commit_is_retried_on_the_backoff_before_the_next_batch) {
    wt_t t;
    setup(&t);
    /* The first three commits are refused (a retriable error): the first batch is committed by
     * the fourth, and only then is the second handed out. */
    add_fault(&t, KFK_MOCK_FAULT_ERROR, KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS, 0, 3);
    run_worker(&t, 30000);
    cr_expect_eq(t.done_err, KFK_ERR_NONE, "the worker finished by itself: %s",
                 kfk_err_name(t.done_err));
    expect_each_batch_after_the_last_commit(&t);
    cr_expect_eq(t.commits_at_end, 3 + RECORDS / BATCH,
                 "%llu commits, not the 3 refused plus one per batch",
                 (unsigned long long)t.commits_at_end);
}

Test(worker_commit, commits_that_keep_failing_hand_out_nothing_more_until_the_lock_is_lost) {
    wt_t t;
    setup(&t);
    /* Every commit is refused; after four the fake Redis refuses the lock's renewal. */
    add_fault(&t, KFK_MOCK_FAULT_ERROR, KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS, 0, -1);
    t.refuse_after_commits = 4;
    run_worker(&t, 1500);
    cr_expect(t.finished, "the worker did not stop by itself");
    cr_expect_eq(t.done_err, KFK_ERR__LOCK_LOST, "it finished with %s, not _LOCK_LOST",
                 kfk_err_name(t.done_err));
    cr_expect_eq(t.nbatches, 1,
                 "%d batches handed out, not 1: a later one was handed out "
                 "though the first was never committed",
                 t.nbatches);
    cr_expect_geq(t.commits_at_end, 4, "the failed commit was not retried (%llu commits)",
                  (unsigned long long)t.commits_at_end);
    cr_assert_gt(t.end_at, t.first_done_at);
    int bound = kt_schedule_bound(t.end_at - t.first_done_at, BACKOFF_MS, BACKOFF_MAX_MS);
    cr_expect_leq((int)t.commits_at_end, bound,
                  "%llu commits in %llu ms: more than the backoff allows (%d)",
                  (unsigned long long)t.commits_at_end,
                  (unsigned long long)(t.end_at - t.first_done_at), bound);
}

Test(worker_commit, a_consumer_with_batch_commit_wait_waits_for_a_slow_commit) {
    wt_t t;
    setup(&t);
    add_fault(&t, KFK_MOCK_FAULT_DELAY, KFK_ERR_NONE, 1000, 1);
    run_consumer(&t);
    expect_each_batch_after_the_last_commit(&t);
    cr_expect_eq(t.commits_at_end, RECORDS / BATCH, "%llu commits, not one per batch",
                 (unsigned long long)t.commits_at_end);
}

/* ---- with a transactional producer (consume-transform-produce) --------------------------- */

static void make_txn_producer(wt_t *t) {
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        0);
    cr_assert_eq(kfk_conf_set(conf, "transactional.id", "t-0-tx", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.ms", "20", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_producer_new(&t->loop, conf, &t->txn, errstr, sizeof errstr), KFK_ERR_NONE,
                 "%s", errstr);
    kfk_conf_free(conf);
}

Test(worker_commit, a_transactional_worker_inits_first_and_commits_nothing_itself) {
    wt_t t;
    setup(&t);
    make_txn_producer(&t);
    /* Its offsets go into the handler's transactions: no OffsetCommit, and the next batch
     * comes once the last is done (no acknowledged commit to wait for). */
    run_worker(&t, 30000);
    cr_expect_eq(t.done_err, KFK_ERR_NONE, "the worker finished by itself: %s: %s",
                 kfk_err_name(t.done_err), t.why);
    cr_expect_eq(t.records, RECORDS, "%d records read, not %d", t.records, RECORDS);
    cr_expect_eq(t.nbatches, RECORDS / BATCH);
    cr_expect_geq(t.inits_at_first, 1, "the first batch came before the producer's init");
    cr_expect_eq(t.commits_at_end, 0,
                 "%llu OffsetCommit requests from a worker whose offsets "
                 "go into transactions",
                 (unsigned long long)t.commits_at_end);
}

Test(worker_commit, a_transactional_worker_whose_init_is_refused_finishes_with_the_cause) {
    wt_t t;
    setup(&t);
    make_txn_producer(&t);
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.kind = KFK_MOCK_FAULT_ERROR;
    f.api_key = KFK_API_INIT_PRODUCER_ID;
    f.error = KFK_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    f.count = -1;
    cr_assert_eq(kfk_mock_fault_add(t.mock, &f), KFK_ERR_NONE);
    run_worker(&t, 30000);
    cr_expect(t.finished, "the worker did not stop by itself");
    cr_expect_eq(t.done_err, KFK_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "%s: %s",
                 kfk_err_name(t.done_err), t.why);
    cr_expect_eq(t.nbatches, 0, "%d batches handed out without a transactional producer",
                 t.nbatches);
    cr_expect(strstr(t.why, "transactional producer") && strstr(t.why, "AUTHORIZATION"),
              "kfk_worker_errstr does not name the cause: %s", t.why);
    cr_expect_lt(t.end_at - t.start, 10000, "the worker took %llu ms to give up",
                 (unsigned long long)(t.end_at - t.start));
}
