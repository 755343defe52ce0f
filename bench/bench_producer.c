/*
 * bench_producer.c: end-to-end producer throughput of kfk against a real broker, the twin of
 * bench_rdkafka_producer.c (same options, workload and output line), run by scripts/bench.
 *
 *   bench_producer -b BROKERS -t TOPIC [-n RECORDS] [-s VALUE_BYTES] [-a 1|all] [-l LINGER_MS]
 *                  [-z none|gzip|snappy|lz4|zstd] [-k KEYS] [-X name=value]... [-c PARTITIONS]
 *                  [-d] [-r RATE [-L CDF_FILE]] [-T RECORDS_PER_TXN]
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
 * Latency (-r RATE): the records are offered at RATE per second instead of as fast as possible
 * (a 1 ms timer sends what is due), and each record's delivery latency (kfk_producer_send to its
 * delivery report) is kept; the output line adds p50_ms, p99_ms, p999_ms and max_ms, and -L
 * writes the latency CDF to CDF_FILE (bench_latency_report in bench_util.h). bench/run runs it
 * next to bench_rdkafka_producer -r.
 *
 * Transactions (-T N, with -X transactional.id=ID): the records go in transactions of N (the
 * warm-up record in one of its own); each is committed (a flush and EndTxn) before the next
 * begins, as bench_rdkafka_producer -T does; the output adds txn=N.
 *
 * Output, one line: client=kfk records=... value_bytes=... acks=... linger_ms=... codec=...
 * secs=... records_per_s=... mb_per_s=... cpu_s=... cpu_s_per_m=... max_rss_kb=... failed=...
 * [p50_ms=... p99_ms=... p999_ms=... max_ms=...]
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
    /* latency mode (-r) */
    uv_timer_t tick;
    const char *topic;
    long n, next, size, keys, rate;
    char *pool, *val;
    uint64_t t0, *sent_ns;
    uint32_t *lat_us;
} bench_t;

static bench_t b;

static int txn_ended;

static void on_txn(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque) {
    (void)p;
    (void)opaque;
    if (r->err)
        bench_die("transaction", r->errstr);
    txn_ended = 1;
}

/* Runs kfk_producer_init_txns or _commit_txn to its callback. */
static void txn_wait(kfk_err_t (*fn)(kfk_producer_t *, kfk_txn_cb, void *)) {
    txn_ended = 0;
    kfk_err_t e = fn(b.p, on_txn, NULL);
    if (e)
        bench_die("transaction call", kfk_err_name(e));
    while (!txn_ended)
        uv_run(&b.loop, UV_RUN_ONCE);
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    (void)opaque;
    if (d->err) {
        if (!b.failed++)
            b.first_err = d->err;
    } else {
        b.delivered++;
    }
}

/* Latency mode: the report of record number (uintptr_t)opaque. */
static void on_delivery_timed(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    uintptr_t i = (uintptr_t)opaque;
    b.lat_us[i] = (uint32_t)((uv_hrtime() - b.sent_ns[i]) / 1000);
    on_delivery(p, d, NULL);
}

/* Fills b.val with record @p i's value and @p key with its key; returns the key's length. */
static int record_make(long i, char key[16]) {
    char num[32];
    int kl = snprintf(key, 16, "key-%06ld", i % b.keys);
    memcpy(b.val, b.pool + i % 64, (size_t)b.size);
    snprintf(num, sizeof num, "%08ld", i);
    memcpy(b.val, num, 8);
    return kl;
}

/* Latency mode: every millisecond, sends the records due by then at b.rate per second. */
static void on_tick(uv_timer_t *t) {
    long due = (long)((double)(uv_hrtime() - b.t0) / 1e9 * (double)b.rate) + 1;
    if (due > b.n)
        due = b.n;
    for (; b.next < due; b.next++) {
        char key[16];
        int kl = record_make(b.next, key);
        kfk_record_t rec = {
            b.topic, KFK_PARTITION_ANY, key, (size_t)kl, b.val, (size_t)b.size, NULL, 0, 0};
        b.sent_ns[b.next] = uv_hrtime();
        kfk_err_t e = kfk_producer_send(b.p, &rec, on_delivery_timed, (void *)(uintptr_t)b.next);
        if (e == KFK_ERR__QUEUE_FULL)
            break; /* the next tick tries again */
        if (e)
            bench_die("kfk_producer_send", kfk_err_name(e));
    }
    if (b.next >= b.n)
        uv_timer_stop(t);
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

static void wait_flushed(void) {
    b.flushed = 0;
    if (kfk_producer_flush(b.p, on_flushed, &b))
        bench_die("kfk_producer_flush", NULL);
    while (!b.flushed)
        uv_run(&b.loop, UV_RUN_ONCE);
}

int main(int argc, char **argv) {
    const char *bootstrap = getenv("KFK_BOOTSTRAP"), *topic = NULL, *acks = "1", *codec = "none";
    long n = 1000000, size = 100, keys = 10000, linger = 5, rate = 0, per_txn = 0;
    const char *cdf = NULL;
    int create = 0, del = 0;
    const char *extra[32];
    int nextra = 0, opt;
    while ((opt = getopt(argc, argv, "b:t:n:s:a:l:z:k:X:c:dr:L:T:")) != -1) {
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
        case 'r':
            rate = strtol(optarg, NULL, 10);
            break;
        case 'T':
            per_txn = strtol(optarg, NULL, 10);
            break;
        case 'L':
            cdf = optarg;
            break;
        case 'X':
            if (nextra < 32)
                extra[nextra++] = optarg;
            break;
        default:
            fprintf(stderr, "usage: bench_producer -b BROKERS -t TOPIC [-n N] [-s BYTES] "
                            "[-a 1|all] [-l MS] [-z CODEC] [-k KEYS] [-X k=v] [-c PARTS] [-d] "
                            "[-r RATE [-L CDF_FILE]]\n");
            return 2;
        }
    }
    if (!bootstrap || !topic || size < 8 || keys < 1 || n < 0 || rate < 0 || per_txn < 0 ||
        (per_txn && rate))
        bench_die("-b (or KFK_BOOTSTRAP) and -t are needed; -s at least 8; -T not with -r", NULL);
    if (create > 0)
        (void)bench_topic_parts(bootstrap, topic, create);
    if (n == 0) {
        if (del)
            bench_topic_delete(bootstrap, topic);
        return 0;
    }

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
    b.topic = topic;
    b.n = n;
    b.size = size;
    b.keys = keys;
    b.rate = rate;
    b.pool = pool;
    b.val = val;

    kfk_record_t warm = {topic, KFK_PARTITION_ANY, "warm-up", 7, "warm-up", 7, NULL, 0, 0};
    if (per_txn) {
        txn_wait(kfk_producer_init_txns);
        if (kfk_producer_begin_txn(b.p))
            bench_die("kfk_producer_begin_txn", NULL);
    }
    if (kfk_producer_send(b.p, &warm, on_delivery, NULL))
        bench_die("warm-up send", NULL);
    /* A commit flushes: its callback comes once every record was reported. */
    if (per_txn)
        txn_wait(kfk_producer_commit_txn);
    else
        wait_flushed();
    if (b.failed)
        bench_die("warm-up record failed", kfk_err_name(b.first_err));
    b.delivered = 0;

    double cpu0 = bench_cpu_seconds();
    uint64_t t0 = uv_hrtime();
    if (rate > 0) {
        b.sent_ns = calloc((size_t)n, sizeof *b.sent_ns);
        b.lat_us = calloc((size_t)n, sizeof *b.lat_us);
        if (!b.sent_ns || !b.lat_us)
            bench_die("out of memory", NULL);
        b.t0 = t0;
        uv_timer_init(&b.loop, &b.tick);
        uv_timer_start(&b.tick, on_tick, 0, 1);
        while (b.next < n)
            uv_run(&b.loop, UV_RUN_ONCE);
        uv_close((uv_handle_t *)&b.tick, NULL);
    } else {
        for (long i = 0; i < n; i++) {
            if (per_txn && i % per_txn == 0 && kfk_producer_begin_txn(b.p))
                bench_die("kfk_producer_begin_txn", NULL);
            char key[16];
            int kl = record_make(i, key);
            kfk_record_t rec = {
                topic, KFK_PARTITION_ANY, key, (size_t)kl, val, (size_t)size, NULL, 0, 0};
            kfk_err_t e;
            while ((e = kfk_producer_send(b.p, &rec, on_delivery, NULL)) == KFK_ERR__QUEUE_FULL)
                uv_run(&b.loop, UV_RUN_ONCE);
            if (e)
                bench_die("kfk_producer_send", kfk_err_name(e));
            if (per_txn && ((i + 1) % per_txn == 0 || i + 1 == n))
                txn_wait(kfk_producer_commit_txn);
        }
    }
    if (!per_txn)
        wait_flushed();
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    double cpu = bench_cpu_seconds() - cpu0;
    kfk_producer_set_close_timeout(b.p, 10000);
    kfk_producer_close(b.p, NULL, NULL);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);

    char lat[128] = "";
    if (rate > 0) {
        lat[0] = ' ';
        bench_latency_report(b.lat_us, b.delivered == n ? n : 0, cdf, lat + 1, sizeof lat - 1);
    } else if (per_txn) {
        snprintf(lat, sizeof lat, " txn=%ld", per_txn);
    }
    printf("client=kfk records=%ld value_bytes=%ld acks=%s linger_ms=%ld codec=%s secs=%.3f "
           "records_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_m=%.3f max_rss_kb=%ld "
           "failed=%ld%s\n",
           n, size, acks, linger, codec, secs, (double)n / secs,
           (double)n * (double)size / secs / 1e6, cpu, cpu / (double)n * 1e6, bench_max_rss_kb(),
           b.failed, lat);
    if (b.failed)
        fprintf(stderr, "bench_producer: %ld records failed, first: %s\n", b.failed,
                kfk_err_name(b.first_err));
    free(pool);
    free(val);
    free(b.sent_ns);
    free(b.lat_us);
    if (del)
        bench_topic_delete(bootstrap, topic);
    return b.failed || b.delivered != n ? 1 : 0;
}
