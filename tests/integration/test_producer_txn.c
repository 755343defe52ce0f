/*
 * test_producer_txn.c: the transactional producer against the real broker (Kafka 4.3.1 and,
 * as integration_producer_txn_kafka39, 3.9.x). `kfk produce --txn-records N --abort-every K`
 * writes stdin in transactions and aborts every K-th: Java's consumer with read_committed
 * (TxnReader.java) reads exactly the committed transactions' records in order, with
 * read_uncommitted every record (the aborted ones were written). A second producer with the
 * same transactional.id fences the first: its next commit ends KFK_TXN_FATAL with
 * PRODUCER_FENCED (or INVALID_PRODUCER_EPOCH) and a message saying so, and every later call is
 * refused with KFK_ERR__FATAL, while the new producer commits.
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
