/*
 * bench_rdkafka_producer.c: the workload of bench_producer.c on librdkafka (Debian's
 * librdkafka-dev; benchmarks only, never linked into libkfk), with the same options and the same
 * output line (client=librdkafka), run by scripts/bench next to kfk on the same broker.
 *
 *   bench_rdkafka_producer -b BROKERS -t TOPIC [-n RECORDS] [-s VALUE_BYTES] [-a 1|all]
 *                          [-l LINGER_MS] [-z none|gzip|snappy|lz4|zstd] [-k KEYS] [-X k=v]...
 *                          [-r RATE [-L CDF_FILE]] [-T RECORDS_PER_TXN]
 *
 * Same semantics as the kfk run: acks as given, enable.idempotence=true for acks=all and false
 * for acks=1, linger.ms, compression.type, partitioner=murmur2_random (Java's, which kfk uses
 * by default), the same keys and values, one warm-up record flushed before the clock starts.
 * Everything else stays at librdkafka's defaults. CPU time counts all of librdkafka's threads
 * (getrusage RUSAGE_SELF).
 *
 * Latency (-r RATE), as in bench_producer: records offered at RATE per second (each millisecond
 * what is due), delivery latency from rd_kafka_producev to the delivery report callback (served
 * by rd_kafka_poll between sends, which returns as soon as a report is queued); the output adds
 * p50_ms, p99_ms, p999_ms and max_ms and -L writes the CDF.
 *
 * Transactions (-T N, with -X transactional.id=ID), as bench_producer -T: the records in
 * transactions of N, each committed (rd_kafka_commit_transaction flushes first) before the next
 * begins; the output adds txn=N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "bench_util.h"

typedef struct bench {
    long delivered, failed;
    rd_kafka_resp_err_t first_err;
    double *sent; /* latency mode: when each record was produced (bench_now_s) */
    uint32_t *lat_us;
} bench_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    bench_t *b = opaque;
    if (b->sent && m->_private) {
        uintptr_t i = (uintptr_t)m->_private - 1;
        b->lat_us[i] = (uint32_t)((bench_now_s() - b->sent[i]) * 1e6);
    }
    if (m->err) {
        if (!b->failed++)
            b->first_err = m->err;
    } else {
        b->delivered++;
    }
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        bench_die("configuration", err);
}

/* Produces one record (a copy); @p tag, when not 0, comes back in the delivery report. */
static void produce(rd_kafka_t *rk, const char *topic, const char *key, size_t klen,
                    const char *val, size_t vlen, uintptr_t tag) {
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, klen),
            RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE((void *)tag), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            bench_die("rd_kafka_producev", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 1); /* serve delivery reports until there is room */
    }
}

/* A transaction call's error ends the run. */
static void txn_check(rd_kafka_error_t *e) {
    if (!e)
        return;
    char why[512];
    snprintf(why, sizeof why, "%s", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    bench_die("transaction", why);
}

int main(int argc, char **argv) {
    const char *bootstrap = getenv("KFK_BOOTSTRAP"), *topic = NULL, *acks = "1", *codec = "none";
    long n = 1000000, size = 100, keys = 10000, linger = 5, rate = 0, per_txn = 0;
    const char *extra[32], *cdf = NULL;
    int nextra = 0, opt;
    while ((opt = getopt(argc, argv, "b:t:n:s:a:l:z:k:X:r:L:T:")) != -1) {
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
        case 'X':
            if (nextra < 32)
                extra[nextra++] = optarg;
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
        default:
            fprintf(stderr, "usage: bench_rdkafka_producer -b BROKERS -t TOPIC [-n N] [-s BYTES] "
                            "[-a 1|all] [-l MS] [-z CODEC] [-k KEYS] [-X k=v] "
                            "[-r RATE [-L CDF_FILE]]\n");
            return 2;
        }
    }
    if (!bootstrap || !topic || size < 8 || keys < 1 || n < 1 || rate < 0 || per_txn < 0 ||
        (per_txn && rate))
        bench_die("-b (or KFK_BOOTSTRAP) and -t are needed; -s at least 8; -T not with -r", NULL);

    bench_t b;
    memset(&b, 0, sizeof b);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    char lbuf[32], err[512];
    snprintf(lbuf, sizeof lbuf, "%ld", linger);
    set(c, "bootstrap.servers", bootstrap);
    set(c, "acks", acks);
    set(c, "enable.idempotence", strcmp(acks, "all") && strcmp(acks, "-1") ? "false" : "true");
    set(c, "linger.ms", lbuf);
    set(c, "compression.type", codec);
    set(c, "partitioner", "murmur2_random");
    for (int i = 0; i < nextra; i++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", extra[i]);
        char *eq = strchr(kv, '=');
        if (!eq)
            bench_die("-X needs name=value", extra[i]);
        *eq = 0;
        set(c, kv, eq + 1);
    }
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, &b);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!rk)
        bench_die("rd_kafka_new", err);

    char *pool = malloc((size_t)size + 64);
    uint32_t x = 2463534242u;
    for (long i = 0; i < size + 64; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pool[i] = (char)('a' + (x & 15));
    }
    char *val = malloc((size_t)size);

    if (per_txn) {
        txn_check(rd_kafka_init_transactions(rk, 60000));
        txn_check(rd_kafka_begin_transaction(rk));
    }
    produce(rk, topic, "warm-up", 7, "warm-up", 7, 0);
    if (per_txn)
        txn_check(rd_kafka_commit_transaction(rk, 60000));
    rd_kafka_flush(rk, 30000);
    if (b.failed || b.delivered != 1)
        bench_die("warm-up record failed", rd_kafka_err2str(b.first_err));
    b.delivered = 0;

    if (rate > 0) {
        b.sent = calloc((size_t)n, sizeof *b.sent);
        b.lat_us = calloc((size_t)n, sizeof *b.lat_us);
        if (!b.sent || !b.lat_us)
            bench_die("out of memory", NULL);
    }
    double cpu0 = bench_cpu_seconds();
    double t0 = bench_now_s();
    for (long i = 0; i < n; i++) {
        if (rate > 0) {
            /* Wait (serving delivery reports) until record i is due, a millisecond at a time. */
            double due = t0 + (double)i / (double)rate, now;
            while ((now = bench_now_s()) < due)
                rd_kafka_poll(rk, 1);
        }
        if (per_txn && i % per_txn == 0)
            txn_check(rd_kafka_begin_transaction(rk));
        char key[16];
        int kl = snprintf(key, sizeof key, "key-%06ld", i % keys);
        memcpy(val, pool + i % 64, (size_t)size);
        snprintf(lbuf, sizeof lbuf, "%08ld", i);
        memcpy(val, lbuf, 8);
        if (rate > 0)
            b.sent[i] = bench_now_s();
        produce(rk, topic, key, (size_t)kl, val, (size_t)size, rate > 0 ? (uintptr_t)i + 1 : 0);
        if ((i & 1023) == 0)
            rd_kafka_poll(rk, 0);
        if (per_txn && ((i + 1) % per_txn == 0 || i + 1 == n))
            txn_check(rd_kafka_commit_transaction(rk, 60000));
    }
    while (b.delivered + b.failed < n)
        rd_kafka_flush(rk, 1000);
    double secs = bench_now_s() - t0;
    double cpu = bench_cpu_seconds() - cpu0;
    rd_kafka_destroy(rk);

    char lat[128] = "";
    if (rate > 0) {
        lat[0] = ' ';
        bench_latency_report(b.lat_us, b.delivered == n ? n : 0, cdf, lat + 1, sizeof lat - 1);
    } else if (per_txn) {
        snprintf(lat, sizeof lat, " txn=%ld", per_txn);
    }
    printf("client=librdkafka records=%ld value_bytes=%ld acks=%s linger_ms=%ld codec=%s "
           "secs=%.3f records_per_s=%.0f mb_per_s=%.2f cpu_s=%.3f cpu_s_per_m=%.3f "
           "max_rss_kb=%ld failed=%ld%s\n",
           n, size, acks, linger, codec, secs, (double)n / secs,
           (double)n * (double)size / secs / 1e6, cpu, cpu / (double)n * 1e6, bench_max_rss_kb(),
           b.failed, lat);
    if (b.failed)
        fprintf(stderr, "bench_rdkafka_producer: %ld records failed, first: %s\n", b.failed,
                rd_kafka_err2str(b.first_err));
    free(pool);
    free(val);
    free(b.sent);
    free(b.lat_us);
    return b.failed || b.delivered != n ? 1 : 0;
}
