/*
 * producer_msgpack.c: the seeds' producer repository in C. As `class
 * EventProducerRepository(BaseKafkaProducerRepository)` with `event_producer_repository_impl =
 * EventProducerRepository()`, one repository (one kfk producer) is shared by the whole program,
 * and its produce(topic, obj) takes any object implementing the "Producible" protocol: how the
 * object packs itself into msgpack, and the dotted path of its key (Dispytch's
 * __partition_by__ = "user.id"). The event type below is one such object; any other struct
 * that starts with a producible_t pointer goes through the same produce().
 *
 * The topic need not exist: the producer asks the broker to create it on first use
 * (allow.auto.create.topics, default true), as aiokafka and the Java producer do, where the
 * broker allows auto-creation.
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

/* ---- the Producible protocol ------------------------------------------------------------------
 */

/* What a producible type brings: its msgpack form and where its key is (NULL: no key). */
typedef struct producible {
    kfk_pack_cb pack;
    const char *partition_by;
} producible_t;

/* ---- an event type (the Python side's pydantic model) ------------------------------------------
 */

typedef struct {
    const producible_t *producible; /* first: this is what makes it Producible */
    struct {
        int64_t id;
        const char *country;
    } user;
    const char *app_version;
    int64_t opened_at;
} profile_open_app_event_t;

static int pack_profile_open_app_event(struct msgpack_packer *pk, const void *obj, void *opaque) {
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

static const producible_t profile_open_app_event_producible = {pack_profile_open_app_event,
                                                               "user.id"};

/* ---- the shared producer repository -----------------------------------------------------------
 */

typedef struct {
    const char *bootstrap_servers; /* the class attribute */
    kfk_producer_t *producer;
    unsigned long delivered, failed;
} event_producer_repository_t;

/* The program's one repository (config.databases.kafka's BOOTSTRAP_SERVERS is set in main). */
static event_producer_repository_t event_producer_repository_impl;

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

static int repository_open(event_producer_repository_t *repo, uv_loop_t *loop) {
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    if (kfk_conf_set(conf, "bootstrap.servers", repo->bootstrap_servers, errstr, sizeof errstr) ||
        kfk_conf_set(conf, "compression.type", "lz4", errstr, sizeof errstr) ||
        kfk_producer_new(loop, conf, &repo->producer, errstr, sizeof errstr)) {
        fprintf(stderr, "producer: %s\n", errstr);
        kfk_conf_free(conf);
        return -1;
    }
    kfk_conf_free(conf);
    return 0;
}

/* produce(topic, obj): what the Python repository's method does, for any Producible @p obj. */
static kfk_err_t repository_produce(event_producer_repository_t *repo, const char *topic,
                                    const void *obj) {
    const producible_t *type = *(const producible_t *const *)obj;
    kfk_record_t rec = {.topic = topic, .partition = KFK_PARTITION_ANY};
    return kfk_producer_send_msgpack(repo->producer, &rec, obj, type->pack, NULL,
                                     type->partition_by, on_delivery, repo);
}

/* Closing flushes what is queued (up to delivery.timeout.ms), then frees the producer. */
static void repository_close(event_producer_repository_t *repo) {
    kfk_producer_close(repo->producer, NULL, NULL);
}

/* ---- the application ------------------------------------------------------------------------- */

/* Somewhere in the application: an app was opened. */
static kfk_err_t app_opened(uv_loop_t *loop, const char *topic, long i) {
    static const char *countries[] = {"DE", "FR", "PL", "PT"};
    profile_open_app_event_t ev = {&profile_open_app_event_producible,
                                   {1000 + i % 100, countries[i % 4]},
                                   "3.2.1",
                                   1764000000 + i};
    kfk_err_t err;
    /* A full queue is back-pressure: let the loop send, then try again. */
    while ((err = repository_produce(&event_producer_repository_impl, topic, &ev)) ==
           KFK_ERR__QUEUE_FULL)
        uv_run(loop, UV_RUN_ONCE);
    return err;
}

int main(int argc, char **argv) {
    const char *bootstrap = argc > 1 ? argv[1] : getenv("KFK_BOOTSTRAP");
    const char *topic = argc > 2 ? argv[2] : "profile_open_app_event_topic";
    long count = argc > 3 ? atol(argv[3]) : 1000;
    event_producer_repository_impl.bootstrap_servers = bootstrap ? bootstrap : "127.0.0.1:29000";
    uv_loop_t loop;
    uv_loop_init(&loop);
    if (repository_open(&event_producer_repository_impl, &loop) != 0)
        return 1;
    for (long i = 0; i < count; i++) {
        kfk_err_t err = app_opened(&loop, topic, i);
        if (err) {
            fprintf(stderr, "refused: %s\n", kfk_err_str(err));
            return 1;
        }
    }
    repository_close(&event_producer_repository_impl);
    uv_run(&loop, UV_RUN_DEFAULT);
    const event_producer_repository_t *repo = &event_producer_repository_impl;
    printf("delivered %lu events to %s, %lu failed\n", repo->delivered, topic, repo->failed);
    return uv_loop_close(&loop) == 0 && repo->failed == 0 && repo->delivered == (unsigned long)count
               ? 0
               : 1;
}
