/*
 * cmd_demo.c: `kfk demo`, the README's main job in one process on one libuv loop:
 *   1. create a topic with 6 partitions;
 *   2. emit N msgpack events in Dispytch envelopes {id, type, body, timestamp}, body
 *      {"user": {"id": U}, "seq": S, "n": I}, keyed by user.id (S: the user's own sequence);
 *   3. one partition worker per partition behind a Redis lock, consuming in batches and
 *      committing; once partition 0's worker holds its lock, a second `kfk worker` process is
 *      started on partition 0 and must exit at once with code 3 (lock held);
 *   4. verify every event arrived once, each user on one partition, each user's seq in order;
 *   5. report rates, batches, lock contention and the verification result.
 * Exit 0 when the verification passed, 1 otherwise.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "cli/cli.h"

#define NPART_MAX 64

typedef struct demo demo_t;

typedef struct {
    demo_t *d;
    int32_t partition;
    kfk_worker_t *w;
    uint64_t records, batches;
    int done;
    kfk_err_t err;
    int64_t fence;
} dworker_t;

struct demo {
    uv_loop_t loop;
    const char *brokers, *redis, *group;
    char topic[200];
    int32_t partitions;
    uint64_t n, users;
    int batch_size;
    kfk_conf_t *conf;
    /* produce */
    kfk_producer_t *p;
    kfk_emitter_t *e;
    uv_idle_t idle;
    int blocked; /* the producer's queue was full */
    uint64_t next, delivered, failed;
    uint32_t *useq; /* per user: the last seq emitted */
    uint64_t rng;
    uint64_t t_produce0, t_produce1;
    kfk_cli_progress_t progress;
    /* consume */
    dworker_t workers[NPART_MAX];
    int workers_done;
    uint8_t *seen;   /* per event number: times seen */
    uint32_t *ulast; /* per user: the last seq consumed */
    int32_t *upart;  /* per user: the partition it came from (-1: none yet) */
    uint64_t unique, dups, order_errors, split_users, bad_records, batches;
    uint64_t t_consume0, t_consume1;
    /* the contending worker */
    uv_process_t proc;
    int proc_started, proc_exited;
    int64_t proc_status;
    uint64_t t_proc0, t_proc1;
    uv_timer_t deadline;
    int stopping;
    int failed_setup;
};

/* ---- produce ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t user, seq, n;
} body_t;

static int pack_body(struct msgpack_packer *pk, const void *obj, void *opaque) {
    (void)opaque;
    const body_t *b = obj;
    msgpack_pack_map(pk, 4);
    msgpack_pack_str_with_body(pk, "user", 4);
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "id", 2);
    msgpack_pack_uint64(pk, b->user);
    msgpack_pack_str_with_body(pk, "plan", 4);
    msgpack_pack_str_with_body(pk, b->user % 5 ? "free" : "pro", b->user % 5 ? 4 : 3);
    msgpack_pack_str_with_body(pk, "seq", 3);
    msgpack_pack_uint64(pk, b->seq);
    msgpack_pack_str_with_body(pk, "n", 1);
    msgpack_pack_uint64(pk, b->n);
    msgpack_pack_str_with_body(pk, "page", 4);
    msgpack_pack_str_with_body(pk, "/pricing", 8);
    return 0;
}

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void start_workers(demo_t *d);
static void on_idle(uv_idle_t *h);
static void stop_all(demo_t *d, const char *why);
static void close_deadline(demo_t *d);

static void on_emitted(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                       int64_t offset, void *opaque) {
    (void)e;
    (void)id;
    (void)partition;
    (void)offset;
    demo_t *d = opaque;
    if (err) {
        if (!d->failed)
            kfk_cli_error("demo", "an event was not delivered: %s (%s)", kfk_err_str(err),
                          kfk_err_name(err));
        d->failed++;
    } else {
        d->delivered++;
    }
    kfk_cli_progress(&d->progress, d->delivered + d->failed, 0);
    if (d->blocked && !d->stopping) {
        d->blocked = 0;
        uv_idle_start(&d->idle, on_idle);
    }
    if (d->delivered + d->failed == d->n) {
        d->t_produce1 = uv_hrtime();
        kfk_cli_progress(&d->progress, d->delivered + d->failed, 1);
        kfk_emitter_close(d->e, NULL, NULL);
        d->e = NULL;
        kfk_producer_set_close_timeout(d->p, 10000);
        kfk_producer_close(d->p, NULL, NULL);
        d->p = NULL;
        double s = (double)(d->t_produce1 - d->t_produce0) / 1e9;
        printf("produced  %" PRIu64 " events (%" PRIu64 " failed) in %.2f s: %.0f events/s\n",
               d->delivered, d->failed, s, (double)d->delivered / s);
        fflush(stdout);
        if (d->failed)
            stop_all(d, "events were not delivered");
        else
            start_workers(d);
    }
}

/* Emits until the producer's queue is full; the idle handle comes back for the rest. */
static void on_idle(uv_idle_t *h) {
    demo_t *d = h->data;
    while (d->next < d->n) {
        body_t b;
        b.user = xorshift(&d->rng) % d->users;
        b.seq = d->useq[b.user] + 1;
        b.n = d->next;
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        o.partition_by = "user.id";
        kfk_err_t err = kfk_emitter_emit_pack(d->e, d->topic, "PageViewed", pack_body, &b, NULL, &o,
                                              on_emitted, d);
        if (err == KFK_ERR__QUEUE_FULL) {
            /* Wait for deliveries to make room instead of spinning (on_emitted restarts). */
            uv_idle_stop(h);
            d->blocked = 1;
            return;
        }
        if (err) {
            kfk_cli_error("demo", "emit: %s (%s)", kfk_err_str(err), kfk_err_name(err));
            uv_idle_stop(h);
            stop_all(d, "emit failed");
            return;
        }
        d->useq[b.user] = (uint32_t)b.seq;
        d->next++;
    }
    uv_idle_stop(h);
}

/* ---- consume and verify ------------------------------------------------------------------ */

static const msgpack_object *map_get(const msgpack_object *o, const char *key) {
    if (!o || o->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl &&
            !memcmp(k->via.str.ptr, key, kl))
            return &o->via.map.ptr[i].val;
    }
    return NULL;
}

static int get_u64(const msgpack_object *o, uint64_t *out) {
    if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return 0;
    *out = o->via.u64;
    return 1;
}

static void check_record(demo_t *d, const kfk_message_t *m) {
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    uint64_t user, seq, n;
    const msgpack_object *body = NULL;
    if (kfk_message_msgpack(m, &u) == KFK_ERR_NONE)
        body = map_get(&u.data, "body");
    if (!body || !get_u64(map_get(map_get(body, "user"), "id"), &user) ||
        !get_u64(map_get(body, "seq"), &seq) || !get_u64(map_get(body, "n"), &n) || n >= d->n ||
        user >= d->users) {
        d->bad_records++;
        msgpack_unpacked_destroy(&u);
        return;
    }
    msgpack_unpacked_destroy(&u);
    if (d->seen[n]++) {
        d->dups++;
        return;
    }
    d->unique++;
    if (d->upart[user] < 0)
        d->upart[user] = m->partition;
    else if (d->upart[user] != m->partition)
        d->split_users++;
    if (seq != (uint64_t)d->ulast[user] + 1)
        d->order_errors++;
    d->ulast[user] = (uint32_t)seq;
}

static void maybe_finish(demo_t *d) {
    if (d->stopping || d->unique < d->n || (d->proc_started && !d->proc_exited))
        return;
    d->t_consume1 = uv_hrtime();
    stop_all(d, NULL);
}

static void on_exit_proc(uv_process_t *p, int64_t status, int sig) {
    demo_t *d = p->data;
    d->proc_exited = 1;
    d->proc_status = sig ? 128 + sig : status;
    d->t_proc1 = uv_hrtime();
    uv_close((uv_handle_t *)p, NULL);
    maybe_finish(d);
}

/* Starts `kfk worker` on partition 0, whose lock this process holds now. */
static void start_contender(demo_t *d) {
    static char exe[4096];
    size_t sz = sizeof exe;
    if (uv_exepath(exe, &sz) != 0)
        return;
    char *args[] = {exe,  "worker", "-b", (char *)d->brokers, "-t",      d->topic,
                    "-p", "0",      "-G", (char *)d->group,   "--redis", (char *)d->redis,
                    NULL};
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_IGNORE;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = exe;
    o.args = args;
    o.exit_cb = on_exit_proc;
    o.stdio = stdio;
    o.stdio_count = 3;
    d->proc.data = d;
    d->t_proc0 = uv_hrtime();
    int rc = uv_spawn(&d->loop, &d->proc, &o);
    if (rc != 0) {
        kfk_cli_error("demo", "could not start a second worker: %s", uv_strerror(rc));
        return;
    }
    d->proc_started = 1;
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    dworker_t *w = opaque;
    demo_t *d = w->d;
    size_t n = kfk_batch_count(b);
    for (size_t i = 0; i < n; i++)
        check_record(d, kfk_batch_message(b, i));
    w->records += n;
    w->batches++;
    d->batches++;
    kfk_batch_done(b, KFK_ERR_NONE);
    kfk_cli_progress(&d->progress, d->unique, 0);
    if (w->partition == 0 && !d->proc_started) {
        w->fence = kfk_worker_fence(w->w);
        start_contender(d);
    }
    maybe_finish(d);
}

static void on_worker_closed(kfk_worker_t *kw, void *opaque) {
    (void)kw;
    dworker_t *w = opaque;
    demo_t *d = w->d;
    w->done = 1;
    w->w = NULL;
    d->workers_done++;
    if (d->workers_done == d->partitions && d->stopping)
        close_deadline(d);
}

/* A worker finished by itself (lock held elsewhere, lost, an error): report, close it. */
static void on_worker_done(kfk_worker_t *kw, kfk_err_t err, void *opaque) {
    dworker_t *w = opaque;
    demo_t *d = w->d;
    w->err = err;
    kfk_worker_close(kw, on_worker_closed, w);
    if (err && !d->stopping) {
        kfk_cli_error("demo", "worker of partition %d stopped: %s (%s)", w->partition,
                      kfk_err_str(err), kfk_err_name(err));
        stop_all(d, "a worker failed");
    }
}

static void start_workers(demo_t *d) {
    kfk_cli_progress_init(&d->progress, "consumed", d->n);
    d->t_consume0 = uv_hrtime();
    char errstr[512];
    for (int32_t p = 0; p < d->partitions; p++) {
        dworker_t *w = &d->workers[p];
        w->d = d;
        w->partition = p;
        kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
        lo.redis = d->redis;
        lo.ttl_ms = 15000;
        kfk_worker_opts_t o = KFK_WORKER_OPTS_INIT;
        o.topic = d->topic;
        o.partition = p;
        o.lock = &lo;
        if (kfk_worker_new(&d->loop, d->conf, &o, on_batch, on_worker_done, w, &w->w, errstr,
                           sizeof errstr) != 0) {
            kfk_cli_error("demo", "worker %d: %s", p, errstr);
            w->done = 1;
            d->workers_done++;
            stop_all(d, "a worker did not start");
        }
    }
}

static void close_deadline(demo_t *d) {
    if (!uv_is_closing((uv_handle_t *)&d->deadline))
        uv_close((uv_handle_t *)&d->deadline, NULL);
    if (d->proc_started && !d->proc_exited)
        uv_process_kill(&d->proc, SIGTERM);
}

static void stop_all(demo_t *d, const char *why) {
    if (d->stopping)
        return;
    d->stopping = 1;
    if (why) {
        kfk_cli_error("demo", "stopping: %s", why);
        d->failed_setup = 1;
    }
    if (d->unique)
        kfk_cli_progress(&d->progress, d->unique, 1);
    if (uv_is_active((uv_handle_t *)&d->idle))
        uv_idle_stop(&d->idle);
    if (d->e) {
        kfk_emitter_close(d->e, NULL, NULL);
        d->e = NULL;
    }
    if (d->p) {
        kfk_producer_set_close_timeout(d->p, 0);
        kfk_producer_close(d->p, NULL, NULL);
        d->p = NULL;
    }
    int running = 0;
    for (int32_t p = 0; p < d->partitions; p++)
        if (d->workers[p].w && !d->workers[p].done) {
            kfk_worker_set_close_timeout(d->workers[p].w, 10000);
            kfk_worker_close(d->workers[p].w, on_worker_closed, &d->workers[p]);
            running++;
        }
    if (!running || d->workers_done == d->partitions)
        close_deadline(d);
}

static void on_deadline(uv_timer_t *t) {
    demo_t *d = t->data;
    stop_all(d, "timed out");
}

static void on_topic(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *r, size_t n,
                     void *opaque) {
    demo_t *d = opaque;
    kfk_err_t terr = err ? err : n ? r[0].err : KFK_ERR__UNKNOWN_TOPIC;
    kfk_admin_close(a, NULL, NULL);
    if (terr) {
        kfk_cli_error("demo", "create topic %s: %s (%s)", d->topic, kfk_err_str(terr),
                      kfk_err_name(terr));
        stop_all(d, "no topic");
        return;
    }
    printf("topic     %s, %d partitions\n", d->topic, d->partitions);
    fflush(stdout);
    kfk_cli_progress_init(&d->progress, "produced", d->n);
    d->t_produce0 = uv_hrtime();
    uv_idle_start(&d->idle, on_idle);
}

static const char demo_usage[] =
    "usage: kfk demo -b BROKERS --redis HOST:PORT [-n EVENTS] [--users N] [--partitions N]\n"
    "                [--batch-size N] [-t TOPIC] [-G GROUP] [-X key=value]... [-F file]\n"
    "\n"
    "kfk's main job on one loop: creates a topic (6 partitions), emits EVENTS msgpack events in\n"
    "Dispytch envelopes keyed by user.id, consumes them with one Redis-locked partition worker\n"
    "per partition (and shows a second worker on a locked partition exiting with code 3), then\n"
    "verifies that every event arrived exactly once and in order per user, and reports.\n"
    "\n"
    "  -n EVENTS          events to emit (default 200000)\n"
    "  --users N          distinct user ids (default 10000)\n"
    "  --partitions N     partitions of the new topic (default 6)\n"
    "  --batch-size N     records per worker batch (max.poll.records, default 500)\n"
    "  -t TOPIC           topic name (default kfk-demo-<time>; must not exist)\n"
    "\n"
    "examples:\n"
    "  kfk demo -b 127.0.0.1:29000 --redis 127.0.0.1:29379\n"
    "\n"
    "exit: 0 verified, 1 failed or not verified, 2 usage error\n";

int kfk_cmd_demo(int argc, char **argv) {
    const char *cmd = "demo";
    static demo_t d;
    memset(&d, 0, sizeof d);
    d.n = 200000;
    d.users = 10000;
    d.partitions = 6;
    d.batch_size = 500;
    const char *topic = NULL;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    for (int i = 1; i < argc; i++) {
        int k = kfk_cli_common_arg(&c, cmd, argc, argv, &i);
        if (k < 0) {
            kfk_cli_common_free(&c);
            return -k;
        }
        if (k)
            continue;
        const char *a = argv[i], *v = NULL;
        long long num;
        if (!strcmp(a, "-n")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-n", v, 1, 100000000, &num))
                goto usage;
            d.n = (uint64_t)num;
        } else if (!strcmp(a, "--users")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--users", v, 1, 10000000, &num))
                goto usage;
            d.users = (uint64_t)num;
        } else if (!strcmp(a, "--partitions")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--partitions", v, 1, NPART_MAX, &num))
                goto usage;
            d.partitions = (int32_t)num;
        } else if (!strcmp(a, "--batch-size")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--batch-size", v, 1, 100000, &num))
                goto usage;
            d.batch_size = (int)num;
        } else if (!strcmp(a, "--redis")) {
            if (!(d.redis = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "-t")) {
            if (!(topic = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "-G")) {
            if (!(d.group = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk demo --help)", a);
            goto usage;
        }
    }
    if (c.help) {
        fputs(demo_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    if (!d.redis) {
        kfk_cli_error(cmd, "give Redis with --redis HOST:PORT");
        goto usage;
    }
    if ((rc = kfk_cli_common_finish(&c, cmd)) != 0) {
        kfk_cli_common_free(&c);
        return rc;
    }
    static char brokers[1024];
    size_t blen = sizeof brokers;
    kfk_conf_get(c.conf, "bootstrap.servers", brokers, &blen);
    d.brokers = brokers;
    if (topic)
        snprintf(d.topic, sizeof d.topic, "%s", topic);
    else
        snprintf(d.topic, sizeof d.topic, "kfk-demo-%lld", (long long)time(NULL));
    static char group[256];
    if (!d.group) {
        snprintf(group, sizeof group, "%s-workers", d.topic);
        d.group = group;
    }
    char errstr[512], num[32];
    snprintf(num, sizeof num, "%d", d.batch_size);
    if (kfk_conf_set(c.conf, "group.id", d.group, errstr, sizeof errstr) ||
        kfk_conf_set(c.conf, "max.poll.records", num, errstr, sizeof errstr) ||
        kfk_conf_set(c.conf, "auto.offset.reset", "earliest", errstr, sizeof errstr)) {
        kfk_cli_error(cmd, "%s", errstr);
        goto usage;
    }
    d.conf = c.conf;
    d.useq = calloc(d.users, sizeof *d.useq);
    d.ulast = calloc(d.users, sizeof *d.ulast);
    d.upart = malloc(d.users * sizeof *d.upart);
    d.seen = calloc(d.n, 1);
    if (!d.useq || !d.ulast || !d.upart || !d.seen) {
        kfk_cli_error(cmd, "out of memory");
        free(d.useq);
        free(d.ulast);
        free(d.upart);
        free(d.seen);
        kfk_cli_common_free(&c);
        return KFK_EXIT_ERR;
    }
    for (uint64_t i = 0; i < d.users; i++)
        d.upart[i] = -1;
    d.rng = 0x9e3779b97f4a7c15ull;
    uv_loop_init(&d.loop);
    uv_idle_init(&d.loop, &d.idle);
    d.idle.data = &d;
    uv_timer_init(&d.loop, &d.deadline);
    d.deadline.data = &d;
    uv_timer_start(&d.deadline, on_deadline, 600000, 0);
    kfk_admin_t *admin = NULL;
    kfk_err_t err = kfk_producer_new(&d.loop, c.conf, &d.p, errstr, sizeof errstr);
    if (!err)
        err = kfk_emitter_new(d.p, KFK_ENVELOPE_MSGPACK, &d.e);
    if (!err)
        err = kfk_admin_new(&d.loop, c.conf, &admin, errstr, sizeof errstr);
    if (!err) {
        kfk_new_topic_t nt = {d.topic, d.partitions, 1, NULL, 0};
        err = kfk_admin_create_topics(admin, &nt, 1, 30000, on_topic, &d);
    }
    if (err) {
        kfk_cli_error(cmd, "%s", errstr[0] ? errstr : kfk_err_str(err));
        if (admin)
            kfk_admin_close(admin, NULL, NULL);
        stop_all(&d, "setup failed");
    }
    printf("kfk demo: %" PRIu64 " events, %" PRIu64 " users, Kafka at %s, Redis at %s\n", d.n,
           d.users, d.brokers, d.redis);
    fflush(stdout);
    uint64_t t0 = uv_hrtime();
    uv_run(&d.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&d.idle, NULL);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    int closed = uv_loop_close(&d.loop) == 0;
    double wall = (double)(uv_hrtime() - t0) / 1e9;

    int ok = !d.failed_setup && closed;
    if (d.t_consume1) {
        double s = (double)(d.t_consume1 - d.t_consume0) / 1e9;
        printf("consumed  %" PRIu64 " events in %" PRIu64 " batches in %.2f s: %.0f events/s\n",
               d.unique, d.batches, s, (double)d.unique / s);
        for (int32_t p = 0; p < d.partitions; p++)
            printf("  partition %d: %" PRIu64 " events, %" PRIu64 " batches%s\n", p,
                   d.workers[p].records, d.workers[p].batches,
                   d.workers[p].err ? " (worker failed)" : "");
    }
    if (d.proc_exited) {
        printf("lock      a second worker on partition 0 (held by this process, fence %lld) "
               "exited with code %lld in %.0f ms%s\n",
               (long long)d.workers[0].fence, (long long)d.proc_status,
               (double)(d.t_proc1 - d.t_proc0) / 1e6,
               d.proc_status == KFK_EXIT_LOCK_HELD ? ": lock held, as expected" : ": UNEXPECTED");
        if (d.proc_status != KFK_EXIT_LOCK_HELD)
            ok = 0;
    } else {
        printf("lock      the second worker did not run\n");
        ok = 0;
    }
    uint64_t missing = d.n - d.unique;
    int verified = missing == 0 && d.dups == 0 && d.order_errors == 0 && d.split_users == 0 &&
                   d.bad_records == 0;
    printf("verify    %" PRIu64 " missing, %" PRIu64 " duplicated, %" PRIu64
           " out of order, %" PRIu64 " users on two partitions, %" PRIu64 " undecodable: %s\n",
           missing, d.dups, d.order_errors, d.split_users, d.bad_records,
           verified ? "OK" : "FAILED");
    printf("wall      %.2f s\n", wall);
    free(d.useq);
    free(d.ulast);
    free(d.upart);
    free(d.seen);
    kfk_cli_common_free(&c);
    return ok && verified ? KFK_EXIT_OK : KFK_EXIT_ERR;
usage:
    kfk_cli_common_free(&c);
    return KFK_EXIT_USAGE;
}
