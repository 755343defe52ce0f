/*
 * rel_ctp: the transforming process of scripts/reliability's consume-transform-produce row (12),
 * on kfk's public API only. A group member of GROUP subscribed to IN copies every record (key
 * and value as they are, same partition number) to OUT in one transaction per batch, with the
 * batch's offsets in the same transaction (kfk_producer_send_offsets_to_txn; the consumer
 * commits nothing itself): the output and the progress commit together or not at all. A
 * transaction that fails is aborted and its batch comes again.
 *
 *   rel_ctp -b BROKERS -i IN -o OUT -G GROUP -x TRANSACTIONAL_ID [--idle-exit SECONDS]
 *
 * Prints "commit N records" after each committed transaction (the row kills it at random
 * points after such a line); exits 0 after --idle-exit seconds without a batch (default: never),
 * 1 on a fatal error (fenced: another instance took the transactional id over).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct run {
    uv_loop_t *loop;
    kfk_producer_t *p;
    kfk_consumer_t *c;
    const char *out;
    kfk_batch_t *b; /* the batch of the transaction in progress */
    int ready;      /* the producer id came */
    int exit_code;
    int stopping;
    uint64_t last_batch_ms;
    int64_t idle_exit_ms;
    uv_timer_t idle;
} run_t;

static void stop(run_t *r, int code);

static void on_closed_c(kfk_consumer_t *c, void *opaque) {
    (void)c;
    (void)opaque;
}

static void on_closed_p(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
}

static void stop(run_t *r, int code) {
    if (r->stopping)
        return;
    r->stopping = 1;
    r->exit_code = code;
    uv_close((uv_handle_t *)&r->idle, NULL);
    kfk_consumer_set_close_timeout(r->c, 5000);
    kfk_consumer_close(r->c, on_closed_c, r);
    kfk_producer_set_close_timeout(r->p, 5000);
    kfk_producer_close(r->p, on_closed_p, r);
}

static void aborted(kfk_producer_t *p, const kfk_txn_result_t *res, void *opaque);

/* The transaction of the batch failed: abort it (the batch comes again), or stop when fatal. */
static void give_up(run_t *r, const kfk_txn_result_t *res) {
    fprintf(stderr, "rel_ctp: %s (%s)\n", res->errstr, kfk_err_name(res->err));
    if (res->cls == KFK_TXN_FATAL) {
        stop(r, 1);
        return;
    }
    if (kfk_producer_abort_txn(r->p, aborted, r) != 0)
        stop(r, 1);
}

static void ended(kfk_producer_t *p, const kfk_txn_result_t *res, void *opaque) {
    (void)p;
    run_t *r = opaque;
    kfk_batch_t *b = r->b;
    if (res->err && res->cls != KFK_TXN_RETRIABLE) {
        give_up(r, res);
        return;
    }
    if (res->err) { /* retriable: the same call again */
        fprintf(stderr, "rel_ctp: %s: again\n", res->errstr);
        if (kfk_producer_commit_txn(r->p, ended, r) && kfk_producer_abort_txn(r->p, aborted, r))
            stop(r, 1);
        return;
    }
    r->b = NULL;
    printf("commit %zu records\n", kfk_batch_count(b));
    fflush(stdout);
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void aborted(kfk_producer_t *p, const kfk_txn_result_t *res, void *opaque) {
    (void)p;
    run_t *r = opaque;
    kfk_batch_t *b = r->b;
    r->b = NULL;
    if (res->err) {
        fprintf(stderr, "rel_ctp: abort: %s (%s)\n", res->errstr, kfk_err_name(res->err));
        stop(r, 1);
        return;
    }
    kfk_batch_done(b, KFK_ERR__TXN_ABORTED); /* delivered again */
}

static void offsets_sent(kfk_producer_t *p, const kfk_txn_result_t *res, void *opaque) {
    run_t *r = opaque;
    if (res->err) {
        fprintf(stderr, "rel_ctp: offsets: %s (%s)\n", res->errstr, kfk_err_name(res->err));
        if (res->cls == KFK_TXN_FATAL || kfk_producer_abort_txn(p, aborted, r) != 0)
            stop(r, 1);
        return;
    }
    if (kfk_producer_commit_txn(p, ended, r) != 0)
        stop(r, 1);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    run_t *r = opaque;
    if (r->stopping)
        return;
    r->last_batch_ms = uv_now(r->loop);
    kfk_group_metadata_t gm;
    kfk_commit_offset_t offs[64];
    size_t n = kfk_batch_offsets(b, offs, 64);
    if (n > 64 || kfk_consumer_group_metadata(c, &gm) != 0 || kfk_producer_begin_txn(r->p) != 0) {
        kfk_batch_done(b, KFK_ERR__STATE); /* again later */
        return;
    }
    r->b = b;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        kfk_record_t rec = {.topic = r->out,
                            .partition = m->partition,
                            .key = m->key_len >= 0 ? m->key : NULL,
                            .key_len = m->key_len >= 0 ? (size_t)m->key_len : 0,
                            .value = m->value_len >= 0 ? m->value : NULL,
                            .value_len = m->value_len >= 0 ? (size_t)m->value_len : 0};
        kfk_err_t e = kfk_producer_send(r->p, &rec, NULL, NULL);
        if (e) {
            fprintf(stderr, "rel_ctp: send: %s\n", kfk_err_name(e));
            if (kfk_producer_abort_txn(r->p, aborted, r) != 0)
                stop(r, 1);
            return;
        }
    }
    if (kfk_producer_send_offsets_to_txn(r->p, offs, n, &gm, offsets_sent, r) != 0 &&
        kfk_producer_abort_txn(r->p, aborted, r) != 0)
        stop(r, 1);
}

static void on_idle(uv_timer_t *t) {
    run_t *r = t->data;
    if (!r->b && r->idle_exit_ms > 0 &&
        uv_now(r->loop) - r->last_batch_ms >= (uint64_t)r->idle_exit_ms)
        stop(r, 0);
}

static void on_init(kfk_producer_t *p, const kfk_txn_result_t *res, void *opaque) {
    (void)p;
    run_t *r = opaque;
    if (res->err) {
        fprintf(stderr, "rel_ctp: init: %s (%s)\n", res->errstr, kfk_err_name(res->err));
        stop(r, 1);
        return;
    }
    r->ready = 1;
    r->last_batch_ms = uv_now(r->loop);
    if (kfk_consumer_start(r->c, on_batch, r) != 0)
        stop(r, 1);
}

static void set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (kfk_conf_set(c, k, v, err, sizeof err)) {
        fprintf(stderr, "rel_ctp: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

int main(int argc, char **argv) {
    const char *bs = NULL, *in = NULL, *out = NULL, *group = NULL, *tid = NULL;
    int64_t idle_exit = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-b"))
            bs = argv[i + 1];
        else if (!strcmp(argv[i], "-i"))
            in = argv[i + 1];
        else if (!strcmp(argv[i], "-o"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "-G"))
            group = argv[i + 1];
        else if (!strcmp(argv[i], "-x"))
            tid = argv[i + 1];
        else if (!strcmp(argv[i], "--idle-exit"))
            idle_exit = strtoll(argv[i + 1], NULL, 10) * 1000;
    }
    if (!bs || !in || !out || !group || !tid) {
        fprintf(stderr, "usage: rel_ctp -b BROKERS -i IN -o OUT -G GROUP -x TRANSACTIONAL_ID "
                        "[--idle-exit SECONDS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    uv_loop_t loop;
    uv_loop_init(&loop);
    run_t r;
    memset(&r, 0, sizeof r);
    r.loop = &loop;
    r.out = out;
    r.idle_exit_ms = idle_exit;
    char err[256];
    kfk_conf_t *pc = kfk_conf_new();
    set(pc, "bootstrap.servers", bs);
    set(pc, "transactional.id", tid);
    set(pc, "transaction.timeout.ms", "10000"); /* a killed instance's transaction ends soon */
    set(pc, "linger.ms", "5");
    kfk_conf_t *cc = kfk_conf_new();
    set(cc, "bootstrap.servers", bs);
    set(cc, "group.id", group);
    set(cc, "auto.offset.reset", "earliest");
    set(cc, "isolation.level", "read_committed");
    set(cc, "session.timeout.ms", "6000");
    set(cc, "heartbeat.interval.ms", "1000");
    set(cc, "max.poll.records", "200");
    if (kfk_producer_new(&loop, pc, &r.p, err, sizeof err) ||
        kfk_consumer_new(&loop, cc, &r.c, err, sizeof err)) {
        fprintf(stderr, "rel_ctp: %s\n", err);
        return 2;
    }
    kfk_conf_free(pc);
    kfk_conf_free(cc);
    kfk_consumer_set_offsets_in_txn(r.c, 1);
    const char *topics[] = {in};
    if (kfk_consumer_subscribe(r.c, topics, 1) || kfk_producer_init_txns(r.p, on_init, &r)) {
        fprintf(stderr, "rel_ctp: subscribe or init refused\n");
        return 2;
    }
    uv_timer_init(&loop, &r.idle);
    r.idle.data = &r;
    uv_timer_start(&r.idle, on_idle, 500, 500);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return r.exit_code;
}
