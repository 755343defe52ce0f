/*
 * embed_libuv.c: kfk inside an existing libuv program. The program already runs a TCP server
 * (it answers "ok\n" to anyone who connects) and a timer on its own loop; it adds a kfk
 * producer (the timer sends a record each tick) and a kfk consumer on the same loop, with no
 * thread of kfk's own. After COUNT records have gone round, everything shuts down and
 * uv_loop_close() returns 0: kfk leaves no handle behind.
 *
 *   example_embed_libuv [BOOTSTRAP] [TOPIC] [COUNT]
 *   (defaults: $KFK_BOOTSTRAP or 127.0.0.1:29000, embed_libuv, 50)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct {
    uv_loop_t loop;
    uv_tcp_t server; /* the program's own business */
    uv_timer_t tick;
    kfk_producer_t *producer;
    kfk_consumer_t *consumer;
    const char *topic;
    long count, sent, received;
    int closing;
} app_t;

static void on_conn(uv_stream_t *server, int status) {
    if (status < 0)
        return;
    uv_tcp_t *client = malloc(sizeof *client);
    uv_tcp_init(server->loop, client);
    if (uv_accept(server, (uv_stream_t *)client) == 0) {
        uv_buf_t b = uv_buf_init("ok\n", 3);
        uv_try_write((uv_stream_t *)client, &b, 1);
    }
    uv_close((uv_handle_t *)client, (uv_close_cb)free);
}

static void shutdown_all(app_t *app) {
    if (app->closing)
        return;
    app->closing = 1;
    uv_close((uv_handle_t *)&app->server, NULL);
    uv_close((uv_handle_t *)&app->tick, NULL);
    kfk_consumer_set_close_timeout(app->consumer, 5000);
    kfk_consumer_close(app->consumer, NULL, NULL);
    kfk_producer_set_close_timeout(app->producer, 5000);
    kfk_producer_close(app->producer, NULL, NULL);
}

static void on_tick(uv_timer_t *t) {
    app_t *app = t->data;
    if (app->sent >= app->count)
        return;
    char value[64];
    int n = snprintf(value, sizeof value, "tick %ld", app->sent);
    kfk_record_t rec = {
        .topic = app->topic, .partition = 0, .value = value, .value_len = (size_t)n};
    if (kfk_producer_send(app->producer, &rec, NULL, NULL) == KFK_ERR_NONE)
        app->sent++;
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque) {
    (void)c;
    app_t *app = opaque;
    app->received += (long)kfk_batch_count(batch);
    kfk_batch_done(batch, KFK_ERR_NONE);
    if (app->received >= app->count)
        shutdown_all(app);
}

int main(int argc, char **argv) {
    const char *bootstrap = argc > 1 ? argv[1] : getenv("KFK_BOOTSTRAP");
    static app_t app;
    app.topic = argc > 2 ? argv[2] : "embed_libuv";
    app.count = argc > 3 ? atol(argv[3]) : 50;
    if (!bootstrap)
        bootstrap = "127.0.0.1:29000";
    uv_loop_init(&app.loop);

    /* The existing program: a TCP server and a timer. */
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_init(&app.loop, &app.server);
    uv_tcp_bind(&app.server, (const struct sockaddr *)&addr, 0);
    if (uv_listen((uv_stream_t *)&app.server, 16, on_conn) != 0)
        return 1;
    uv_timer_init(&app.loop, &app.tick);
    app.tick.data = &app;

    /* kfk joins the same loop. */
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
    kfk_conf_set(conf, "linger.ms", "0", errstr, sizeof errstr);
    kfk_conf_set(conf, "batch.timeout.ms", "20", errstr, sizeof errstr);
    if (kfk_producer_new(&app.loop, conf, &app.producer, errstr, sizeof errstr) ||
        kfk_consumer_new(&app.loop, conf, &app.consumer, errstr, sizeof errstr)) {
        fprintf(stderr, "%s\n", errstr);
        return 1;
    }
    kfk_conf_free(conf);
    kfk_topic_partition_t tp = {app.topic, 0, KFK_OFFSET_BEGINNING};
    kfk_consumer_assign(app.consumer, &tp, 1);
    kfk_consumer_start(app.consumer, on_batch, &app);
    uv_timer_start(&app.tick, on_tick, 10, 10);

    uv_run(&app.loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&app.loop);
    printf("sent %ld, received %ld, uv_loop_close() = %d\n", app.sent, app.received, rc);
    return rc == 0 && app.received >= app.count ? 0 : 1;
}
