/*
 * partition_worker.c: the seeds' "consumer maker": one process per partition, behind a Redis
 * lock. If another worker holds the partition's lock, the process exits at once (code 3);
 * otherwise it consumes its partition in batches from the group's committed offset, commits
 * after each batch while the lock is renewed, and stops at the end of the partition (a real
 * service would keep going) or on Ctrl-C, releasing the lock.
 *
 *   example_partition_worker PARTITION [BOOTSTRAP] [REDIS] [TOPIC]
 *   (defaults: $KFK_BOOTSTRAP or 127.0.0.1:29000, $KFK_REDIS or 127.0.0.1:6379,
 *   profile_open_app_event_topic; group analytics_context, lock TTL 300 s as in the seed)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct {
    kfk_worker_t *worker;
    const char *topic;
    int32_t partition;
    long records, batches;
    int exit_code;
    uv_timer_t check;
    uv_signal_t sigint;
} app_t;

static void on_batch(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque) {
    (void)c;
    app_t *app = opaque;
    app->records += (long)kfk_batch_count(batch);
    app->batches++;
    kfk_batch_done(batch, KFK_ERR_NONE);
}

static void on_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    app_t *app = opaque;
    app->worker = NULL;
    uv_close((uv_handle_t *)&app->check, NULL);
    uv_close((uv_handle_t *)&app->sigint, NULL);
}

/* The worker finished by itself (lock held elsewhere, lost, an error): report and close it. */
static void on_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    app_t *app = opaque;
    kfk_worker_close(w, on_closed, app);
    if (err == KFK_ERR__LOCK_HELD) {
        printf("partition %d is locked by another worker: exiting\n", app->partition);
        app->exit_code = 3;
    } else if (err) {
        printf("worker stopped: %s\n", kfk_err_str(err));
        app->exit_code = 1;
    }
}

/* Stops at the end of the partition: everything up to the high watermark consumed. */
static void on_check(uv_timer_t *t) {
    app_t *app = t->data;
    kfk_consumer_t *c = app->worker ? kfk_worker_consumer(app->worker) : NULL;
    int64_t pos, hwm;
    if (c && kfk_consumer_outstanding(c) == 0 &&
        kfk_consumer_position(c, app->topic, app->partition, &pos, &hwm) == 0 && hwm >= 0 &&
        pos >= hwm) {
        printf("partition %d: %ld records in %ld batches, lock fence %lld\n", app->partition,
               app->records, app->batches, (long long)kfk_worker_fence(app->worker));
        kfk_worker_set_close_timeout(app->worker, 10000);
        kfk_worker_close(app->worker, on_closed, app); /* commits, releases the lock */
        uv_timer_stop(t);
    }
}

static void on_sigint(uv_signal_t *s, int sig) {
    (void)sig;
    app_t *app = s->data;
    if (app->worker) {
        kfk_worker_set_close_timeout(app->worker, 10000);
        kfk_worker_close(app->worker, on_closed, app);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PARTITION [BOOTSTRAP] [REDIS] [TOPIC]\n", argv[0]);
        return 2;
    }
    app_t app = {0};
    app.partition = atoi(argv[1]);
    const char *bootstrap = argc > 2 ? argv[2] : getenv("KFK_BOOTSTRAP");
    const char *redis = argc > 3 ? argv[3] : getenv("KFK_REDIS");
    app.topic = argc > 4 ? argv[4] : "profile_open_app_event_topic";
    uv_loop_t loop;
    uv_loop_init(&loop);
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    if (kfk_conf_set(conf, "bootstrap.servers", bootstrap ? bootstrap : "127.0.0.1:29000", errstr,
                     sizeof errstr) ||
        kfk_conf_set(conf, "group.id", "analytics_context", errstr, sizeof errstr) ||
        kfk_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        return 2;
    }
    kfk_lock_opts_t lock = KFK_LOCK_OPTS_INIT;
    lock.redis = redis ? redis : "127.0.0.1:6379";
    lock.ttl_ms = 300000;
    kfk_worker_opts_t opts = KFK_WORKER_OPTS_INIT;
    opts.topic = app.topic;
    opts.partition = app.partition;
    opts.lock = &lock;
    if (kfk_worker_new(&loop, conf, &opts, on_batch, on_done, &app, &app.worker, errstr,
                       sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        return 2;
    }
    kfk_conf_free(conf);
    uv_timer_init(&loop, &app.check);
    app.check.data = &app;
    uv_timer_start(&app.check, on_check, 100, 100);
    uv_signal_init(&loop, &app.sigint);
    app.sigint.data = &app;
    uv_signal_start(&app.sigint, on_sigint, SIGINT);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop) == 0 ? app.exit_code : 1;
}
