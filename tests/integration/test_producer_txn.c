/*
 * test_producer_txn.c: the transactional producer against the real broker (Kafka 4.3.1 and,
 * as integration_producer_txn_kafka39, 3.9.x). `kfk produce --txn-records N --abort-every K`
 * writes stdin in transactions and aborts every K-th: Java's consumer with read_committed
 * (TxnReader.java) reads exactly the committed transactions' records in order, with
 * read_uncommitted every record (the aborted ones were written). A second producer with the
 * same transactional.id fences the first: its next commit ends KFK_TXN_FATAL with
 * PRODUCER_FENCED (or INVALID_PRODUCER_EPOCH) and a message saying so, and every later call is
 * refused with KFK_ERR__FATAL, while the new producer commits. An abort fails the records not
 * sent yet with KFK_ERR__TXN_ABORTED and the next transaction commits. Consume-transform-produce:
 * a subscribed consumer that commits nothing itself hands each batch's offsets to the
 * transaction carrying its output (kfk_producer_send_offsets_to_txn with its generation and
 * member id); after an abort the group's offset has not moved and the batch comes again; after
 * the commits the group's offset is the end and read_committed sees each output record once.
 * The locked worker does the same with its transactional producer (one transactional.id per
 * partition, KFK_REDIS for the lock): a worker that finds the lock held leaves its producer
 * uninitialised (the holder is not fenced); a holder that lost its lock with a transaction open
 * is fenced by the next holder's init, which starts from the last committed transaction's
 * offsets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "consumer_kit.h"
#include "env.h"
#include "producer_kit.h"
#include "redis_kit.h"

/* Runs TxnReader.java on @p topic with @p isolation; returns its stdout (free it). */
static char *java_read(const char *topic, const char *isolation) {
    char out[128], err[128], libs[1024];
    snprintf(out, sizeof out, "/tmp/kfk-pt-txn-%d.out", (int)getpid());
    snprintf(err, sizeof err, "/tmp/kfk-pt-txn-%d.err", (int)getpid());
    snprintf(libs, sizeof libs, "%s/*", kt_env_required("KAFKA_LIBS"));
    char *argv[] = {"java",
                    "-cp",
                    libs,
                    KFK_SOURCE_DIR "/tests/integration/TxnReader.java",
                    (char *)kt_env_required("BOOTSTRAP"),
                    (char *)topic,
                    (char *)isolation,
                    "60000",
                    NULL};
    pid_t pid = ck_spawn(argv, out, err);
    int st = ck_wait(pid, 120000);
    char *text = ck_slurp(out, NULL);
    char *etext = ck_slurp(err, NULL);
    cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "TxnReader %s failed:\n%s",
              isolation, etext ? etext : "");
    free(etext);
    unlink(out);
    unlink(err);
    cr_assert_not_null(text);
    return text;
}

Test(producer_txn, cli_abort_every_is_invisible_to_java_read_committed, .timeout = 300) {
    enum { N = 95, PER = 10, EVERY = 3 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "txn-cli", 1, NULL);
    char err[128];
    snprintf(err, sizeof err, "/tmp/kfk-pt-txn-cli-%d.err", (int)getpid());
    int rc = ck_sh("seq 1 %d | sed 's/^/r/' | %s produce -b %s -t %s -X transactional.id=%s-tx "
                   "--txn-records %d --abort-every %d 2>%s",
                   N, KFK_CLI, kt_env_required("BOOTSTRAP"), topic, topic, PER, EVERY, err);
    char *etext = ck_slurp(err, NULL);
    cr_assert_eq(rc, 0, "kfk produce exited %d:\n%s", rc, etext ? etext : "");
    /* Transactions 3, 6 and 9 (records 21-30, 51-60, 81-90) aborted; 10 holds 91-95. */
    cr_assert(etext && strstr(etext, "7 transactions committed (65 records), 3 aborted (30 "
                                     "records)"),
              "summary:\n%s", etext ? etext : "");
    free(etext);
    unlink(err);

    char want[4096] = "";
    size_t n = 0, len = 0;
    for (int i = 1; i <= N; i++) {
        int txn = (i - 1) / PER + 1;
        if (txn % EVERY == 0)
            continue;
        len += (size_t)snprintf(want + len, sizeof want - len, "0:r%d\n", i);
        n++;
    }
    snprintf(want + len, sizeof want - len, "end %zu\n", n);
    char *got = java_read(topic, "read_committed");
    cr_assert_str_eq(got, want, "read_committed saw:\n%s\nwant:\n%s", got, want);
    free(got);

    /* The aborted records were written: read_uncommitted sees all of them, in order. */
    got = java_read(topic, "read_uncommitted");
    len = 0;
    for (int i = 1; i <= N; i++)
        len += (size_t)snprintf(want + len, sizeof want - len, "0:r%d\n", i);
    snprintf(want + len, sizeof want - len, "end %d\n", N);
    cr_assert_str_eq(got, want, "read_uncommitted saw:\n%s", got);
    free(got);
}

/* ---- fencing ----------------------------------------------------------------------------------
 */

typedef struct {
    int calls;
    kfk_err_t err;
    kfk_txn_class_t cls;
    char msg[400];
} txn_res_t;

static void on_txn(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque) {
    (void)p;
    txn_res_t *t = opaque;
    t->calls++;
    t->err = r->err;
    t->cls = r->cls;
    cr_assert_not_null(r->errstr);
    snprintf(t->msg, sizeof t->msg, "%s", r->errstr);
}

/* Runs init, commit or abort (@p fn) to its callback and returns the outcome. */
static txn_res_t txn_call(uv_loop_t *loop, kfk_producer_t *p,
                          kfk_err_t (*fn)(kfk_producer_t *, kfk_txn_cb, void *)) {
    txn_res_t r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(fn(p, on_txn, &r), 0);
    cr_assert_eq(r.calls, 0, "the callback ran inside the call");
    pk_run_until(loop, &r.calls, 90000);
    pk_run_once(loop);
    cr_assert_eq(r.calls, 1);
    return r;
}

static void send_one(kfk_producer_t *p, const char *topic, const char *value, sent_t *s) {
    kfk_record_t rec = {
        .topic = topic, .partition = KFK_PARTITION_ANY, .value = value, .value_len = strlen(value)};
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, s), 0);
}

Test(producer_txn, a_second_producer_fences_the_first, .timeout = 300) {
    char topic[96], tid[128];
    pk_topic_create(topic, sizeof topic, "txn-fence", 2, NULL);
    snprintf(tid, sizeof tid, "%s-tx", topic);
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *kv[] = {"transactional.id", tid, "linger.ms", "1", NULL};
    kfk_producer_t *a = pk_producer(&loop, kv);
    tally_t ta = {0}, tb = {0};
    sent_t sa[3] = {{.t = &ta}, {.t = &ta}, {.t = &ta}}, sb[1] = {{.t = &tb}};

    /* Outside a transaction a record is refused; before init, so is a transaction. */
    kfk_record_t rec = {
        .topic = topic, .partition = KFK_PARTITION_ANY, .value = "x", .value_len = 1};
    cr_assert_eq(kfk_producer_send(a, &rec, NULL, NULL), KFK_ERR__STATE);
    cr_assert_eq(kfk_producer_begin_txn(a), KFK_ERR__STATE);

    txn_res_t r = txn_call(&loop, a, kfk_producer_init_txns);
    cr_assert_eq(r.err, 0, "init: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(r.cls, KFK_TXN_OK);
    cr_assert_eq(kfk_producer_begin_txn(a), 0);
    cr_assert_eq(kfk_producer_begin_txn(a), KFK_ERR__STATE, "a transaction is open");
    send_one(a, topic, "a1", &sa[0]);
    r = txn_call(&loop, a, kfk_producer_commit_txn);
    cr_assert_eq(r.err, 0, "commit: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(sa[0].calls, 1, "the commit waited for the record");
    cr_assert_eq(sa[0].err, 0);

    /* B takes the transactional id over. */
    kfk_producer_t *b = pk_producer(&loop, kv);
    r = txn_call(&loop, b, kfk_producer_init_txns);
    cr_assert_eq(r.err, 0, "init b: %s: %s", kfk_err_name(r.err), r.msg);

    /* A's next transaction is fenced. */
    cr_assert_eq(kfk_producer_begin_txn(a), 0);
    send_one(a, topic, "a2", &sa[1]);
    r = txn_call(&loop, a, kfk_producer_commit_txn);
    cr_assert(r.err == KFK_ERR_PRODUCER_FENCED || r.err == KFK_ERR_INVALID_PRODUCER_EPOCH,
              "a's commit after b's init: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(r.cls, KFK_TXN_FATAL);
    cr_assert(strstr(r.msg, "fenced"), "the message says fenced: %s", r.msg);
    pk_run_until(&loop, &sa[1].calls, 30000);
    cr_assert_eq(sa[1].err, r.err, "the record fails with the fencing error: %s",
                 kfk_err_name(sa[1].err));
    cr_assert_eq(kfk_producer_send(a, &rec, pk_on_delivery, &sa[2]), KFK_ERR__FATAL);
    cr_assert_eq(kfk_producer_begin_txn(a), KFK_ERR__FATAL);
    cr_assert_eq(kfk_producer_abort_txn(a, on_txn, &r), KFK_ERR__FATAL);

    /* B goes on. */
    cr_assert_eq(kfk_producer_begin_txn(b), 0);
    send_one(b, topic, "b1", &sb[0]);
    r = txn_call(&loop, b, kfk_producer_commit_txn);
    cr_assert_eq(r.err, 0, "b's commit: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(sb[0].err, 0);

    kfk_producer_close(a, pk_on_closed, &ta);
    pk_close_all(&loop, b, 5000, &tb);
    cr_assert_eq(ta.closed, 1);

    char *got = java_read(topic, "read_committed");
    cr_assert(strstr(got, ":a1\n") && strstr(got, ":b1\n") && !strstr(got, ":a2\n") &&
                  strstr(got, "end 2\n"),
              "read_committed saw:\n%s", got);
    free(got);
}

Test(producer_txn, abort_fails_unsent_records_and_the_next_transaction_commits, .timeout = 300) {
    char topic[96], tid[128];
    pk_topic_create(topic, sizeof topic, "txn-abort", 1, NULL);
    snprintf(tid, sizeof tid, "%s-tx", topic);
    uv_loop_t loop;
    uv_loop_init(&loop);
    /* A long linger: the records are still queued when the abort comes. */
    const char *kv[] = {"transactional.id", tid, "linger.ms", "60000", NULL};
    kfk_producer_t *p = pk_producer(&loop, kv);
    tally_t t = {0};
    sent_t s[3] = {{.t = &t}, {.t = &t}, {.t = &t}};
    txn_res_t r = txn_call(&loop, p, kfk_producer_init_txns);
    cr_assert_eq(r.err, 0, "init: %s: %s", kfk_err_name(r.err), r.msg);

    cr_assert_eq(kfk_producer_begin_txn(p), 0);
    send_one(p, topic, "kept1", &s[0]);
    send_one(p, topic, "kept2", &s[1]);
    memset(&r, 0, sizeof r);
    cr_assert_eq(kfk_producer_commit_txn(p, on_txn, &r), 0);
    cr_assert_eq(kfk_producer_abort_txn(p, on_txn, &r), KFK_ERR__STATE, "one call at a time");
    pk_run_until(&loop, &r.calls, 90000);
    cr_assert_eq(r.err, 0, "commit: %s: %s", kfk_err_name(r.err), r.msg);

    cr_assert_eq(kfk_producer_begin_txn(p), 0);
    send_one(p, topic, "aborted", &s[2]);
    r = txn_call(&loop, p, kfk_producer_abort_txn);
    cr_assert_eq(r.err, 0, "abort: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(s[2].calls, 1);
    cr_assert_eq(s[2].err, KFK_ERR__TXN_ABORTED, "an unsent record of an aborted transaction: %s",
                 kfk_err_name(s[2].err));

    /* After the abort (and the epoch bump its unsent record needs) the producer commits. */
    sent_t s2 = {.t = &t};
    cr_assert_eq(kfk_producer_begin_txn(p), 0);
    send_one(p, topic, "after", &s2);
    r = txn_call(&loop, p, kfk_producer_commit_txn);
    cr_assert_eq(r.err, 0, "commit after abort: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(s2.err, 0, "%s", kfk_err_name(s2.err));
    pk_close_all(&loop, p, 5000, &t);

    char *got = java_read(topic, "read_committed");
    cr_assert_str_eq(got, "0:kept1\n0:kept2\n0:after\nend 3\n");
    free(got);
}

/* ---- consume-transform-produce ----------------------------------------------------------------
 */

typedef struct {
    uv_loop_t *loop;
    kfk_producer_t *p;
    kfk_consumer_t *c;
    const char *in, *out, *group;
    kfk_batch_t *b;
    int round;
    int64_t first_offset[8];
    int64_t committed_after_abort;
    size_t committed_records;
    int closed;
} ctp_t;

static void ctp_ended(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque) {
    (void)p;
    ctp_t *x = opaque;
    cr_assert_eq(r->err, 0, "round %d: end: %s: %s", x->round, kfk_err_name(r->err), r->errstr);
    kfk_batch_t *b = x->b;
    x->b = NULL;
    if (x->round == 1) {
        /* Aborted: the group's offset has not moved; the batch comes again. */
        int64_t off[1];
        cr_assert_eq(ck_committed(kt_env_required("BOOTSTRAP"), x->group, x->in, 1, off), 0);
        x->committed_after_abort = off[0];
        kfk_batch_done(b, KFK_ERR__TXN_ABORTED);
        return;
    }
    x->committed_records += kfk_batch_count(b);
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void ctp_offsets_sent(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque) {
    ctp_t *x = opaque;
    cr_assert_eq(r->err, 0, "round %d: offsets: %s: %s", x->round, kfk_err_name(r->err), r->errstr);
    kfk_err_t e = x->round == 1 ? kfk_producer_abort_txn(p, ctp_ended, x)
                                : kfk_producer_commit_txn(p, ctp_ended, x);
    cr_assert_eq(e, 0);
}

static void ctp_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    ctp_t *x = opaque;
    cr_assert_null(x->b, "one batch at a time");
    x->b = b;
    x->round++;
    cr_assert_lt(x->round, 8);
    x->first_offset[x->round] = kfk_batch_message(b, 0)->offset;
    cr_assert_eq(kfk_producer_begin_txn(x->p), 0);
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        char v[64];
        int n = snprintf(v, sizeof v, "x-%.*s", (int)m->value_len, (const char *)m->value);
        kfk_record_t rec = {.topic = x->out, .partition = 0, .value = v, .value_len = (size_t)n};
        cr_assert_eq(kfk_producer_send(x->p, &rec, NULL, NULL), 0);
    }
    kfk_commit_offset_t offs[4];
    size_t n = kfk_batch_offsets(b, offs, 4);
    cr_assert_eq(n, 1);
    cr_assert_eq(offs[0].offset, kfk_batch_message(b, kfk_batch_count(b) - 1)->offset + 1);
    kfk_group_metadata_t gm;
    cr_assert_eq(kfk_consumer_group_metadata(c, &gm), 0);
    cr_assert_geq(gm.generation_id, 1, "a subscribed member's generation");
    cr_assert(gm.member_id[0], "a subscribed member's id");
    cr_assert_eq(kfk_producer_send_offsets_to_txn(x->p, offs, n, &gm, ctp_offsets_sent, x), 0);
}

/* Topics IN and OUT (one partition each, named from the tags), the group IN-g, the
 * transactional id IN-@p tid_tail, and @p n records "in:0".. in IN. */
static void ctp_topics(char in[96], char out[96], char group[128], char tid[160],
                       const char *tag_in, const char *tag_out, const char *tid_tail, int n) {
    pk_topic_create(in, 96, tag_in, 1, NULL);
    pk_topic_create(out, 96, tag_out, 1, NULL);
    snprintf(group, 128, "%s-g", in);
    snprintf(tid, 160, "%s-%s", in, tid_tail);
    free(ck_produce(kt_env_required("BOOTSTRAP"), in, n, 0, 1, 0, "in"));
}

/* The group's offset on IN reaches @p n (once the last commit's markers are written), and a
 * read_committed reader of OUT sees "x-in:0".. "x-in:@p n - 1" once each, in order. */
static void ctp_expect_exactly_once(const char *group, const char *in, const char *out, int n) {
    int64_t off[1] = {-1};
    double t0 = ck_now_ms();
    while (ck_committed(kt_env_required("BOOTSTRAP"), group, in, 1, off) == 0 && off[0] != n &&
           ck_now_ms() - t0 < 15000)
        usleep(100000);
    cr_assert_eq(off[0], n, "the group's offset after the commits: %lld", (long long)off[0]);
    char want[4096];
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof want; i++)
        len += (size_t)snprintf(want + len, sizeof want - len, "0:x-in:%d:\n", i);
    if (len < sizeof want)
        snprintf(want + len, sizeof want - len, "end %d\n", n);
    char *got = java_read(out, "read_committed");
    cr_assert_str_eq(got, want, "read_committed output (each input record once):\n%s", got);
    free(got);
}

static void ctp_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ((ctp_t *)opaque)->closed = 1;
}

Test(producer_txn, consume_transform_produce_commits_offsets_only_with_the_transaction,
     .timeout = 300) {
    enum { N = 20 };
    const char *bs = kt_env_required("BOOTSTRAP");
    char in[96], out[96], group[128], tid[160];
    ctp_topics(in, out, group, tid, "txn-in", "txn-out", "tx", N);

    uv_loop_t loop;
    uv_loop_init(&loop);
    ctp_t x = {.loop = &loop, .in = in, .out = out, .group = group, .committed_after_abort = -2};
    const char *kv[] = {"transactional.id", tid, "linger.ms", "1", NULL};
    x.p = pk_producer(&loop, kv);
    txn_res_t r = txn_call(&loop, x.p, kfk_producer_init_txns);
    cr_assert_eq(r.err, 0, "init: %s: %s", kfk_err_name(r.err), r.msg);
    kfk_conf_t *cc = ck_conf(bs, (const char *[]){"group.id", group, "max.poll.records", "10",
                                                  "auto.offset.reset", "earliest", NULL});
    char err[256];
    cr_assert_eq(kfk_consumer_new(&loop, cc, &x.c, err, sizeof err), 0, "%s", err);
    kfk_conf_free(cc);
    kfk_consumer_set_offsets_in_txn(x.c, 1);
    const char *topics[] = {in};
    cr_assert_eq(kfk_consumer_subscribe(x.c, topics, 1), 0);
    cr_assert_eq(kfk_consumer_start(x.c, ctp_batch, &x), 0);
    ck_count_target_t done = {&x.committed_records, N};
    ck_run_until(&loop, ck_pred_count, &done, 120000);
    cr_assert_eq(x.committed_records, N);
    cr_assert_eq(x.committed_after_abort, -1,
                 "the aborted transaction's offset was committed: %lld",
                 (long long)x.committed_after_abort);
    cr_assert_eq(x.first_offset[2], x.first_offset[1], "the aborted batch came again");

    kfk_consumer_close(x.c, ctp_closed, &x);
    tally_t t = {0};
    pk_close_all(&loop, x.p, 5000, &t);
    cr_assert(x.closed);

    /* The last commit's offsets are the group's once its markers are written. */
    ctp_expect_exactly_once(group, in, out, N);
}

/* ---- the locked worker hands its batches' offsets to the transaction ---------------------- */

typedef struct {
    kfk_producer_t *p;
    kfk_worker_t *w;
    kfk_batch_t *b; /* the batch in hand */
    int batches;
    int finished;
    kfk_err_t err;
    char why[640];
    int closed;
    int sent, reported, fenced; /* records of the last transaction: sent, reported, fenced */
    kfk_err_t other;            /* a delivery error other than fencing */
} wtx_t;

static int is_fenced(kfk_err_t e) {
    return e == KFK_ERR_PRODUCER_FENCED || e == KFK_ERR_INVALID_PRODUCER_EPOCH;
}

static void wtx_delivered(kfk_producer_t *p, const kfk_delivery_t *r, void *opaque) {
    (void)p;
    wtx_t *k = opaque;
    k->reported++;
    if (is_fenced(r->err))
        k->fenced++;
    else if (r->err && !k->other)
        k->other = r->err;
}

static void wtx_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    wtx_t *k = opaque;
    cr_assert_null(k->b, "one batch at a time (the worker waits for each batch's end)");
    k->b = b;
    k->batches++;
}

static void wtx_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    wtx_t *k = opaque;
    k->finished = 1;
    k->err = err;
    snprintf(k->why, sizeof k->why, "%s", kfk_worker_errstr(w));
}

static void wtx_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    ((wtx_t *)opaque)->closed = 1;
}

static void wtx_start(uv_loop_t *loop, wtx_t *k, const char *in, const char *group,
                      const char *tid) {
    const char *kv[] = {"transactional.id", tid, "linger.ms", "1", NULL};
    k->p = pk_producer(loop, kv);
    kfk_conf_t *conf = ck_conf(kt_env_required("BOOTSTRAP"),
                               (const char *[]){"group.id", group, "max.poll.records", "10",
                                                "auto.offset.reset", "earliest", NULL});
    const char *dbg = getenv("KFK_TXN_TEST_DEBUG"); /* e.g. "lock,consumer": on stderr */
    if (dbg && *dbg)
        ck_set(conf, "debug", dbg);
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    lo.redis = kt_redis();
    lo.ttl_ms = 3000;
    lo.renew_interval_ms = 300;
    lo.command_timeout_ms = 1000;
    kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
    wo.topic = in;
    wo.partition = 0;
    wo.lock = &lo;
    wo.txn_producer = k->p;
    char err[512] = "";
    cr_assert_eq(kfk_worker_new(loop, conf, &wo, wtx_batch, wtx_done, k, &k->w, err, sizeof err), 0,
                 "%s", err);
    kfk_conf_free(conf);
}

static int wtx_has_batch(void *arg) {
    wtx_t *k = arg;
    return k->b != NULL || k->finished;
}

static int wtx_is_finished(void *arg) {
    return ((wtx_t *)arg)->finished;
}

/* Begins a transaction on the worker's producer with the batch's records transformed into
 * @p out, and adds the batch's offsets (the worker's group identity: a simple commit). */
static void wtx_transform(uv_loop_t *loop, wtx_t *k, const char *out) {
    kfk_batch_t *b = k->b;
    cr_assert_eq(kfk_producer_begin_txn(k->p), 0);
    k->sent = k->reported = k->fenced = 0;
    k->other = KFK_ERR_NONE;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        char v[64];
        int n = snprintf(v, sizeof v, "x-%.*s", (int)m->value_len, (const char *)m->value);
        kfk_record_t rec = {.topic = out, .partition = 0, .value = v, .value_len = (size_t)n};
        cr_assert_eq(kfk_producer_send(k->p, &rec, wtx_delivered, k), 0);
        k->sent++;
    }
    kfk_commit_offset_t offs[2];
    cr_assert_eq(kfk_batch_offsets(b, offs, 2), 1);
    kfk_group_metadata_t gm;
    cr_assert_eq(kfk_consumer_group_metadata(kfk_worker_consumer(k->w), &gm), 0);
    cr_assert_eq(gm.generation_id, -1, "an assigned partition: no generation");
    txn_res_t r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(kfk_producer_send_offsets_to_txn(k->p, offs, 1, &gm, on_txn, &r), 0);
    pk_run_until(loop, &r.calls, 90000);
    cr_assert_eq(r.err, 0, "offsets: %s: %s", kfk_err_name(r.err), r.msg);
}

static int64_t group_offset(const char *group, const char *topic) {
    int64_t off[1] = {-2};
    cr_assert_eq(ck_committed(kt_env_required("BOOTSTRAP"), group, topic, 1, off), 0);
    return off[0];
}

Test(producer_txn, a_locked_worker_commits_its_offsets_with_its_output_and_fences_its_zombie,
     .timeout = 300) {
    enum { N = 20 };
    char in[96], out[96], group[128], tid[160];
    ctp_topics(in, out, group, tid, "txn-win", "txn-wout", "0-tx", N); /* an id per partition */
    uv_loop_t loop;
    uv_loop_init(&loop);

    /* A takes the lock, initialises its producer, then gets the first batch. */
    wtx_t a = {0}, b = {0}, c = {0};
    wtx_start(&loop, &a, in, group, tid);
    ck_run_until(&loop, wtx_has_batch, &a, 60000);
    cr_assert_not_null(a.b, "no first batch: %s %s", kfk_err_name(a.err), a.why);
    int64_t first1 = kfk_batch_message(a.b, 0)->offset;
    size_t n1 = kfk_batch_count(a.b);
    cr_assert_eq(first1, 0);
    wtx_transform(&loop, &a, out);

    /* C finds the lock held: it finishes at once and leaves its producer uninitialised, so
     * the holder's transaction is not fenced by a worker that never held the lock. */
    wtx_start(&loop, &c, in, group, tid);
    ck_run_until(&loop, wtx_is_finished, &c, 30000);
    cr_assert_eq(c.err, KFK_ERR__LOCK_HELD, "%s: %s", kfk_err_name(c.err), c.why);
    cr_assert_eq(c.batches, 0);
    cr_assert_eq(kfk_producer_begin_txn(c.p), KFK_ERR__STATE, "C's producer was initialised");
    kfk_worker_close(c.w, wtx_closed, &c);
    tally_t tc = {0};
    kfk_producer_close(c.p, pk_on_closed, &tc);
    pk_run_until(&loop, &tc.closed, 10000);
    pk_run_until(&loop, &c.closed, 10000);
    cr_assert(c.closed && tc.closed);

    /* A aborts: the group's offset has not moved and the batch comes again. */
    txn_res_t r = txn_call(&loop, a.p, kfk_producer_abort_txn);
    cr_assert_eq(r.err, 0, "abort: %s: %s", kfk_err_name(r.err), r.msg);
    cr_assert_eq(group_offset(group, in), -1, "the aborted transaction's offsets were committed");
    kfk_batch_t *done = a.b;
    a.b = NULL;
    kfk_batch_done(done, KFK_ERR__TXN_ABORTED);
    ck_run_until(&loop, wtx_has_batch, &a, 60000);
    cr_assert_not_null(a.b, "the aborted batch did not come again: %s", a.why);
    cr_assert_eq(kfk_batch_message(a.b, 0)->offset, first1, "the aborted batch came again");
    cr_assert_eq(kfk_batch_count(a.b), n1);

    /* A commits it: output and offsets together. */
    wtx_transform(&loop, &a, out);
    r = txn_call(&loop, a.p, kfk_producer_commit_txn);
    cr_assert_eq(r.err, 0, "commit: %s: %s", kfk_err_name(r.err), r.msg);
    done = a.b;
    a.b = NULL;
    kfk_batch_done(done, KFK_ERR_NONE);

    /* A's next batch goes into a transaction, and then A loses its lock (the key is deleted,
     * as an expiry during a stall would): A is a zombie with an open transaction. */
    ck_run_until(&loop, wtx_has_batch, &a, 60000);
    cr_assert_not_null(a.b, "no second batch: %s", a.why);
    cr_assert_eq(kfk_batch_message(a.b, 0)->offset, first1 + (int64_t)n1);
    wtx_transform(&loop, &a, out);
    redisContext *side = side_connect(kt_redis());
    const char *del[] = {"DEL", kfk_worker_lock_key(a.w)};
    freeReplyObject(side_cmd(side, 2, del));
    redisFree(side);

    /* B takes the lock, fences A's producer (ending A's transaction) and commits the rest. */
    wtx_start(&loop, &b, in, group, tid);
    size_t b_records = 0;
    while (b_records < N - n1) {
        ck_run_until(&loop, wtx_has_batch, &b, 60000);
        cr_assert_not_null(b.b, "B: no batch after %zu records: %s %s", b_records,
                           kfk_err_name(b.err), b.why);
        if (b_records == 0)
            cr_assert_eq(kfk_batch_message(b.b, 0)->offset, first1 + (int64_t)n1,
                         "B starts where A's last commit left the group");
        wtx_transform(&loop, &b, out);
        r = txn_call(&loop, b.p, kfk_producer_commit_txn);
        cr_assert_eq(r.err, 0, "B's commit: %s: %s", kfk_err_name(r.err), r.msg);
        b_records += kfk_batch_count(b.b);
        done = b.b;
        b.b = NULL;
        kfk_batch_done(done, KFK_ERR_NONE);
    }
    cr_assert_eq(b_records, N - n1);

    /* The zombie's commit fails as fenced: by its callback, or at once (KFK_ERR__FATAL) when
     * its records, still being sent when B's init bumped the epoch, were refused as fenced.
     * (Its worker may not have seen its lock go yet: a renewal tells it, up to
     * renew_interval_ms later.) A fenced producer can do nothing more, so the application
     * closes its worker, then gives the batch up; no batch comes after it. */
    memset(&r, 0, sizeof r);
    kfk_err_t e = kfk_producer_commit_txn(a.p, on_txn, &r);
    if (e == KFK_ERR_NONE) {
        pk_run_until(&loop, &r.calls, 90000);
        cr_assert(is_fenced(r.err), "the zombie's commit: %s: %s", kfk_err_name(r.err), r.msg);
        cr_assert_eq(r.cls, KFK_TXN_FATAL);
    } else {
        cr_assert_eq(e, KFK_ERR__FATAL, "the zombie's commit: %s", kfk_err_name(e));
        double t1 = ck_now_ms();
        while (a.reported < a.sent && !a.fenced && ck_now_ms() - t1 < 30000)
            pk_run_once(&loop);
        cr_assert_gt(a.fenced, 0, "the zombie's producer is fatal, but no record was fenced (%s)",
                     kfk_err_name(a.other));
    }
    kfk_worker_close(a.w, wtx_closed, &a);
    done = a.b;
    a.b = NULL;
    kfk_batch_done(done, KFK_ERR__TXN_ABORTED);
    pk_run_until(&loop, &a.closed, 30000);
    cr_assert(a.closed, "the zombie's worker did not close: %s", a.why);
    cr_assert_eq(a.batches, 3, "the zombie's worker handed out another batch");
    cr_assert(!a.finished || a.err == KFK_ERR__LOCK_LOST, "the zombie finished with %s: %s",
              kfk_err_name(a.err), a.why);

    kfk_worker_close(b.w, wtx_closed, &b);
    tally_t ta = {0}, tb = {0};
    kfk_producer_close(a.p, pk_on_closed, &ta);
    pk_close_all(&loop, b.p, 5000, &tb);
    cr_assert(a.closed && b.closed && ta.closed);

    ctp_expect_exactly_once(group, in, out, N);
}
