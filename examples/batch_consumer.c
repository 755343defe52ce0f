/*
 * batch_consumer.c: the seeds' typed batch consumer in C. As
 * `class ProfileOpenAppEventConsumerRepository(BaseKafkaConsumerRepository[ProfileOpenAppEvent])`
 * with its class attributes bootstrap_servers, topic, group_id (the context name,
 * analytics_context) and batch_size = 100: the repository below has the same four fields, and
 * batch_size is the consumer's max.poll.records (kfk's batch.size is the producer's batch in
 * bytes, as in Java and librdkafka). A decoder turns each msgpack record into a typed struct
 * (the [ProfileOpenAppEvent] part); the batch callback gets up to batch_size of them and marks
 * the batch done, which commits.
 *
 *   example_batch_consumer [BOOTSTRAP] [TOPIC] [COUNT]
 *   (defaults: $KFK_BOOTSTRAP or 127.0.0.1:29000, profile_open_app_event_topic, 1000; exits
 *   after COUNT events)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <uv.h>

#include "kfk/kfk.h"

typedef struct {
    int64_t user_id;
    char country[8];
    int64_t opened_at;
} profile_open_app_event_t;

/* The typed part: msgpack -> struct; a record that does not fit fails alone (m->err). */
static kfk_err_t decode(const kfk_message_t *m, void **out, void *opaque) {
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

/* BaseKafkaConsumerRepository's class attributes. */
typedef struct {
    const char *bootstrap_servers;
    const char *topic;
    const char *group_id;
    int batch_size;
} consumer_repository_t;

typedef struct {
    long want, got, bad, batches;
    kfk_consumer_t *consumer;
} app_t;

/* do_something(batch) */
static void on_batch(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque) {
    app_t *app = opaque;
    size_t n = kfk_batch_count(batch);
    long de = 0;
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(batch, i);
        const profile_open_app_event_t *ev = m->decoded;
        if (m->err) {
            app->bad++;
            continue;
        }
        de += !strcmp(ev->country, "DE");
    }
    app->got += (long)n;
    app->batches++;
    printf("batch %ld: %zu events (%ld from DE)\n", app->batches, n, de);
    kfk_batch_done(batch, KFK_ERR_NONE); /* done: the group's offset moves past it */
    if (app->got >= app->want) {
        kfk_consumer_set_close_timeout(c, 10000);
        kfk_consumer_close(c, NULL, NULL); /* commits, leaves the group */
    }
}

/* The repository's consumer: subscribed to its topic in its group, typed by the decoder. */
static kfk_err_t repository_open(const consumer_repository_t *repo, uv_loop_t *loop,
                                 kfk_consumer_t **out, char *errstr, size_t errstr_size) {
    char batch_size[16];
    snprintf(batch_size, sizeof batch_size, "%d", repo->batch_size);
    kfk_conf_t *conf = kfk_conf_new();
    kfk_err_t err;
    if (!conf)
        return KFK_ERR__NOMEM;
    if ((err = kfk_conf_set(conf, "bootstrap.servers", repo->bootstrap_servers, errstr,
                            errstr_size)) ||
        (err = kfk_conf_set(conf, "group.id", repo->group_id, errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "max.poll.records", batch_size, errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "auto.offset.reset", "earliest", errstr, errstr_size)) ||
        (err = kfk_consumer_new(loop, conf, out, errstr, errstr_size))) {
        kfk_conf_free(conf);
        return err;
    }
    kfk_conf_free(conf);
    kfk_consumer_set_decoder(*out, decode, free_event, NULL);
    const char *topics[] = {repo->topic};
    if ((err = kfk_consumer_subscribe(*out, topics, 1)))
        snprintf(errstr, errstr_size, "subscribe: %s", kfk_err_str(err));
    return err;
}

int main(int argc, char **argv) {
    const char *bootstrap = argc > 1 ? argv[1] : getenv("KFK_BOOTSTRAP");
    const consumer_repository_t profile_open_app_event_consumer_repository = {
        .bootstrap_servers = bootstrap ? bootstrap : "127.0.0.1:29000",
        .topic = argc > 2 ? argv[2] : "profile_open_app_event_topic",
        .group_id = "analytics_context",
        .batch_size = 100,
    };
    app_t app = {argc > 3 ? atol(argv[3]) : 1000, 0, 0, 0, NULL};
    uv_loop_t loop;
    uv_loop_init(&loop);
    char errstr[512];
    if (repository_open(&profile_open_app_event_consumer_repository, &loop, &app.consumer, errstr,
                        sizeof errstr)) {
        fprintf(stderr, "consumer: %s\n", errstr);
        return 1;
    }
    kfk_err_t err = kfk_consumer_start(app.consumer, on_batch, &app);
    if (err) {
        fprintf(stderr, "consumer: %s\n", kfk_err_str(err));
        return 1;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    printf("consumed %ld events in %ld batches (%ld undecodable)\n", app.got, app.batches, app.bad);
    return uv_loop_close(&loop) == 0 && app.got >= app.want ? 0 : 1;
}
