/*
 * events.c: a Dispytch service in C. The event is declared once, as Dispytch declares a class:
 *
 *     class UserRegistered(EventBase):
 *         __topic__ = "user_events"
 *         __event_type__ = "user_registered"
 *         __backend_config__ = KafkaEventConfig(partition_key="{user[id]}")
 *         user: User
 *         timestamp: int
 *
 * and emitted many times; the listener, in group my-service, routes the events to a handler with
 * retries (by type, or by topic alone for Dispytch 0.11's envelope-less events), and the group's
 * offsets move only past finished events. ENVELOPE picks the Dispytch release on the wire:
 * dispytch (0.10, {id, type, body, timestamp}), dispytch-0.9 ({id, type, body}) or none (0.11:
 * the event itself); SERIALIZER json or msgpack.
 *
 *   example_events [BOOTSTRAP] [TOPIC] [COUNT] [ENVELOPE] [SERIALIZER]
 *   (defaults: $KFK_BOOTSTRAP or 127.0.0.1:29000, user_events, 100, dispytch, json)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct {
    kfk_event_def_t *user_registered; /* the declared event */
    kfk_producer_t *producer;
    kfk_emitter_t *emitter;
    kfk_consumer_t *consumer;
    kfk_listener_t *listener;
    long count, emitted, handled, failed;
} app_t;

static void on_emitted(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                       int64_t offset, void *opaque) {
    (void)e;
    app_t *app = opaque;
    if (err) {
        fprintf(stderr, "event %s not delivered: %s\n", id, kfk_err_str(err));
        app->failed++;
    } else if (++app->emitted == 1)
        printf("first event %s -> partition %d offset %lld\n",
               id[0] ? id : "(no id: envelope none)", partition, (long long)offset);
}

/* The handler: async-capable, so kfk_event_done may also be called later. */
static void on_user_registered(kfk_listener_t *l, const kfk_event_t *ev, void *opaque) {
    (void)l;
    app_t *app = opaque;
    if (++app->handled <= 3) /* ev->id and ev->type are NULL with envelope none */
        printf("UserRegistered %s on partition %d: %s\n", ev->id ? ev->id : "(no id)",
               ev->partition, ev->body_json);
    kfk_event_done(ev, KFK_ERR_NONE);
    if (app->handled == app->count) {
        kfk_listener_stats_t st;
        kfk_listener_stats(l, &st);
        printf("handled %llu events, %llu retried, %llu failed\n", (unsigned long long)st.handled,
               (unsigned long long)st.retried, (unsigned long long)st.failed);
    }
}

static void on_listener_closed(kfk_listener_t *l, void *opaque) {
    (void)l;
    app_t *app = opaque;
    kfk_consumer_set_close_timeout(app->consumer, 10000);
    kfk_consumer_close(app->consumer, NULL, NULL);
}

static kfk_conf_t *conf_for(const char *bootstrap, const char *group) {
    char errstr[256];
    kfk_conf_t *conf = kfk_conf_new();
    kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
    if (group) {
        kfk_conf_set(conf, "group.id", group, errstr, sizeof errstr);
        kfk_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
    }
    return conf;
}

int main(int argc, char **argv) {
    const char *bootstrap = argc > 1 ? argv[1] : getenv("KFK_BOOTSTRAP");
    const char *topic = argc > 2 ? argv[2] : "user_events";
    app_t app = {0};
    app.count = argc > 3 ? atol(argv[3]) : 100;
    kfk_envelope_t envelope;
    if (kfk_envelope_parse(argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL, &envelope)) {
        fprintf(stderr, "envelope: dispytch, dispytch-0.9 or none; serializer: json or msgpack\n");
        return 2;
    }
    int typed = envelope != KFK_ENVELOPE_NONE_JSON && envelope != KFK_ENVELOPE_NONE_MSGPACK;
    if (!bootstrap)
        bootstrap = "127.0.0.1:29000";
    uv_loop_t loop;
    uv_loop_init(&loop);
    char errstr[512];

    /* The declaration: once, like the class above. */
    kfk_event_def_opts_t def = KFK_EVENT_DEF_OPTS_INIT;
    def.topic = topic;                /* __topic__ (may be a template: "users.{region}") */
    def.type = "user_registered";     /* __event_type__ (not sent with envelope none) */
    def.partition_key = "{user[id]}"; /* KafkaEventConfig(partition_key="{user[id]}") */
    def.envelope = envelope;
    if (kfk_event_def_new(&def, &app.user_registered, errstr, sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        return 1;
    }

    /* Emitter: EventEmitter(KafkaProducer(aioproducer)) */
    kfk_conf_t *conf = conf_for(bootstrap, NULL);
    if (kfk_producer_new(&loop, conf, &app.producer, errstr, sizeof errstr) ||
        kfk_emitter_new(app.producer, envelope, &app.emitter)) {
        fprintf(stderr, "%s\n", errstr);
        return 1;
    }
    kfk_conf_free(conf);
    for (long i = 0; i < app.count; i++) {
        /* await emitter.emit(UserRegistered(user=User(id=..., email=...), timestamp=...)) */
        char body[256];
        int n = snprintf(body, sizeof body,
                         "{\"user\": {\"id\": %ld, \"email\": \"user%ld@example.com\"}, "
                         "\"timestamp\": %ld}",
                         i % 10, i, 1764000000L + i);
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        o.errstr = errstr;
        o.errstr_size = sizeof errstr;
        if (kfk_emitter_emit_event_json(app.emitter, app.user_registered, body, (size_t)n, &o,
                                        on_emitted, &app)) {
            fprintf(stderr, "event %ld: %s\n", i, errstr);
            return 1;
        }
    }
    kfk_event_def_free(app.user_registered); /* emitted events do not need it */

    /* Listener: EventListener(KafkaConsumer(aioconsumer)) with a handler per event type
     * (@listener.handler(topic=..., event="user_registered")), or, for 0.11's events, which
     * have no type, EventDispatcher's handler per topic (a topic pattern such as "user_*" too). */
    conf = conf_for(bootstrap, "my-service");
    kfk_retry_policy_t retry = KFK_RETRY_POLICY_INIT;
    retry.retries = 3;
    retry.interval_ms = 200;
    retry.exponential = 1;
    const char *topics[] = {topic};
    if (kfk_consumer_new(&loop, conf, &app.consumer, errstr, sizeof errstr) ||
        kfk_listener_new(app.consumer, envelope, NULL, &app.listener) ||
        kfk_listener_on(app.listener, topic, typed ? "user_registered" : NULL, on_user_registered,
                        &retry, &app) ||
        kfk_consumer_subscribe(app.consumer, topics, 1) || kfk_listener_start(app.listener)) {
        fprintf(stderr, "listener setup failed %s\n", errstr);
        return 1;
    }
    kfk_conf_free(conf);
    while (!app.failed && (app.handled < app.count || app.emitted < app.count))
        uv_run(&loop, UV_RUN_ONCE);
    /* Objects over others close first: the listener, then (from its callback) its consumer. */
    kfk_listener_close(app.listener, on_listener_closed, &app);
    kfk_emitter_close(app.emitter, NULL, NULL);
    kfk_producer_close(app.producer, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop) == 0 && !app.failed ? 0 : 1;
}
