/*
 * bench_topics.h: creating and deleting the benchmark topics with kfk's admin client (kfk's
 * benchmark programs only; the librdkafka twins get their topics from scripts/bench*).
 */
#ifndef KFK_BENCH_TOPICS_H
#define KFK_BENCH_TOPICS_H

#include <unistd.h>

#include <uv.h>

#include "bench_util.h"
#include "kfk/kfk.h"

typedef struct bench_md {
    int done;
    kfk_err_t err;
    int32_t parts;
    int leaders;
} bench_md_t;

static inline void bench_on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res,
                                   size_t n, void *opaque) {
    (void)a;
    bench_md_t *m = opaque;
    m->done = 1;
    m->err = err ? err : n ? res[0].err : KFK_ERR_NONE;
}

static inline void bench_on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md,
                               void *opaque) {
    (void)a;
    bench_md_t *m = opaque;
    m->done = 1;
    m->err = err;
    m->parts = 0;
    m->leaders = 0;
    if (!md || md->topic_cnt < 1 || md->topics[0].err)
        return;
    m->parts = md->topics[0].partition_cnt;
    for (int32_t i = 0; i < m->parts; i++)
        m->leaders += md->topics[0].partitions[i].leader >= 0;
}

static inline kfk_admin_t *bench_admin_new(uv_loop_t *loop, const char *bootstrap) {
    kfk_conf_t *c = kfk_conf_new();
    char err[256];
    if (kfk_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err) ||
        kfk_conf_set(c, "log_level", "3", err, sizeof err))
        bench_die("configuration", err);
    kfk_admin_t *a;
    if (kfk_admin_new(loop, c, &a, err, sizeof err))
        bench_die("kfk_admin_new", err);
    kfk_conf_free(c);
    return a;
}

static inline void bench_admin_close(uv_loop_t *loop, kfk_admin_t *a) {
    kfk_admin_close(a, NULL, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
}

/* The partition count of @p topic once every partition has a leader; with @p create > 0 the
 * topic is created first with that many partitions (if missing). */
static inline int32_t bench_topic_parts(const char *bootstrap, const char *topic, int32_t create) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a = bench_admin_new(&loop, bootstrap);
    bench_md_t m = {0};
    if (create > 0) {
        kfk_new_topic_t nt = {topic, create, -1, NULL, 0};
        kfk_admin_create_topics(a, &nt, 1, 15000, bench_on_topics, &m);
        while (!m.done)
            uv_run(&loop, UV_RUN_ONCE);
        if (m.err && m.err != KFK_ERR_TOPIC_ALREADY_EXISTS)
            bench_die("CreateTopics", kfk_err_name(m.err));
    }
    const char *names[1] = {topic};
    for (int i = 0; i < 100; i++) {
        m.done = 0;
        kfk_admin_metadata(a, names, 1, bench_on_md, &m);
        while (!m.done)
            uv_run(&loop, UV_RUN_ONCE);
        if (m.parts > 0 && m.leaders == m.parts)
            break;
        usleep(100000);
    }
    if (m.parts <= 0 || m.leaders != m.parts)
        bench_die("topic not ready", topic);
    bench_admin_close(&loop, a);
    return m.parts;
}

/* Deletes @p topic (a missing one is no error). */
static inline void bench_topic_delete(const char *bootstrap, const char *topic) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a = bench_admin_new(&loop, bootstrap);
    const char *names[1] = {topic};
    bench_md_t m = {0};
    kfk_admin_delete_topics(a, names, 1, 15000, bench_on_topics, &m);
    while (!m.done)
        uv_run(&loop, UV_RUN_ONCE);
    if (m.err && m.err != KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION)
        fprintf(stderr, "%s: DeleteTopics %s: %s\n", program_invocation_short_name, topic,
                kfk_err_name(m.err));
    bench_admin_close(&loop, a);
}

#endif
