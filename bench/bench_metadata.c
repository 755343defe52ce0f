/*
 * bench_metadata.c: connection setup and metadata refresh latency of kfk against a real broker,
 * per listener (the -X settings choose TLS and SASL).
 *
 *   bench_metadata -b BROKERS [-n REFRESHES] [-t TOPIC]... [-X name=value]...
 *
 * Measures, on one loop with the monotonic clock:
 * - first: from kfk_admin_new to the first Metadata answer: DNS (numeric here), TCP connect,
 *   TLS handshake, ApiVersions, SASL, Metadata;
 * - refresh: REFRESHES (default 200) Metadata requests one after another on the warm
 *   connection (for TOPIC, or every topic), each from the call to its callback.
 * Output, one line: client=kfk first_ms=... refreshes=... refresh_p50_ms=... refresh_p99_ms=...
 * refresh_max_ms=... topics=... failed=...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "bench_util.h"
#include "kfk/kfk.h"

#define MAX_TOPICS 16

typedef struct bench {
    uv_loop_t loop;
    kfk_admin_t *a;
    const char *topics[MAX_TOPICS];
    size_t ntopics;
    int n, done, failed;
    kfk_err_t first_err;
    uint64_t t_new, t_sent;
    double first_ms;
    double *lat; /* ms per refresh */
    size_t topic_cnt;
} bench_t;

static void on_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static void next(bench_t *b);

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    bench_t *b = opaque;
    double ms = (double)(uv_hrtime() - b->t_sent) / 1e6;
    if (err) {
        if (!b->failed++)
            b->first_err = err;
    } else {
        b->topic_cnt = (size_t)md->topic_cnt;
    }
    if (b->done < 0) {
        b->first_ms = (double)(uv_hrtime() - b->t_new) / 1e6;
        if (err) { /* no connection: nothing more to measure */
            kfk_admin_close(b->a, on_closed, b);
            return;
        }
    } else {
        b->lat[b->done] = ms;
    }
    b->done++;
    next(b);
}

static void next(bench_t *b) {
    if (b->done >= b->n) {
        kfk_admin_close(b->a, on_closed, b);
        return;
    }
    b->t_sent = uv_hrtime();
    kfk_err_t err = kfk_admin_metadata(b->a, b->topics, b->ntopics, on_md, b);
    if (err)
        bench_die("kfk_admin_metadata", kfk_err_name(err));
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
    bench_t b;
    memset(&b, 0, sizeof b);
    b.n = 200;
    kfk_conf_t *conf = kfk_conf_new();
    char errstr[512];
    int opt;
    while ((opt = getopt(argc, argv, "b:n:t:X:")) != -1) {
        switch (opt) {
        case 'b':
            if (kfk_conf_set(conf, "bootstrap.servers", optarg, errstr, sizeof errstr))
                bench_die("-b", errstr);
            break;
        case 'n':
            b.n = atoi(optarg);
            break;
        case 't':
            if (b.ntopics == MAX_TOPICS)
                bench_die("-t", "too many topics");
            b.topics[b.ntopics++] = optarg;
            break;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq)
                bench_die("-X needs name=value", optarg);
            *eq = '\0';
            if (kfk_conf_set(conf, optarg, eq + 1, errstr, sizeof errstr))
                bench_die("-X", errstr);
            break;
        }
        default:
            fprintf(stderr, "usage: bench_metadata -b BROKERS [-n REFRESHES] [-t TOPIC]... "
                            "[-X name=value]...\n");
            return 2;
        }
    }
    if (b.n < 1)
        bench_die("-n", "at least 1 refresh");
    b.lat = calloc((size_t)b.n, sizeof *b.lat);
    if (!b.lat)
        bench_die("out of memory", NULL);
    uv_loop_init(&b.loop);
    b.done = -1; /* the first answer is the connection's */
    b.t_new = uv_hrtime();
    if (kfk_admin_new(&b.loop, conf, &b.a, errstr, sizeof errstr))
        bench_die("kfk_admin_new", errstr);
    kfk_conf_free(conf);
    b.t_sent = b.t_new;
    if (kfk_admin_metadata(b.a, b.topics, b.ntopics, on_md, &b))
        bench_die("kfk_admin_metadata", NULL);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);
    int got = b.done > 0 ? b.done : 0;
    qsort(b.lat, (size_t)got, sizeof *b.lat, cmp_double);
    double p50 = got ? b.lat[got / 2] : 0, p99 = got ? b.lat[(size_t)got * 99 / 100] : 0;
    double max = got ? b.lat[got - 1] : 0;
    printf("client=kfk first_ms=%.2f refreshes=%d refresh_p50_ms=%.3f refresh_p99_ms=%.3f "
           "refresh_max_ms=%.3f topics=%zu failed=%d%s%s\n",
           b.first_ms, got, p50, p99, max, b.topic_cnt, b.failed, b.failed ? " first_error=" : "",
           b.failed ? kfk_err_name(b.first_err) : "");
    free(b.lat);
    return b.failed ? 1 : 0;
}
