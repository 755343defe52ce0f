/*
 * partition_worker.c: the seeds' "consumer maker" in C:
 *
 *     async with KafkaConsumerRepositoryMaker(
 *         consumer_class=ProfileOpenAppEventConsumerRepository,
 *         partition=partition,
 *         lock_class=RedisLock,
 *         lock_kwargs={'redis_client': redis_client, 'timeout': 300}
 *     ) as consumer_maker:
 *         async for batch in consumer_maker.get_batches():
 *             await do_something(batch)
 *
 * The consumer repository is typed (a decoder turns each msgpack record into a
 * profile_open_app_event_t); the maker is a kfk partition worker on one partition behind a Redis
 * lock with a 300 s timeout. If another worker holds the lock, the process exits at once (code
 * 3). Otherwise it consumes its partition in typed batches from the group's committed offset,
 * committing after each batch while the lock is renewed. A batch that do_something does not
 * finish within max.poll.interval.ms (300 s by default, the lock's timeout) ends the worker and
 * lets the lock go (exit 1), as the seed's lock would expire. This example stops at the end of
 * the partition (a real service would keep going) or on Ctrl-C, releasing the lock.
 *
 *   example_partition_worker PARTITION [BOOTSTRAP] [REDIS] [TOPIC]
 *   (defaults: $KFK_BOOTSTRAP or 127.0.0.1:29000, $KFK_REDIS or 127.0.0.1:6379,
 *   profile_open_app_event_topic)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <uv.h>

#include "kfk/kfk.h"

/* ---- the typed consumer repository (BaseKafkaConsumerRepository[ProfileOpenAppEvent]) ------- */

/* The event, as the Python side's pydantic model has it. */
typedef struct {
    int64_t user_id;
    char country[8];
    int64_t opened_at;
} profile_open_app_event_t;

typedef struct {
    const char *topic;
    const char *group_id;
    const char *batch_size; /* the consumer's max.poll.records */
    kfk_decode_cb decode;
    kfk_free_cb free_obj;
} consumer_repository_t;

/* msgpack -> profile_open_app_event_t; a record that does not fit fails alone (m->err). */
static kfk_err_t decode_event(const kfk_message_t *m, void **out, void *opaque) {
    (void)opaque;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    kfk_err_t err = kfk_message_msgpack(m, &u);
    const msgpack_object *id = err ? NULL : kfk_msgpack_get(&u.data, "user.id");
    const msgpack_object *country = err ? NULL : kfk_msgpack_get(&u.data, "user.country");
    const msgpack_object *at = err ? NULL : kfk_msgpack_get(&u.data, "opened_at");
    profile_open_app_event_t *ev = NULL;
    if (id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && country &&
        country->type == MSGPACK_OBJECT_STR && at && at->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
        (ev = calloc(1, sizeof *ev))) {
        ev->user_id = (int64_t)id->via.u64;
        snprintf(ev->country, sizeof ev->country, "%.*s", (int)country->via.str.size,
                 country->via.str.ptr);
        ev->opened_at = (int64_t)at->via.u64;
    }
    msgpack_unpacked_destroy(&u);
    *out = ev;
    return ev ? KFK_ERR_NONE : KFK_ERR__VALUE_DECODE;
}

static void free_event(void *obj, void *opaque) {
    (void)opaque;
    free(obj);
}

static const consumer_repository_t profile_open_app_event_consumer_repository = {
    "profile_open_app_event_topic", "analytics_context", "100", decode_event, free_event};

/* ---- the application ------------------------------------------------------------------------ */

typedef struct {
    kfk_worker_t *worker; /* the consumer maker */
    const char *topic;
    int32_t partition;
    long records, batches, undecodable, from_de;
    int exit_code;
    uv_timer_t check;
    uv_signal_t sigint;
} app_t;

/* do_something(batch): the batch's events, typed. */
static void do_something(app_t *app, const profile_open_app_event_t **events, size_t n) {
    for (size_t i = 0; i < n; i++)
        app->from_de += !strcmp(events[i]->country, "DE");
}

/* async for batch in consumer_maker.get_batches(): await do_something(batch) */
static void on_batch(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque) {
    (void)c;
    app_t *app = opaque;
    size_t n = kfk_batch_count(batch), k = 0;
    const profile_open_app_event_t **events = calloc(n ? n : 1, sizeof *events);
    if (!events) {
        kfk_batch_done(batch, KFK_ERR__NOMEM); /* not processed: its records come again */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(batch, i);
        if (m->err)
            app->undecodable++;
        else
            events[k++] = m->decoded;
    }
    do_something(app, events, k);
    free(events);
    app->records += (long)n;
    app->batches++;
    kfk_batch_done(batch, KFK_ERR_NONE); /* processed: committed before the next batch */
}

static void on_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    app_t *app = opaque;
    app->worker = NULL;
    uv_close((uv_handle_t *)&app->check, NULL);
    uv_close((uv_handle_t *)&app->sigint, NULL);
}

/* The maker finished by itself: the lock is held elsewhere (exit at once, as the seed's task
 * does), lost, or a batch outlived max.poll.interval.ms. */
static void on_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    app_t *app = opaque;
    if (err == KFK_ERR__LOCK_HELD) {
        printf("partition %d is locked by another worker: exiting\n", app->partition);
        app->exit_code = 3;
    } else if (err) {
        printf("worker stopped: %s (%s)\n", kfk_worker_errstr(w), kfk_err_name(err));
        app->exit_code = 1;
    }
    kfk_worker_close(w, on_closed, app);
}

/* Stops at the end of the partition: everything up to the high watermark consumed. */
static void on_check(uv_timer_t *t) {
    app_t *app = t->data;
    kfk_consumer_t *c = app->worker ? kfk_worker_consumer(app->worker) : NULL;
    int64_t pos, hwm;
    if (c && kfk_consumer_outstanding(c) == 0 &&
        kfk_consumer_position(c, app->topic, app->partition, &pos, &hwm) == 0 && hwm >= 0 &&
        pos >= hwm) {
        printf("partition %d: %ld records in %ld batches (%ld from DE, %ld undecodable), lock "
               "fence %lld\n",
               app->partition, app->records, app->batches, app->from_de, app->undecodable,
               (long long)kfk_worker_fence(app->worker));
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
    const consumer_repository_t *repo = &profile_open_app_event_consumer_repository;
    app_t app = {0};
    app.partition = (int32_t)strtol(argv[1], NULL, 10);
    const char *bootstrap = argc > 2 ? argv[2] : getenv("KFK_BOOTSTRAP");
    const char *redis = argc > 3 ? argv[3] : getenv("KFK_REDIS");
    app.topic = argc > 4 ? argv[4] : repo->topic;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    if (kfk_conf_set(conf, "bootstrap.servers", bootstrap ? bootstrap : "127.0.0.1:29000", errstr,
                     sizeof errstr) ||
        kfk_conf_set(conf, "group.id", repo->group_id, errstr, sizeof errstr) ||
        kfk_conf_set(conf, "max.poll.records", repo->batch_size, errstr, sizeof errstr) ||
        kfk_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        return 2;
    }
    /* lock_class=RedisLock, lock_kwargs={'redis_client': redis_client, 'timeout': 300} */
    kfk_lock_opts_t lock = KFK_LOCK_OPTS_INIT;
    lock.redis = redis ? redis : "127.0.0.1:6379";
    lock.ttl_ms = 300 * 1000;
    /* KafkaConsumerRepositoryMaker(consumer_class=..., partition=partition, ...) */
    kfk_worker_opts_t maker = KFK_WORKER_OPTS_INIT;
    maker.topic = app.topic;
    maker.partition = app.partition;
    maker.lock = &lock;
    maker.decode = repo->decode;
    maker.free_obj = repo->free_obj;
    if (kfk_worker_new(&loop, conf, &maker, on_batch, on_done, &app, &app.worker, errstr,
                       sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        kfk_conf_free(conf);
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
