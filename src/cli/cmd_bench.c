/*
 * cmd_bench.c: `kfk bench produce` and `kfk bench consume`, in the manner of Kafka's
 * kafka-producer-perf-test / kafka-consumer-perf-test: records/s, MB/s, delivery latency
 * percentiles (produce), and the process's CPU seconds per million records.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <uv.h>

#include "cli/cli.h"

typedef struct {
    uv_loop_t loop;
    const char *topic;
    uint64_t n, size;
    int32_t partition;
    /* produce */
    kfk_producer_t *p;
    uv_idle_t idle;
    int blocked;
    uint64_t next, reported, failed;
    uint64_t *sent_ns; /* per record: when it was sent */
    uint32_t *lat_us;  /* per record: send -> delivery report */
    char *payload;
    /* consume */
    kfk_consumer_t *c;
    kfk_admin_t *admin;
    uint64_t got, bytes;
    uv_timer_t deadline;
    int64_t timeout_ms;
    uint64_t t0, t1;
    int stopping, exit_code;
    kfk_cli_progress_t progress;
} bench_t;

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- produce ---------------------------------------------------------------------------- */

static void on_idle(uv_idle_t *h);

static bench_t *self; /* one bench per process run */

static void on_report(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    bench_t *b = self;
    uint64_t i = (uint64_t)(uintptr_t)opaque;
    uint64_t us = (uv_hrtime() - b->sent_ns[i]) / 1000;
    b->lat_us[i] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (d->err && !b->failed++)
        kfk_cli_error("bench", "a record failed: %s (%s)", kfk_err_str(d->err),
                      kfk_err_name(d->err));
    b->reported++;
    kfk_cli_progress(&b->progress, b->reported, 0);
    if (b->blocked) {
        b->blocked = 0;
        uv_idle_start(&b->idle, on_idle);
    }
    if (b->reported == b->n) {
        b->t1 = uv_hrtime();
        uv_close((uv_handle_t *)&b->idle, NULL);
        kfk_producer_set_close_timeout(b->p, 10000);
        kfk_producer_close(b->p, NULL, NULL);
    }
}

static void on_idle(uv_idle_t *h) {
    bench_t *b = h->data;
    kfk_record_t r;
    memset(&r, 0, sizeof r);
    r.topic = b->topic;
    r.partition = b->partition;
    r.value = b->payload;
    r.value_len = b->size;
    while (b->next < b->n) {
        b->sent_ns[b->next] = uv_hrtime();
        kfk_err_t err = kfk_producer_send(b->p, &r, on_report, (void *)(uintptr_t)b->next);
        if (err == KFK_ERR__QUEUE_FULL) {
            uv_idle_stop(h);
            b->blocked = 1;
            return;
        }
        if (err) {
            kfk_cli_error("bench", "send: %s (%s)", kfk_err_str(err), kfk_err_name(err));
            b->exit_code = KFK_EXIT_ERR;
            b->n = b->next; /* report what was sent */
            break;
        }
        b->next++;
    }
    uv_idle_stop(h);
    if (b->n == 0 || b->reported == b->n) {
        uv_close((uv_handle_t *)&b->idle, NULL);
        kfk_producer_set_close_timeout(b->p, 0);
        kfk_producer_close(b->p, NULL, NULL);
    }
}

static int run_produce(bench_t *b, kfk_conf_t *conf) {
    char errstr[512];
    b->sent_ns = malloc(b->n * sizeof *b->sent_ns);
    b->lat_us = calloc(b->n, sizeof *b->lat_us);
    b->payload = malloc(b->size ? b->size : 1);
    if (!b->sent_ns || !b->lat_us || !b->payload) {
        kfk_cli_error("bench", "out of memory for %" PRIu64 " records", b->n);
        return KFK_EXIT_ERR;
    }
    for (uint64_t i = 0; i < b->size; i++)
        b->payload[i] = (char)('a' + i % 26);
    if (kfk_producer_new(&b->loop, conf, &b->p, errstr, sizeof errstr)) {
        kfk_cli_error("bench", "%s", errstr);
        return KFK_EXIT_USAGE;
    }
    uv_idle_init(&b->loop, &b->idle);
    b->idle.data = b;
    kfk_cli_progress_init(&b->progress, "produced", b->n);
    double cpu0 = cpu_seconds();
    b->t0 = uv_hrtime();
    uv_idle_start(&b->idle, on_idle);
    uv_run(&b->loop, UV_RUN_DEFAULT);
    double cpu = cpu_seconds() - cpu0;
    kfk_cli_progress(&b->progress, b->reported, 1);
    if (!b->t1)
        b->t1 = uv_hrtime();
    double s = (double)(b->t1 - b->t0) / 1e9;
    uint64_t ok = b->reported - b->failed;
    qsort(b->lat_us, b->reported, sizeof *b->lat_us, cmp_u32);
    double sum = 0;
    for (uint64_t i = 0; i < b->reported; i++)
        sum += b->lat_us[i];
#define PCT(q) (b->reported ? b->lat_us[(uint64_t)((double)(b->reported - 1) * (q))] / 1000.0 : 0)
    printf("%" PRIu64 " records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, "
           "%.2f ms max latency, %" PRIu64 " failed\n",
           ok, (double)ok / s, (double)ok * (double)b->size / s / 1048576.0,
           b->reported ? sum / (double)b->reported / 1000.0 : 0.0, PCT(1.0), b->failed);
    printf("latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n", PCT(0.5), PCT(0.95),
           PCT(0.99), PCT(0.999));
#undef PCT
    printf("cpu %.2f s (%.3f s per million records), wall %.2f s\n", cpu,
           ok ? cpu / (double)ok * 1e6 : 0.0, s);
    free(b->sent_ns);
    free(b->lat_us);
    free(b->payload);
    if (b->failed && !b->exit_code)
        b->exit_code = KFK_EXIT_ERR;
    return b->exit_code;
}

/* ---- consume ---------------------------------------------------------------------------- */

static void stop_consume(bench_t *b) {
    if (b->stopping)
        return;
    b->stopping = 1;
    b->t1 = uv_hrtime();
    uv_close((uv_handle_t *)&b->deadline, NULL);
    kfk_consumer_set_close_timeout(b->c, 5000);
    kfk_consumer_close(b->c, NULL, NULL);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque) {
    (void)c;
    bench_t *b = opaque;
    size_t n = kfk_batch_count(batch);
    if (!b->t0)
        b->t0 = uv_hrtime();
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(batch, i);
        b->bytes += (uint64_t)(m->value_len > 0 ? m->value_len : 0) +
                    (uint64_t)(m->key_len > 0 ? m->key_len : 0);
    }
    b->got += n;
    kfk_batch_done(batch, KFK_ERR_NONE);
    kfk_cli_progress(&b->progress, b->got, 0);
    if (b->got >= b->n)
        stop_consume(b);
}

static void on_deadline(uv_timer_t *t) {
    bench_t *b = t->data;
    kfk_cli_error("bench", "timed out after %" PRId64 " ms with %" PRIu64 " of %" PRIu64 " records",
                  b->timeout_ms, b->got, b->n);
    b->exit_code = KFK_EXIT_ERR;
    stop_consume(b);
}

static void on_metadata(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    bench_t *b = opaque;
    kfk_err_t terr = err ? err : md->topic_cnt ? md->topics[0].err : KFK_ERR__UNKNOWN_TOPIC;
    if (!terr) {
        const kfk_metadata_topic_t *t = &md->topics[0];
        kfk_topic_partition_t *parts = calloc((size_t)t->partition_cnt + 1, sizeof *parts);
        for (int32_t i = 0; parts && i < t->partition_cnt; i++)
            parts[i] = (kfk_topic_partition_t){b->topic, t->partitions[i].id, KFK_OFFSET_BEGINNING};
        if (!parts || kfk_consumer_assign(b->c, parts, (size_t)t->partition_cnt) != 0)
            terr = KFK_ERR__NOMEM;
        free(parts);
    }
    kfk_admin_close(a, NULL, NULL);
    if (terr) {
        kfk_cli_error("bench", "topic %s: %s (%s)", b->topic, kfk_err_str(terr),
                      kfk_err_name(terr));
        b->exit_code = KFK_EXIT_ERR;
        stop_consume(b);
    }
}

static int run_consume(bench_t *b, kfk_conf_t *conf) {
    char errstr[512];
    if (kfk_consumer_new(&b->loop, conf, &b->c, errstr, sizeof errstr) ||
        kfk_admin_new(&b->loop, conf, &b->admin, errstr, sizeof errstr)) {
        kfk_cli_error("bench", "%s", errstr);
        if (b->c) {
            kfk_consumer_set_close_timeout(b->c, 0);
            kfk_consumer_close(b->c, NULL, NULL);
        }
        uv_run(&b->loop, UV_RUN_DEFAULT);
        return KFK_EXIT_USAGE;
    }
    uv_timer_init(&b->loop, &b->deadline);
    b->deadline.data = b;
    uv_timer_start(&b->deadline, on_deadline, (uint64_t)b->timeout_ms, 0);
    kfk_cli_progress_init(&b->progress, "consumed", b->n);
    double cpu0 = cpu_seconds();
    uint64_t start = uv_hrtime();
    if (b->partition >= 0) {
        kfk_topic_partition_t tp = {b->topic, b->partition, KFK_OFFSET_BEGINNING};
        kfk_consumer_assign(b->c, &tp, 1);
        kfk_admin_close(b->admin, NULL, NULL);
    } else {
        kfk_admin_metadata(b->admin, &b->topic, 1, on_metadata, b);
    }
    kfk_consumer_start(b->c, on_batch, b);
    uv_run(&b->loop, UV_RUN_DEFAULT);
    double cpu = cpu_seconds() - cpu0;
    kfk_cli_progress(&b->progress, b->got, 1);
    double s = b->t0 && b->t1 > b->t0 ? (double)(b->t1 - b->t0) / 1e9 : 0;
    double total = (double)((b->t1 ? b->t1 : uv_hrtime()) - start) / 1e9;
    printf("%" PRIu64 " records consumed (%.2f MB), %.1f records/sec (%.2f MB/sec) from the "
           "first record, %.2f s in all (with connecting)\n",
           b->got, (double)b->bytes / 1048576.0, s > 0 ? (double)b->got / s : 0.0,
           s > 0 ? (double)b->bytes / s / 1048576.0 : 0.0, total);
    printf("cpu %.2f s (%.3f s per million records)\n", cpu,
           b->got ? cpu / (double)b->got * 1e6 : 0.0);
    return b->exit_code;
}

static const char bench_usage[] =
    "usage: kfk bench produce -b BROKERS -t TOPIC [-n RECORDS] [-s SIZE] [-p PARTITION]\n"
    "                         [--acks all|1|0] [--linger MS] [-z CODEC] [--batch-bytes N]\n"
    "                         [-X key=value]... [-F file]\n"
    "       kfk bench consume -b BROKERS -t TOPIC [-n RECORDS] [-p PARTITION] [--timeout MS]\n"
    "                         [-X key=value]... [-F file]\n"
    "\n"
    "produce: sends RECORDS records of SIZE bytes (null keys) as fast as the queue takes them\n"
    "and reports records/s, MB/s, delivery latency (avg, max, p50, p95, p99, p99.9) and CPU.\n"
    "consume: reads RECORDS records from the beginning of the topic (every partition, or -p),\n"
    "without a group, and reports records/s, MB/s and CPU.\n"
    "\n"
    "  -n RECORDS     default 1000000\n"
    "  -s SIZE        value size in bytes (default 100)\n"
    "  --acks A       all (default), 1 or 0 (0 turns idempotence off)\n"
    "  --linger MS    linger.ms (default 5)\n"
    "  -z CODEC       none, gzip, snappy, lz4, zstd\n"
    "  --batch-bytes  batch.size in bytes (default 16384)\n"
    "  --timeout MS   consume: give up after MS (default 120000)\n"
    "\n"
    "examples:\n"
    "  kfk bench produce -b 127.0.0.1:29000 -t bench -n 1000000 -s 100 -z lz4\n"
    "  kfk bench consume -b 127.0.0.1:29000 -t bench -n 1000000\n"
    "\n"
    "exit: 0 ok, 1 records failed or timed out, 2 usage error\n";

int kfk_cmd_bench(int argc, char **argv) {
    const char *cmd = "bench";
    static bench_t b;
    memset(&b, 0, sizeof b);
    self = &b;
    b.n = 1000000;
    b.size = 100;
    b.partition = -1;
    b.timeout_ms = 120000;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    int mode = 0; /* 1 produce, 2 consume */
    char errstr[512];
    for (int i = 1; i < argc; i++) {
        int k = kfk_cli_common_arg(&c, cmd, argc, argv, &i);
        if (k < 0) {
            kfk_cli_common_free(&c);
            return -k;
        }
        if (k)
            continue;
        const char *a = argv[i], *v = NULL;
        long long num;
        if (!mode && !strcmp(a, "produce")) {
            mode = 1;
        } else if (!mode && !strcmp(a, "consume")) {
            mode = 2;
        } else if (!strcmp(a, "-t")) {
            if (!(b.topic = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "-n")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-n", v, 1, 1000000000, &num))
                goto usage;
            b.n = (uint64_t)num;
        } else if (!strcmp(a, "-s")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-s", v, 0, 100000000, &num))
                goto usage;
            b.size = (uint64_t)num;
        } else if (!strcmp(a, "-p")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-p", v, 0, INT32_MAX, &num))
                goto usage;
            b.partition = (int32_t)num;
        } else if (!strcmp(a, "--timeout")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--timeout", v, 1, INT32_MAX, &num))
                goto usage;
            b.timeout_ms = num;
        } else if (!strcmp(a, "--acks") || !strcmp(a, "--linger") || !strcmp(a, "-z") ||
                   !strcmp(a, "--batch-bytes")) {
            const char *key = !strcmp(a, "--acks")     ? "acks"
                              : !strcmp(a, "--linger") ? "linger.ms"
                              : !strcmp(a, "-z")       ? "compression.type"
                                                       : "batch.size";
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (!strcmp(key, "acks") && strcmp(v, "all") && strcmp(v, "-1") &&
                kfk_conf_set(c.conf, "enable.idempotence", "false", errstr, sizeof errstr))
                goto usage;
            if (kfk_conf_set(c.conf, key, v, errstr, sizeof errstr)) {
                kfk_cli_error(cmd, "%s: %s", a, errstr);
                goto usage;
            }
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk bench --help)", a);
            goto usage;
        }
    }
    if (c.help) {
        fputs(bench_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    if (!mode || !b.topic) {
        kfk_cli_error(cmd, "give produce or consume, and -t TOPIC");
        goto usage;
    }
    if (b.partition < 0 && mode == 1)
        b.partition = KFK_PARTITION_ANY;
    if ((rc = kfk_cli_common_finish(&c, cmd)) != 0) {
        kfk_cli_common_free(&c);
        return rc;
    }
    uv_loop_init(&b.loop);
    rc = mode == 1 ? run_produce(&b, c.conf) : run_consume(&b, c.conf);
    kfk_cli_common_free(&c);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&b.loop) != 0 && !rc)
        rc = KFK_EXIT_ERR;
    return rc;
usage:
    kfk_cli_common_free(&c);
    return KFK_EXIT_USAGE;
}
