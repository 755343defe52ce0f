/*
 * producer_msgpack.c: the seeds' producer repository in C. One kfk producer is shared by the
 * whole program; events are structs packed with msgpack (the "Producible" protocol: a pack
 * callback) and keyed by user.id, as Dispytch's __partition_by__ = "user.id" does.
 *
 *   example_producer_msgpack [BOOTSTRAP] [TOPIC] [COUNT]
 *   (defaults: $KFK_BOOTSTRAP or 127.0.0.1:29000, profile_open_app_event_topic, 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <uv.h>

#include "kfk/kfk.h"

/* The event, as the Python side's pydantic model has it. */
typedef struct {
    struct {
        int64_t id;
        const char *country;
    } user;
    const char *app_version;
    int64_t opened_at;
} profile_open_app_event_t;

/* "Producible": how the event becomes msgpack. */
static int pack_event(struct msgpack_packer *pk, const void *obj, void *opaque) {
    (void)opaque;
    const profile_open_app_event_t *ev = obj;
    msgpack_pack_map(pk, 3);
    msgpack_pack_str_with_body(pk, "user", 4);
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "id", 2);
    msgpack_pack_int64(pk, ev->user.id);
    msgpack_pack_str_with_body(pk, "country", 7);
    msgpack_pack_str_with_body(pk, ev->user.country, strlen(ev->user.country));
    msgpack_pack_str_with_body(pk, "app_version", 11);
    msgpack_pack_str_with_body(pk, ev->app_version, strlen(ev->app_version));
    msgpack_pack_str_with_body(pk, "opened_at", 9);
    msgpack_pack_int64(pk, ev->opened_at);
    return 0;
}

/* The shared producer repository: one per program. */
typedef struct {
    kfk_producer_t *producer;
    unsigned long delivered, failed;
} event_producer_repository_t;

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    event_producer_repository_t *repo = opaque;
    if (d->err) {
        repo->failed++;
        fprintf(stderr, "not delivered: %s\n", kfk_err_str(d->err));
    } else {
        repo->delivered++;
    }
}

static int repository_open(event_producer_repository_t *repo, uv_loop_t *loop,
                           const char *bootstrap) {
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    if (kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
        kfk_conf_set(conf, "compression.type", "lz4", errstr, sizeof errstr) ||
        kfk_producer_new(loop, conf, &repo->producer, errstr, sizeof errstr)) {
        fprintf(stderr, "producer: %s\n", errstr);
        kfk_conf_free(conf);
        return -1;
    }
    kfk_conf_free(conf);
    return 0;
}

/* produce(topic, obj): what the Python repository's method does. */
static kfk_err_t repository_produce(event_producer_repository_t *repo, const char *topic,
                                    const profile_open_app_event_t *ev) {
    kfk_record_t rec = {.topic = topic, .partition = KFK_PARTITION_ANY};
    return kfk_producer_send_msgpack(repo->producer, &rec, ev, pack_event, NULL, "user.id",
                                     on_delivery, repo);
}

int main(int argc, char **argv) {
    const char *bootstrap = argc > 1 ? argv[1] : getenv("KFK_BOOTSTRAP");
    const char *topic = argc > 2 ? argv[2] : "profile_open_app_event_topic";
    long count = argc > 3 ? atol(argv[3]) : 1000;
    if (!bootstrap)
        bootstrap = "127.0.0.1:29000";
    uv_loop_t loop;
    uv_loop_init(&loop);
    event_producer_repository_t repo = {0};
    if (repository_open(&repo, &loop, bootstrap) != 0)
        return 1;
    static const char *countries[] = {"DE", "FR", "PL", "PT"};
    for (long i = 0; i < count; i++) {
        profile_open_app_event_t ev = {{1000 + i % 100, countries[i % 4]}, "3.2.1", 1764000000 + i};
        kfk_err_t err;
        /* A full queue is back-pressure: let the loop send, then try again. */
        while ((err = repository_produce(&repo, topic, &ev)) == KFK_ERR__QUEUE_FULL)
            uv_run(&loop, UV_RUN_ONCE);
        if (err) {
            fprintf(stderr, "refused: %s\n", kfk_err_str(err));
            return 1;
        }
    }
    /* Close flushes what is queued (up to delivery.timeout.ms), then frees the producer. */
    kfk_producer_close(repo.producer, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    printf("delivered %lu events to %s, %lu failed\n", repo.delivered, topic, repo.failed);
    return uv_loop_close(&loop) == 0 && repo.failed == 0 && repo.delivered == (unsigned long)count
               ? 0
               : 1;
}
