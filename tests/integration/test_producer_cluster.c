/*
 * test_producer_cluster.c: the idempotent producer on the 3-node KRaft cluster (scripts/kafka
 * start --nodes 3; issue 6). A steady stream of keyed records, acks=all, goes to a topic with
 * replication factor 3 and min.insync.replicas=2 while the leader of one of its partitions is
 * killed with SIGKILL; everything is then read back by kcat: nothing lost, nothing duplicated,
 * each partition in send order. A second test takes one follower away from a topic that needs
 * all three replicas: NOT_ENOUGH_REPLICAS is retried until delivery.timeout.ms, acks=1 still
 * works. Killed nodes are restarted before the test ends (and by the fixture if it fails), so
 * the cluster is left with all three nodes up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "env.h"
#include "statsdoc.h"
#include "kfk/kfk.h"

/* ---- the node this test killed: restarted whatever happens ------------------------------------
 */

static int killed_node;

static int run_script(const char *args) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/scripts/kafka %s >/dev/null 2>&1", KFK_SOURCE_DIR, args);
    return system(cmd);
}

static void restart_killed(void) {
    if (killed_node <= 0)
        return;
    char arg[32];
    snprintf(arg, sizeof arg, "restart %d", killed_node);
    int rc = run_script(arg);
    fprintf(stderr, "node %d restarted (%s)\n", killed_node, rc == 0 ? "ok" : "FAILED");
    killed_node = 0;
}

/* ---- deliveries --------------------------------------------------------------------------------
 */

typedef struct tally {
    size_t reports, ok, failed, dup;
    kfk_err_t first_err;
    int flushed, closed;
    uv_loop_t *loop;
} tally_t;

typedef struct sent {
    tally_t *t;
    int calls;
    kfk_err_t err;
    int32_t partition;
    int64_t offset;
    uint64_t at_ms;
} sent_t;

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    sent_t *s = opaque;
    tally_t *t = s->t;
    if (s->calls++)
        t->dup++;
    s->err = d->err;
    s->partition = d->partition;
    s->offset = d->offset;
    s->at_ms = uv_now(t->loop);
    t->reports++;
    if (d->err) {
        if (!t->failed++)
            t->first_err = d->err;
    } else {
        t->ok++;
    }
}

static void on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((tally_t *)opaque)->flushed++;
}

static void on_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((tally_t *)opaque)->closed++;
}

static void on_tick(uv_timer_t *h) {
    (void)h;
}

/* One loop iteration that returns within 10 ms (see pk_run_once in producer_kit.c). */
static void run_once(uv_loop_t *loop) {
    uv_timer_t tick;
    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, on_tick, 10, 0);
    uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

static void conf_set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    cr_assert_eq(kfk_conf_set(c, k, v, err, sizeof err), 0, "%s=%s: %s", k, v, err);
}

static kfk_producer_t *producer(uv_loop_t *loop, const char *const *kv) {
    kfk_conf_t *c = kfk_conf_new();
    conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
    conf_set(c, "log_level", "3");
    const char *dbg = getenv("KFK_TEST_DEBUG");
    if (dbg) {
        conf_set(c, "debug", dbg);
        conf_set(c, "log_level", "7");
    }
    for (size_t i = 0; kv && kv[i]; i += 2)
        conf_set(c, kv[i], kv[i + 1]);
    kfk_producer_t *p;
    char err[256];
    kfk_err_t e = kfk_producer_new(loop, c, &p, err, sizeof err);
    kfk_conf_free(c);
    cr_assert_eq(e, 0, "kfk_producer_new: %s", err);
    return p;
}

static void flush_wait(uv_loop_t *loop, kfk_producer_t *p, tally_t *t, uint64_t max_ms) {
    int target = t->flushed + 1;
    cr_assert_eq(kfk_producer_flush(p, on_flushed, t), 0);
    uint64_t t0 = uv_now(loop);
    while (t->flushed < target) {
        run_once(loop);
        uv_update_time(loop);
        cr_assert_lt(uv_now(loop) - t0, max_ms, "flush: %zu of the records reported after %llu ms",
                     t->reports, (unsigned long long)max_ms);
    }
}

static void close_all(uv_loop_t *loop, kfk_producer_t *p, tally_t *t) {
    kfk_producer_set_close_timeout(p, 5000);
    kfk_producer_close(p, on_closed, t);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(t->closed, 1);
    cr_assert_eq(uv_loop_close(loop), 0, "handles left on the loop");
}

/* ---- topics and leaders ------------------------------------------------------------------------
 */

typedef struct {
    int done;
    kfk_err_t err, topic_err;
    int32_t parts;
    int32_t leader[16];
    int32_t isr_cnt[16];
    int brokers;
} md_t;

static void on_created(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                       void *opaque) {
    (void)a;
    md_t *r = opaque;
    r->done = 1;
    r->err = err;
    r->topic_err = n ? res[0].err : KFK_ERR_NONE;
}

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    md_t *r = opaque;
    r->done = 1;
    r->err = err;
    r->parts = 0;
    if (!md)
        return;
    r->brokers = md->broker_cnt;
    if (md->topic_cnt < 1 || md->topics[0].err)
        return;
    r->parts = md->topics[0].partition_cnt;
    for (int32_t i = 0; i < r->parts && i < 16; i++) {
        r->leader[i] = md->topics[0].partitions[i].leader;
        r->isr_cnt[i] = md->topics[0].partitions[i].isr_cnt;
    }
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static kfk_admin_t *admin_new(uv_loop_t *loop) {
    kfk_conf_t *c = kfk_conf_new();
    conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
    conf_set(c, "log_level", "2");
    kfk_admin_t *a;
    char err[256];
    cr_assert_eq(kfk_admin_new(loop, c, &a, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    return a;
}

static md_t topic_md(uv_loop_t *loop, kfk_admin_t *a, const char *topic) {
    md_t r = {0};
    const char *names[1] = {topic};
    cr_assert_eq(kfk_admin_metadata(a, names, 1, on_md, &r), 0);
    while (!r.done)
        run_once(loop);
    return r;
}

/* Creates @p topic (replication factor 3, min.insync.replicas @p min_isr) and waits until every
 * partition has a leader and a full ISR; returns its metadata. */
static md_t topic_create(const char *topic, int32_t parts, const char *min_isr) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a = admin_new(&loop);
    const char *cfg[] = {"min.insync.replicas", min_isr};
    kfk_new_topic_t nt = {topic, parts, 3, cfg, 1};
    md_t r = {0};
    cr_assert_eq(kfk_admin_create_topics(a, &nt, 1, 15000, on_created, &r), 0);
    while (!r.done)
        run_once(&loop);
    cr_assert_eq(r.err, 0, "CreateTopics: %s", kfk_err_name(r.err));
    cr_assert_eq(r.topic_err, 0, "CreateTopics %s: %s", topic, kfk_err_name(r.topic_err));
    int ready = 0;
    for (int i = 0; i < 150 && !ready; i++) {
        r = topic_md(&loop, a, topic);
        ready = r.parts == parts;
        for (int32_t k = 0; ready && k < parts; k++)
            ready = r.leader[k] >= 1 && r.isr_cnt[k] == 3;
        if (!ready)
            usleep(100000);
    }
    cr_assert(ready, "topic %s: partitions without a leader or a full ISR", topic);
    kfk_admin_close(a, on_admin_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    return r;
}

/* ---- kcat --------------------------------------------------------------------------------------
 */

typedef struct row {
    int32_t partition;
    int64_t offset;
    char *key, *val;
} row_t;

/* Every record of @p topic as "partition offset key value" lines from kcat (printable keys and
 * values without blanks). */
static row_t *kcat_read(const char *topic, size_t *n) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "kcat -C -b '%s' -t '%s' -o beginning -e -q -m 15 -f '%%p %%o %%k %%s\\n'",
             kt_env_required("BOOTSTRAP"), topic);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t cap = 1024, cnt = 0;
    row_t *rows = malloc(cap * sizeof *rows);
    char line[256], key[64], val[64];
    while (fgets(line, sizeof line, f)) {
        row_t w;
        long long off;
        cr_assert_eq(sscanf(line, "%d %lld %63s %63s", &w.partition, &off, key, val), 4,
                     "kcat line: %s", line);
        w.offset = off;
        w.key = strdup(key);
        w.val = strdup(val);
        if (cnt == cap)
            rows = realloc(rows, (cap *= 2) * sizeof *rows);
        rows[cnt++] = w;
    }
    cr_assert_eq(pclose(f), 0, "kcat failed reading %s", topic);
    *n = cnt;
    return rows;
}

static void rows_free(row_t *rows, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(rows[i].key);
        free(rows[i].val);
    }
    free(rows);
}

/* ---- a steady stream with a kill in the middle -------------------------------------------------
 */

typedef struct stream {
    uv_loop_t *loop;
    kfk_producer_t *p;
    const char *topic;
    sent_t *s;
    tally_t *t;
    int n, sent, burst;
    int kill_at, victim, kill_spawned, kill_done, kill_status;
    uint64_t started, kill_ms, sent_ms;
    uv_timer_t timer;
    uv_process_t proc;
} stream_t;

static void on_kill_exit(uv_process_t *proc, int64_t status, int sig) {
    (void)sig;
    stream_t *st = proc->data;
    st->kill_done = 1;
    st->kill_status = (int)status;
    uv_close((uv_handle_t *)proc, NULL);
}

static void spawn_kill(stream_t *st) {
    static char script[512], kill[] = "kill", node[8];
    snprintf(script, sizeof script, "%s/scripts/kafka", KFK_SOURCE_DIR);
    snprintf(node, sizeof node, "%d", st->victim);
    char *args[] = {script, kill, node, NULL};
    uv_stdio_container_t stdio[3];
    memset(stdio, 0, sizeof stdio);
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_IGNORE;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = script;
    o.args = args;
    o.exit_cb = on_kill_exit;
    o.stdio = stdio;
    o.stdio_count = 3;
    st->proc.data = st;
    int rc = uv_spawn(st->loop, &st->proc, &o);
    cr_assert_eq(rc, 0, "uv_spawn %s: %s", script, uv_strerror(rc));
    st->kill_spawned = 1;
    killed_node = st->victim;
    st->kill_ms = uv_now(st->loop) - st->started;
}

static void on_stream_tick(uv_timer_t *h) {
    stream_t *st = h->data;
    for (int i = 0; i < st->burst && st->sent < st->n; i++) {
        char key[16], val[16];
        int kl = snprintf(key, sizeof key, "k%03d", st->sent % 300);
        int vl = snprintf(val, sizeof val, "%07d", st->sent);
        kfk_record_t rec = {st->topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)vl, NULL, 0,
                            0};
        st->s[st->sent].t = st->t;
        kfk_err_t e = kfk_producer_send(st->p, &rec, on_delivery, &st->s[st->sent]);
        if (e == KFK_ERR__QUEUE_FULL)
            break;
        cr_assert_eq(e, 0, "send %d: %s", st->sent, kfk_err_name(e));
        st->sent++;
    }
    if (!st->kill_spawned && st->sent >= st->kill_at)
        spawn_kill(st);
    if (st->sent == st->n) {
        st->sent_ms = uv_now(st->loop) - st->started;
        uv_timer_stop(h);
    }
}

static void fini_restart(void) {
    restart_killed();
}

Test(producer_cluster, an_idempotent_stream_survives_a_leader_kill_9_without_loss_or_duplicates,
     .timeout = 240, .fini = fini_restart) {
    enum { N = 50000, PARTS = 3 };
    char topic[96];
    snprintf(topic, sizeof topic, "kfk-pc-kill-%d-%u", (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000));
    md_t md = topic_create(topic, PARTS, "2");
    cr_assert_eq(md.brokers, 3, "the cluster has %d brokers up", md.brokers);
    int victim = md.leader[0];
    cr_assert(victim >= 1 && victim <= 3);

    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p =
        producer(&loop, (const char *[]){"acks", "all", "enable.idempotence", "true",
                                         "request.timeout.ms", "10000", NULL});
    stream_t st;
    memset(&st, 0, sizeof st);
    st.loop = &loop;
    st.p = p;
    st.topic = topic;
    st.s = calloc(N, sizeof *st.s);
    st.t = &t;
    st.n = N;
    st.burst = 50; /* every 10 ms: 5,000 records/s, 10 s in all */
    st.kill_at = N * 3 / 10;
    st.victim = victim;
    st.started = uv_now(&loop);
    uv_timer_init(&loop, &st.timer);
    st.timer.data = &st;
    uv_timer_start(&st.timer, on_stream_tick, 10, 10);
    while (st.sent < N || !st.kill_done) {
        run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - st.started, 120000, "stream stuck at %d of %d", st.sent, N);
    }
    uv_close((uv_handle_t *)&st.timer, NULL);
    cr_assert_eq(st.kill_status, 0, "scripts/kafka kill %d failed", victim);
    flush_wait(&loop, p, &t, 150000);
    uint64_t all_ms = uv_now(&loop) - st.started;
    close_all(&loop, p, &t);

    /* The delivery reports: every record once, all written. */
    uint64_t worst = 0;
    for (int i = 0; i < N; i++)
        if (st.s[i].at_ms - st.started > worst)
            worst = st.s[i].at_ms - st.started;
    fprintf(stderr,
            "killed node %d (leader of partition 0) after %d records at %llu ms; all %d sent at "
            "%llu ms, all reported at %llu ms (%zu ok, %zu failed, first error %s)\n",
            victim, st.kill_at, (unsigned long long)st.kill_ms, N, (unsigned long long)st.sent_ms,
            (unsigned long long)all_ms, t.ok, t.failed, kfk_err_name(t.first_err));
    cr_assert_eq(t.reports, (size_t)N, "%zu reports for %d records", t.reports, N);
    cr_assert_eq(t.dup, 0, "%zu records reported twice", t.dup);
    cr_assert_eq(t.ok, (size_t)N, "%zu records failed (first: %s)", t.failed,
                 kfk_err_name(t.first_err));

    restart_killed();

    /* What Kafka holds: each record once, each partition in send order. */
    size_t n;
    row_t *rows = kcat_read(topic, &n);
    char *seen = calloc(N, 1);
    int lost = 0, dups = 0, reordered = 0, last[PARTS] = {-1, -1, -1}, offset_diff = 0;
    int no_offset = 0; /* DUPLICATE_SEQUENCE_NUMBER: written by an earlier attempt, offset -1 */
    for (size_t j = 0; j < n; j++) {
        int i = atoi(rows[j].val);
        cr_assert(i >= 0 && i < N, "value %s", rows[j].val);
        int part = rows[j].partition;
        cr_assert(part >= 0 && part < PARTS);
        if (seen[i]++)
            dups++;
        if (i < last[part])
            reordered++;
        else
            last[part] = i;
        if (st.s[i].partition != part || (st.s[i].offset >= 0 && st.s[i].offset != rows[j].offset))
            offset_diff++;
        no_offset += st.s[i].offset < 0;
        char key[16];
        snprintf(key, sizeof key, "k%03d", i % 300);
        cr_assert_str_eq(rows[j].key, key);
    }
    for (int i = 0; i < N; i++)
        lost += !seen[i];
    fprintf(stderr,
            "read back %zu records: %d lost, %d duplicated, %d out of order, %d at another "
            "partition or offset than reported (%d reported without an offset)\n",
            n, lost, dups, reordered, offset_diff, no_offset);
    cr_assert_eq(lost, 0);
    cr_assert_eq(dups, 0);
    cr_assert_eq(reordered, 0);
    cr_assert_eq(n, (size_t)N);
    cr_assert_eq(offset_diff, 0);
    rows_free(rows, n);
    free(seen);
    free(st.s);
}

/* Counts the producer's "NOT_ENOUGH_REPLICAS, retry N in M ms" debug lines. */
static void count_ner_retries(int level, const char *context, const char *message, void *opaque) {
    (void)level;
    (void)context;
    if (strstr(message, "NOT_ENOUGH_REPLICAS, retry"))
        ++*(int *)opaque;
}

Test(producer_cluster, not_enough_replicas_is_retried_until_delivery_timeout, .timeout = 120,
     .fini = fini_restart) {
    /* min.insync.replicas=3 on RF 3: with a follower gone and the ISR shrunk, every acks=all
     * Produce gets NOT_ENOUGH_REPLICAS (retriable); acks=1 is still written. */
    char topic[96];
    snprintf(topic, sizeof topic, "kfk-pc-nisr-%d-%u", (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000));
    md_t md = topic_create(topic, 1, "3");
    int victim = md.leader[0] % 3 + 1; /* a follower */
    char arg[32];
    snprintf(arg, sizeof arg, "kill %d", victim);
    cr_assert_eq(run_script(arg), 0, "scripts/kafka %s", arg);
    killed_node = victim;

    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a = admin_new(&loop);
    int shrunk = 0;
    for (int i = 0; i < 200 && !shrunk; i++) {
        md = topic_md(&loop, a, topic);
        shrunk = md.parts == 1 && md.isr_cnt[0] == 2 && md.leader[0] != victim;
        if (!shrunk)
            usleep(100000);
    }
    kfk_admin_close(a, on_admin_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert(shrunk, "the ISR did not shrink to 2 after node %d was killed", victim);

    /* The metadata says the ISR shrank, but the leader applies that a moment later: a Produce
     * arriving in between passes the min.insync.replicas check, is appended and waits for the
     * dead follower (and is committed once it is back). Probe until the leader itself answers
     * NOT_ENOUGH_REPLICAS: from then on every acks=all Produce is refused before it is
     * appended, since the ISR cannot grow back while the follower is down. Probes carry their
     * own value and are left out of the checks below. */
    int refused = 0, probes = 0;
    for (; probes < 30 && !refused; probes++) {
        uv_loop_t pl;
        uv_loop_init(&pl);
        tally_t tp = {0};
        tp.loop = &pl;
        kfk_producer_t *pp =
            producer(&pl, (const char *[]){"enable.idempotence", "false", "retries", "0",
                                           "delivery.timeout.ms", "2000", "linger.ms", "0", NULL});
        sent_t sp = {0};
        sp.t = &tp;
        kfk_record_t probe = {topic, 0, "k", 1, "probe", 5, NULL, 0, 0};
        cr_assert_eq(kfk_producer_send(pp, &probe, on_delivery, &sp), 0);
        flush_wait(&pl, pp, &tp, 20000);
        refused = sp.err == KFK_ERR_NOT_ENOUGH_REPLICAS;
        close_all(&pl, pp, &tp);
    }
    cr_assert(refused, "the leader never refused an acks=all Produce in %d probes", probes);

    tally_t t = {0};
    t.loop = &loop;
    kt_stats_t st = {0};
    int ner_retries = 0;
    kfk_producer_t *p;
    {
        kfk_conf_t *c = kfk_conf_new();
        conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
        conf_set(c, "log_level", "3");
        conf_set(c, "delivery.timeout.ms", "3000");
        conf_set(c, "statistics.interval.ms", "100");
        conf_set(c, "debug", "producer");
        conf_set(c, "log_level", "7");
        kfk_conf_set_stats_cb(c, kt_stats_cb, &st);
        kfk_conf_set_log_cb(c, count_ner_retries, &ner_retries);
        char err[256];
        kfk_err_t e = kfk_producer_new(&loop, c, &p, err, sizeof err);
        kfk_conf_free(c);
        cr_assert_eq(e, 0, "kfk_producer_new: %s", err);
    }
    sent_t s[5];
    memset(s, 0, sizeof s);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < 5; i++) {
        kfk_record_t rec = {topic, 0, "k", 1, "all", 3, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s[i]), 0);
    }
    while (t.reports < 5) {
        run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 15000, "%zu of 5 reported after 15 s", t.reports);
    }
    /* Let one more statistics document come, taken after every report. */
    int docs = st.docs;
    while (st.docs < docs + 2)
        run_once(&loop);
    json_t *doc = kt_stats_parse(&st);
    json_int_t retries = kt_json_int(doc, "retries");
    json_decref(doc);
    int refusals = 0;
    for (int i = 0; i < 5; i++) {
        uint64_t at = s[i].at_ms - t0;
        /* Failed, and not before delivery.timeout.ms: NOT_ENOUGH_REPLICAS is retriable. A
         * record whose retry was in flight at its deadline is reported possibly persisted
         * (kfk cannot know the answer), though the leader refuses every one of them. */
        cr_assert(s[i].err == KFK_ERR_NOT_ENOUGH_REPLICAS || s[i].err == KFK_ERR__MSG_TIMED_OUT ||
                      s[i].err == KFK_ERR__POSSIBLY_PERSISTED,
                  "record %d: %s", i, kfk_err_name(s[i].err));
        cr_assert_geq(at, 2900, "record %d failed after %llu ms, before delivery.timeout.ms", i,
                      (unsigned long long)at);
        refusals += s[i].err == KFK_ERR_NOT_ENOUGH_REPLICAS;
    }
    /* Seen and retried: the leader's NOT_ENOUGH_REPLICAS answers were retried (the producer's
     * own count and its debug lines agree), until delivery.timeout.ms ended the records. */
    cr_assert_geq(ner_retries, 1, "no NOT_ENOUGH_REPLICAS answer was retried");
    cr_assert_geq(retries, ner_retries,
                  "%lld retries counted, %d NOT_ENOUGH_REPLICAS retries logged", (long long)retries,
                  ner_retries);
    fprintf(stderr,
            "acks=all with the ISR below min.insync.replicas: %d of 5 reported "
            "NOT_ENOUGH_REPLICAS (the others timed out), %d NOT_ENOUGH_REPLICAS answers retried, "
            "%lld retries, %d probes\n",
            refusals, ner_retries, (long long)retries, probes);
    kt_stats_free(&st);
    close_all(&loop, p, &t);

    uv_loop_init(&loop);
    tally_t t1 = {0};
    t1.loop = &loop;
    p = producer(&loop, (const char *[]){"acks", "1", NULL});
    sent_t s1 = {0};
    s1.t = &t1;
    kfk_record_t rec = {topic, 0, "k", 1, "one", 3, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &s1), 0);
    flush_wait(&loop, p, &t1, 20000);
    cr_assert_eq(s1.err, 0, "acks=1: %s", kfk_err_name(s1.err));
    close_all(&loop, p, &t1);

    restart_killed();
    /* Every acks=all record was refused before it was appended: none is in the log, even
     * after the follower is back; the acks=1 record is there once. */
    size_t n;
    row_t *rows = kcat_read(topic, &n);
    int n_one = 0, n_all = 0, n_probe = 0;
    for (size_t i = 0; i < n; i++) {
        n_one += !strcmp(rows[i].val, "one");
        n_all += !strcmp(rows[i].val, "all");
        n_probe += !strcmp(rows[i].val, "probe");
    }
    cr_assert_eq(n_one, 1, "the acks=1 record is in the log once (%d)", n_one);
    cr_assert_eq(n_all, 0, "%d acks=all records refused by the leader are in the log", n_all);
    cr_assert_eq((size_t)(n_one + n_all + n_probe), n, "%zu records, %d known", n,
                 n_one + n_all + n_probe);
    rows_free(rows, n);
}
