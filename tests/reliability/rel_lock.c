/*
 * rel_lock: row 6 of scripts/reliability (lock contention), on kfk's public lock API. CLIENTS
 * lock clients on one loop each take a random one of KEYS keys ROUNDS times: acquire (again
 * after 1-3 ms while another holds it), hold for 0-2 ms (every 200th round longer than the renew
 * interval, so renewals happen under contention too), release. Several processes run at once
 * (scripts/reliability starts them); CLOCK_MONOTONIC is one clock for every process of a host,
 * so their grants can be compared.
 *
 * Output (--out FILE), one line per grant when it ends:
 *   "key fence start_ns end_ns worker wait_ns lost"
 * start_ns: when the grant callback ran; end_ns: when the holder stopped (just before the
 * release is sent, or when the lost callback ran, or when kfk_lock_is_held turned false);
 * wait_ns: from the round's first acquire to the grant; lost: 1 when the lease was lost while
 * held. tests/reliability/check.py lock judges the files: per key, no two grants overlap and
 * fences rise. stdout: one summary line. Exit 1 when a call failed in a way the row does not
 * expect (a Redis error, a timeout) or the deadline passed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct client client_t;

typedef struct run {
    uv_loop_t *loop;
    FILE *out;
    const char *name;
    int keys;
    int rounds;
    int active;
    uint64_t grants, busy, lost, errors, renew_rounds;
    client_t *clients;
    int nclients;
    uv_timer_t deadline;
    int timed_out;
} run_t;

struct client {
    run_t *run;
    kfk_lock_t *lock;
    uv_timer_t timer;
    int idx;
    int round;
    char key[64];
    int64_t first_try_ns;
    int64_t start_ns;
    int64_t fence;
    int lost;
    int done;
    unsigned seed;
};

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void try_acquire(client_t *c);

static void client_done(client_t *c) {
    if (c->done)
        return;
    c->done = 1;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, NULL);
    kfk_lock_close(c->lock, NULL, NULL);
    if (--c->run->active == 0)
        uv_close((uv_handle_t *)&c->run->deadline, NULL);
}

static void log_grant(client_t *c, int64_t end_ns) {
    run_t *r = c->run;
    fprintf(r->out, "%s %" PRId64 " %" PRId64 " %" PRId64 " %s/%d %" PRId64 " %d\n", c->key,
            c->fence, c->start_ns, end_ns, r->name, c->idx, c->start_ns - c->first_try_ns, c->lost);
}

static void next_round(client_t *c) {
    c->round++;
    if (c->round >= c->run->rounds || c->run->timed_out) {
        client_done(c);
        return;
    }
    c->first_try_ns = 0;
    try_acquire(c);
}

static void on_released(kfk_lock_t *lock, kfk_err_t err, void *opaque) {
    (void)lock;
    client_t *c = opaque;
    if (err != KFK_ERR_NONE && err != KFK_ERR__LOCK_LOST) {
        fprintf(stderr, "rel_lock %s/%d: release: %s\n", c->run->name, c->idx, kfk_err_name(err));
        c->run->errors++;
    }
    next_round(c);
}

static void on_lost(kfk_lock_t *lock, kfk_err_t reason, void *opaque) {
    (void)lock;
    (void)reason;
    client_t *c = opaque;
    /* The holder stops now: its interval ends here. */
    c->lost = 1;
    c->run->lost++;
}

static void on_hold_done(uv_timer_t *t) {
    client_t *c = t->data;
    int64_t end = mono_ns();
    /* A lease that ended while held (lost, or its deadline passed) ended earlier than now; the
     * lost callback's time is not kept, so the interval is logged to now and flagged. */
    if (!kfk_lock_is_held(c->lock))
        c->lost = 1;
    log_grant(c, end);
    kfk_err_t err = kfk_lock_release(c->lock, on_released, c);
    if (err != KFK_ERR_NONE) {
        fprintf(stderr, "rel_lock %s/%d: release refused: %s\n", c->run->name, c->idx,
                kfk_err_name(err));
        c->run->errors++;
        next_round(c);
    }
}

static void on_retry(uv_timer_t *t) {
    try_acquire(t->data);
}

static void on_acquired(kfk_lock_t *lock, kfk_err_t err, int64_t fence, void *opaque) {
    (void)lock;
    client_t *c = opaque;
    run_t *r = c->run;
    if (err == KFK_ERR__LOCK_HELD) {
        r->busy++;
        if (r->timed_out) {
            client_done(c);
            return;
        }
        uv_timer_start(&c->timer, on_retry, 1 + (uint64_t)(rand_r(&c->seed) % 3), 0);
        return;
    }
    if (err != KFK_ERR_NONE) {
        fprintf(stderr, "rel_lock %s/%d: acquire %s: %s\n", r->name, c->idx, c->key,
                kfk_err_name(err));
        r->errors++;
        if (err == KFK_ERR__DESTROYED) {
            client_done(c);
            return;
        }
        uv_timer_start(&c->timer, on_retry, 10, 0);
        return;
    }
    c->start_ns = mono_ns();
    c->fence = fence;
    c->lost = 0;
    r->grants++;
    uint64_t hold = (uint64_t)(rand_r(&c->seed) % 3);
    if (c->round % 200 == 199) {
        hold = 700; /* past the renew interval (TTL 1500 / 3): at least one renewal */
        r->renew_rounds++;
    }
    uv_timer_start(&c->timer, on_hold_done, hold, 0);
}

static void try_acquire(client_t *c) {
    if (c->first_try_ns == 0) {
        c->first_try_ns = mono_ns();
        snprintf(c->key, sizeof c->key, "kfk:rel:lock:%d", rand_r(&c->seed) % c->run->keys);
    }
    kfk_err_t err = kfk_lock_acquire(c->lock, c->key, on_acquired, c);
    if (err != KFK_ERR_NONE) {
        fprintf(stderr, "rel_lock %s/%d: acquire refused: %s\n", c->run->name, c->idx,
                kfk_err_name(err));
        c->run->errors++;
        client_done(c);
    }
}

static void on_deadline(uv_timer_t *t) {
    run_t *r = t->data;
    fprintf(stderr, "rel_lock %s: deadline passed with %d clients still running\n", r->name,
            r->active);
    r->timed_out = 1;
    for (int i = 0; i < r->nclients; i++)
        if (!r->clients[i].done)
            client_done(&r->clients[i]);
}

static void usage(void) {
    fprintf(stderr, "usage: rel_lock --redis HOST:PORT --out FILE [--name NAME] [-c CLIENTS]\n"
                    "                [-k KEYS] [-n ROUNDS] [--deadline SECONDS]\n");
    exit(2);
}

/** Runs the driver (see the note at the top); exit 0 when every round ran without error. */
int main(int argc, char **argv) {
    run_t r;
    memset(&r, 0, sizeof r);
    r.name = "p0";
    r.keys = 8;
    r.rounds = 1000;
    r.nclients = 8;
    const char *redis = NULL, *out = NULL;
    double deadline_s = 600;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--redis"))
            redis = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--name"))
            r.name = v;
        else if (!strcmp(a, "-c"))
            r.nclients = atoi(v);
        else if (!strcmp(a, "-k"))
            r.keys = atoi(v);
        else if (!strcmp(a, "-n"))
            r.rounds = atoi(v);
        else if (!strcmp(a, "--deadline"))
            deadline_s = strtod(v, NULL);
        else
            usage();
    }
    if (!redis || !out || r.nclients <= 0 || r.keys <= 0 || r.rounds <= 0)
        usage();
    r.out = fopen(out, "w");
    r.clients = calloc((size_t)r.nclients, sizeof *r.clients);
    if (!r.out || !r.clients) {
        fprintf(stderr, "rel_lock: cannot open %s\n", out);
        return 1;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    r.loop = &loop;
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    o.redis = redis;
    o.ttl_ms = 1500;
    char errstr[256];
    unsigned seed = (unsigned)mono_ns() ^ (unsigned)getpid() * 2654435761u;
    for (int i = 0; i < r.nclients; i++) {
        client_t *c = &r.clients[i];
        c->run = &r;
        c->idx = i;
        c->seed = seed + (unsigned)i * 7919u;
        if (kfk_lock_new(&loop, &o, &c->lock, errstr, sizeof errstr) != KFK_ERR_NONE) {
            fprintf(stderr, "rel_lock: %s\n", errstr);
            return 1;
        }
        kfk_lock_set_lost_cb(c->lock, on_lost, c);
        uv_timer_init(&loop, &c->timer);
        c->timer.data = c;
    }
    uv_timer_init(&loop, &r.deadline);
    r.deadline.data = &r;
    uv_timer_start(&r.deadline, on_deadline, (uint64_t)(deadline_s * 1000), 0);
    r.active = r.nclients;
    for (int i = 0; i < r.nclients; i++)
        try_acquire(&r.clients[i]);
    int64_t t0 = mono_ns();
    uv_run(&loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&loop);
    printf("{\"name\":\"%s\",\"grants\":%" PRIu64 ",\"busy\":%" PRIu64 ",\"lost\":%" PRIu64
           ",\"renew_rounds\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"elapsed_ms\":%" PRId64 "}\n",
           r.name, r.grants, r.busy, r.lost, r.renew_rounds, r.errors, (mono_ns() - t0) / 1000000);
    fclose(r.out);
    free(r.clients);
    if (rc != 0) {
        fprintf(stderr, "rel_lock: uv_loop_close: %s\n", uv_strerror(rc));
        return 1;
    }
    return r.errors || r.timed_out ? 1 : 0;
}
