/*
 * bench_consumer.c: end-to-end consumer throughput of kfk against a real broker, the twin of
 * bench_rdkafka_consumer.c (same options, workload and output line), run by
 * scripts/bench-consume.
 *
 *   bench_consumer -b BROKERS -t TOPIC -n RECORDS [-B BATCH] [-X name=value]...
 *   bench_consumer -b BROKERS -t TOPIC -P -n RECORDS [-s VALUE_BYTES] [-z CODEC] [-c PARTITIONS]
 *   bench_consumer -b BROKERS -t TOPIC -D
 *
 * Consume (the default): every partition of TOPIC is assigned from the beginning (manual
 * assignment, no group, no commits) and read until RECORDS records came; each batch (BATCH
 * records, default 1000, handed out as they arrive: batch.timeout.ms=0) is walked (key and value
 * lengths summed, as an application would touch them) and done at once. Metadata is read first;
 * then the clock and getrusage start, so connecting, ListOffsets and the first Fetch are in the CPU
 * figure, while records/s and MB/s run from the first record to the last (startup_ms reports the
 * time to the first record).
 *
 * Prepare (-P): creates TOPIC (if missing, PARTITIONS partitions, default 6) and writes RECORDS
 * records with kfk's producer: keys "key-%06d" (10,000 of them), values of VALUE_BYTES bytes of
 * a compressible pseudo-random text, compression CODEC (default none), acks=all. -D deletes
 * TOPIC.
 *
 * Output, one line: client=kfk records=... bytes=... secs=... startup_ms=... records_per_s=...
 * mb_per_s=... cpu_s=... cpu_s_per_m=... max_rss_kb=...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <uv.h>

#include "bench_topics.h"
#include "bench_util.h"
#include "kfk/kfk.h"

static void set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (kfk_conf_set(c, k, v, err, sizeof err))
        bench_die("configuration", err);
}

static kfk_conf_t *conf_new(const char *bootstrap) {
    kfk_conf_t *c = kfk_conf_new();
    set(c, "bootstrap.servers", bootstrap);
    set(c, "log_level", "4");
    return c;
}

/* ---- prepare (-P) ------------------------------------------------------------------------------
 */

typedef struct prod {
    long delivered, failed;
    kfk_err_t first_err;
    int flushed;
} prod_t;

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    prod_t *s = opaque;
    if (d->err && !s->failed++)
        s->first_err = d->err;
    if (!d->err)
        s->delivered++;
}

static void on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((prod_t *)opaque)->flushed = 1;
}

static void prepare(const char *bootstrap, const char *topic, long n, long size, const char *codec,
                    int32_t parts) {
    bench_topic_parts(bootstrap, topic, parts);
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_conf_t *c = conf_new(bootstrap);
    set(c, "compression.type", codec);
    set(c, "linger.ms", "20");
    set(c, "batch.size", "262144");
    kfk_producer_t *p;
    char err[256];
    if (kfk_producer_new(&loop, c, &p, err, sizeof err))
        bench_die("kfk_producer_new", err);
    kfk_conf_free(c);
    /* 16 letters of pseudo-random text: compressible, as log lines are. */
    char *val = malloc((size_t)size);
    uint32_t x = 2463534242u;
    prod_t s = {0};
    for (long i = 0; i < n; i++) {
        int hl = snprintf(val, (size_t)size, "%ld:", i);
        for (long j = hl; j < size; j++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            val[j] = (char)('a' + (x & 15));
        }
        char key[16];
        int kl = snprintf(key, sizeof key, "key-%06ld", i % 10000);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)size, NULL, 0,
                            0};
        kfk_err_t e;
        while ((e = kfk_producer_send(p, &rec, on_delivery, &s)) == KFK_ERR__QUEUE_FULL)
            uv_run(&loop, UV_RUN_ONCE);
        if (e)
            bench_die("kfk_producer_send", kfk_err_name(e));
    }
    free(val);
    kfk_producer_flush(p, on_flushed, &s);
    while (!s.flushed)
        uv_run(&loop, UV_RUN_ONCE);
    kfk_producer_close(p, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (s.failed)
        bench_die("records failed", kfk_err_name(s.first_err));
    printf("prepared topic=%s records=%ld value_bytes=%ld codec=%s partitions=%d\n", topic, n, size,
           codec, parts);
}

/* ---- consume -----------------------------------------------------------------------------------
 */

typedef struct run {
    long want, got;
    long long bytes;
    double first_at, last_at;
    int closed;
} run_t;

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    run_t *r = opaque;
    size_t n = kfk_batch_count(b);
    if (!r->got)
        r->first_at = bench_now_s();
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        r->bytes += (m->key_len > 0 ? m->key_len : 0) + (m->value_len > 0 ? m->value_len : 0);
    }
    r->got += (long)n;
    kfk_batch_done(b, KFK_ERR_NONE);
    if (r->got >= r->want) {
        r->last_at = bench_now_s();
        kfk_consumer_set_close_timeout(c, 0);
        kfk_consumer_close(c, NULL, NULL);
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = getenv("KFK_BOOTSTRAP"), *topic = NULL, *codec = "none";
    long n = 0, size = 100, batch = 1000;
    int prep = 0, del = 0;
    int32_t create = 6;
    const char *extra[32];
    int nextra = 0, opt;
    while ((opt = getopt(argc, argv, "b:t:n:s:z:c:B:X:PD")) != -1) {
        switch (opt) {
        case 'b':
            bootstrap = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'n':
            n = strtol(optarg, NULL, 10);
            break;
        case 's':
            size = strtol(optarg, NULL, 10);
            break;
        case 'z':
            codec = optarg;
            break;
        case 'c':
            create = (int32_t)strtol(optarg, NULL, 10);
            break;
        case 'B':
            batch = strtol(optarg, NULL, 10);
            break;
        case 'P':
            prep = 1;
            break;
        case 'D':
            del = 1;
            break;
        case 'X':
            if (nextra < 32)
                extra[nextra++] = optarg;
            break;
        default:
            fprintf(stderr,
                    "usage: bench_consumer -b BROKERS -t TOPIC -n N [-B BATCH] [-X k=v]...\n"
                    "       bench_consumer -b BROKERS -t TOPIC -P -n N [-s BYTES] "
                    "[-z CODEC] [-c PARTS]\n"
                    "       bench_consumer -b BROKERS -t TOPIC -D\n");
            return 2;
        }
    }
    if (bootstrap && topic && del) {
        bench_topic_delete(bootstrap, topic);
        return 0;
    }
    if (!bootstrap || !topic || n <= 0 || size < 16 || batch < 1)
        bench_die("-b (or KFK_BOOTSTRAP), -t and -n are needed; -s at least 16", NULL);
    if (prep) {
        prepare(bootstrap, topic, n, size, codec, create);
        return 0;
    }
    int32_t parts = bench_topic_parts(bootstrap, topic, 0);

    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_conf_t *c = conf_new(bootstrap);
    char bbuf[32], err[256];
    snprintf(bbuf, sizeof bbuf, "%ld", batch);
    set(c, "max.poll.records", bbuf);
    /* Batches go out with what arrived, as `kfk consume` does (its batch.timeout.ms is 0 too) and
     * as rd_kafka_consume_batch_queue returns within its 10 ms: the library's 500 ms would hold
     * the last, partial batch that long, a wait the twin does not have. */
    set(c, "batch.timeout.ms", "0");
    for (int i = 0; i < nextra; i++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", extra[i]);
        char *eq = strchr(kv, '=');
        if (!eq)
            bench_die("-X needs name=value", extra[i]);
        *eq = 0;
        set(c, kv, eq + 1);
    }
    run_t r = {n, 0, 0, 0, 0, 0};
    double cpu0 = bench_cpu_seconds(), t0 = bench_now_s();
    kfk_consumer_t *cons;
    if (kfk_consumer_new(&loop, c, &cons, err, sizeof err))
        bench_die("kfk_consumer_new", err);
    kfk_conf_free(c);
    kfk_topic_partition_t *tp = calloc((size_t)parts, sizeof *tp);
    for (int32_t p = 0; p < parts; p++)
        tp[p] = (kfk_topic_partition_t){topic, p, KFK_OFFSET_BEGINNING};
    if (kfk_consumer_assign(cons, tp, (size_t)parts) || kfk_consumer_start(cons, on_batch, &r))
        bench_die("assign/start", NULL);
    free(tp);
    uv_run(&loop, UV_RUN_DEFAULT);
    double cpu = bench_cpu_seconds() - cpu0;
    uv_loop_close(&loop);
    if (r.got < n)
        bench_die("fewer records than asked for", NULL);
    double secs = r.last_at - r.first_at;
    printf("client=kfk records=%ld bytes=%lld secs=%.3f startup_ms=%.0f records_per_s=%.0f "
           "mb_per_s=%.2f cpu_s=%.3f cpu_s_per_m=%.3f max_rss_kb=%ld\n",
           r.got, r.bytes, secs, (r.first_at - t0) * 1e3, (double)r.got / secs,
           (double)r.bytes / secs / 1e6, cpu, cpu / ((double)r.got / 1e6), bench_max_rss_kb());
    return 0;
}
