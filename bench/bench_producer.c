/*
 * bench_producer.c: end-to-end producer throughput of kfk against a real broker, the twin of
 * bench_rdkafka_producer.c (same options, workload and output line), run by scripts/bench.
 *
 *   bench_producer -b BROKERS -t TOPIC [-n RECORDS] [-s VALUE_BYTES] [-a 1|all] [-l LINGER_MS]
 *                  [-z none|gzip|snappy|lz4|zstd] [-k KEYS] [-X name=value]... [-c PARTITIONS]
 *                  [-d]
 *
 * Workload: RECORDS records, key "key-%06d" (record number modulo KEYS, murmur2-partitioned),
 * value VALUE_BYTES bytes of a fixed pseudo-random text (16 letters: compressible, as log lines
 * are) starting with the record number. acks=all turns idempotence on, acks=1 off. One warm-up
 * record is produced and flushed first (connection, metadata, producer id), then the clock and
 * getrusage start, every record is sent as fast as the queue takes it, and the clock stops when
 * the last delivery report has come. -c creates the topic first (if missing) with that many
 * partitions; -d deletes it at the end (scripts/bench keeps the broker's disk small); with -n 0
 * that is all it does.
 *
 * Output, one line: client=kfk records=... value_bytes=... acks=... linger_ms=... codec=...
 * secs=... records_per_s=... mb_per_s=... cpu_s=... cpu_s_per_m=... max_rss_kb=... failed=...
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

typedef struct bench {
    uv_loop_t loop;
    kfk_producer_t *p;
    long delivered, failed;
    kfk_err_t first_err;
    int flushed;
} bench_t;

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    bench_t *b = opaque;
    if (d->err) {
        if (!b->failed++)
            b->first_err = d->err;
    } else {
        b->delivered++;
    }
}

static void on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((bench_t *)opaque)->flushed = 1;
}

/* ---- the run ------------------------------------------------------------------------------------
 */

static void set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (kfk_conf_set(c, k, v, err, sizeof err))
        bench_die("configuration", err);
}

static void wait_flushed(bench_t *b) {
    b->flushed = 0;
    if (kfk_producer_flush(b->p, on_flushed, b))
        bench_die("kfk_producer_flush", NULL);
    while (!b->flushed)
        uv_run(&b->loop, UV_RUN_ONCE);
}

int main(int argc, char **argv) {
    const char *bootstrap = getenv("KFK_BOOTSTRAP"), *topic = NULL, *acks = "1", *codec = "none";
    long n = 1000000, size = 100, keys = 10000, linger = 5;
    int create = 0, del = 0;
    const char *extra[32];
    int nextra = 0, opt;
    while ((opt = getopt(argc, argv, "b:t:n:s:a:l:z:k:X:c:d")) != -1) {
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
        case 'a':
            acks = optarg;
            break;
        case 'l':
            linger = strtol(optarg, NULL, 10);
            break;
        case 'z':
            codec = optarg;
            break;
        case 'k':
            keys = strtol(optarg, NULL, 10);
            break;
        case 'c':
            create = (int)strtol(optarg, NULL, 10);
            break;
        case 'd':
            del = 1;
            break;
        case 'X':
            if (nextra < 32)
                extra[nextra++] = optarg;
            break;
        default:
            fprintf(stderr, "usage: bench_producer -b BROKERS -t TOPIC [-n N] [-s BYTES] "
                            "[-a 1|all] [-l MS] [-z CODEC] [-k KEYS] [-X k=v] [-c PARTS] [-d]\n");
            return 2;
        }
    }
    if (!bootstrap || !topic || size < 8 || keys < 1 || n < 0)
        bench_die("-b (or KFK_BOOTSTRAP) and -t are needed; -s at least 8", NULL);
    if (create > 0)
        (void)bench_topic_parts(bootstrap, topic, create);
    if (n == 0) {
        if (del)
            bench_topic_delete(bootstrap, topic);
        return 0;
    }

    bench_t b;
    memset(&b, 0, sizeof b);
    uv_loop_init(&b.loop);
    kfk_conf_t *c = kfk_conf_new();
    char lbuf[32], err[256];
    snprintf(lbuf, sizeof lbuf, "%ld", linger);
    set(c, "bootstrap.servers", bootstrap);
    set(c, "acks", acks);
    set(c, "enable.idempotence", strcmp(acks, "all") && strcmp(acks, "-1") ? "false" : "true");
    set(c, "linger.ms", lbuf);
    set(c, "compression.type", codec);
    set(c, "log_level", "4");
    for (int i = 0; i < nextra; i++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", extra[i]);
        char *eq = strchr(kv, '=');
        if (!eq)
            bench_die("-X needs name=value", extra[i]);
        *eq = 0;
        set(c, kv, eq + 1);
    }
    if (kfk_producer_new(&b.loop, c, &b.p, err, sizeof err))
        bench_die("kfk_producer_new", err);
    kfk_conf_free(c);

    /* The value pool: 16 letters, pseudo-random; record i takes size bytes from i % 64. */
    char *pool = malloc((size_t)size + 64);
    uint32_t x = 2463534242u;
    for (long i = 0; i < size + 64; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pool[i] = (char)('a' + (x & 15));
    }
    char *val = malloc((size_t)size);

    kfk_record_t warm = {topic, KFK_PARTITION_ANY, "warm-up", 7, "warm-up", 7, NULL, 0, 0};
    if (kfk_producer_send(b.p, &warm, on_delivery, &b))
        bench_die("warm-up send", NULL);
    wait_flushed(&b);
    if (b.failed)
        bench_die("warm-up record failed", kfk_err_name(b.first_err));
    b.delivered = 0;

    double cpu0 = bench_cpu_seconds();
    uint64_t t0 = uv_hrtime();
    for (long i = 0; i < n; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "key-%06ld", i % keys);
        memcpy(val, pool + i % 64, (size_t)size);
        snprintf(lbuf, sizeof lbuf, "%08ld", i);
        memcpy(val, lbuf, 8);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)size, NULL, 0,
                            0};
        kfk_err_t e;
        while ((e = kfk_producer_send(b.p, &rec, on_delivery, &b)) == KFK_ERR__QUEUE_FULL)
            uv_run(&b.loop, UV_RUN_ONCE);
        if (e)
            bench_die("kfk_producer_send", kfk_err_name(e));
    }
    wait_flushed(&b);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    double cpu = bench_cpu_seconds() - cpu0;
    kfk_producer_set_close_timeout(b.p, 10000);
    kfk_producer_close(b.p, NULL, NULL);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);

    printf("client=kfk records=%ld value_bytes=%ld acks=%s linger_ms=%ld codec=%s secs=%.3f "
           "records_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_m=%.3f max_rss_kb=%ld "
           "failed=%ld\n",
           n, size, acks, linger, codec, secs, (double)n / secs,
           (double)n * (double)size / secs / 1e6, cpu, cpu / (double)n * 1e6, bench_max_rss_kb(),
           b.failed);
    if (b.failed)
        fprintf(stderr, "bench_producer: %ld records failed, first: %s\n", b.failed,
                kfk_err_name(b.first_err));
    free(pool);
    free(val);
    if (del)
        bench_topic_delete(bootstrap, topic);
    return b.failed || b.delivered != n ? 1 : 0;
}
