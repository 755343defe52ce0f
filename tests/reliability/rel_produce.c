/*
 * rel_produce: the producing side of scripts/reliability's fault rows (1, 2, 9), on kfk's public
 * API only. It sends COUNT records at RATE records/s to TOPIC, record i (0-based) to partition
 * i % PARTITIONS with the value "%010u" i padded to SIZE bytes, so that a reader can check
 * every record by its id: present once, in id order within its partition.
 *
 * Output (the oracle's input, scripts/reliability reads it with tests/reliability/check.py):
 *   --out FILE   one line per record when it is reported: "id partition offset err latency_us
 *                send_ms" (send_ms: CLOCK_REALTIME milliseconds when kfk_producer_send was
 *                called; err: kfk_err_name, NONE when delivered)
 *   --stats FILE every statistics document (statistics.interval.ms, default 1000), one per line
 *   --log FILE   every log line with its CLOCK_REALTIME milliseconds: "ms level context message"
 *   stdout       one summary line: sent, delivered, failed, queue_full, elapsed_ms
 *
 * --stop-file PATH: when PATH exists (looked for every 100 ms) no more records are sent: the run
 * ends once those sent are reported (for rows whose length is set by the faults, not by COUNT).
 *
 * Records refused by kfk_producer_send with KFK_ERR__QUEUE_FULL are sent again on the next tick
 * (the id is kept); any other refusal is reported on stderr and ends the run with exit 1. The
 * run ends when every record was reported, or at --deadline seconds (exit 1, naming what was
 * still queued).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct run {
    uv_loop_t *loop;
    kfk_producer_t *p;
    uv_timer_t tick;
    uv_timer_t deadline;
    const char *topic;
    uint32_t count;
    uint32_t partitions;
    double rate;
    size_t size;
    uint32_t sent;     /* ids handed to kfk_producer_send */
    uint32_t reported; /* delivery callbacks seen */
    uint32_t delivered;
    uint32_t failed;
    uint64_t queue_full;
    uint64_t t0_ms;    /* uv_now when sending started */
    int64_t *send_us;  /* CLOCK_MONOTONIC microseconds at send, per id */
    int64_t *send_rms; /* CLOCK_REALTIME milliseconds at send, per id */
    FILE *out;
    FILE *stats;
    FILE *log;
    const char *stop_file;
    uint64_t stop_checked_ms;
    int closing;
    int timed_out;
    int exit_code;
    char *value;
} run_t;

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_log(int level, const char *context, const char *message, void *opaque) {
    run_t *r = opaque;
    if (r->log)
        fprintf(r->log, "%" PRId64 " %d %s %s\n", real_ms(), level, context ? context : "-",
                message);
}

static void on_stats(const char *json, size_t len, void *opaque) {
    run_t *r = opaque;
    if (r->stats) {
        fwrite(json, 1, len, r->stats);
        fputc('\n', r->stats);
    }
}

static void on_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    run_t *r = opaque;
    uv_close((uv_handle_t *)&r->tick, NULL);
    uv_close((uv_handle_t *)&r->deadline, NULL);
}

static void finish(run_t *r) {
    if (r->closing)
        return;
    r->closing = 1;
    uv_timer_stop(&r->tick);
    uv_timer_stop(&r->deadline);
    /* A run that is over its deadline fails what is left at once. */
    kfk_producer_set_close_timeout(r->p, r->timed_out ? 0 : 30000);
    kfk_producer_close(r->p, on_closed, r);
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    run_t *r = kfk_producer_get_data(p);
    uint32_t id = (uint32_t)(uintptr_t)opaque;
    int64_t lat = mono_us() - r->send_us[id];
    fprintf(r->out, "%" PRIu32 " %" PRId32 " %" PRId64 " %s %" PRId64 " %" PRId64 "\n", id,
            d->partition, d->offset, kfk_err_name(d->err), lat, r->send_rms[id]);
    r->reported++;
    if (d->err == KFK_ERR_NONE)
        r->delivered++;
    else
        r->failed++;
    if (r->reported == r->count)
        finish(r);
}

static void on_tick(uv_timer_t *t) {
    run_t *r = t->data;
    uint64_t elapsed = uv_now(r->loop) - r->t0_ms;
    if (r->stop_file && elapsed >= r->stop_checked_ms + 100) {
        r->stop_checked_ms = elapsed;
        FILE *f = fopen(r->stop_file, "r");
        if (f) {
            fclose(f);
            r->count = r->sent; /* what was sent is all there is */
            uv_timer_stop(&r->tick);
            if (r->reported == r->count)
                finish(r);
            return;
        }
    }
    double due = r->rate > 0 ? r->rate * (double)elapsed / 1000.0 : (double)r->count;
    uint32_t target = due >= (double)r->count ? r->count : (uint32_t)due;
    while (r->sent < target) {
        uint32_t id = r->sent;
        int n = snprintf(r->value, r->size + 1, "%010" PRIu32, id);
        if (n >= 0 && (size_t)n < r->size)
            r->value[n] = 'x'; /* the id, then padding: no NUL inside the value */
        kfk_record_t rec;
        memset(&rec, 0, sizeof rec);
        rec.topic = r->topic;
        rec.partition = (int32_t)(id % r->partitions);
        rec.value = r->value;
        rec.value_len = r->size > (size_t)n ? r->size : (size_t)n;
        r->send_us[id] = mono_us();
        r->send_rms[id] = real_ms();
        kfk_err_t err = kfk_producer_send(r->p, &rec, on_delivery, (void *)(uintptr_t)id);
        if (err == KFK_ERR__QUEUE_FULL) {
            r->queue_full++;
            return; /* the same id on the next tick */
        }
        if (err != KFK_ERR_NONE) {
            fprintf(stderr, "rel_produce: send of record %" PRIu32 " refused: %s\n", id,
                    kfk_err_str(err));
            r->exit_code = 1;
            r->count = r->sent; /* nothing more will be sent */
            if (r->reported == r->count)
                finish(r);
            else
                uv_timer_stop(&r->tick);
            return;
        }
        r->sent++;
    }
    if (r->sent == r->count)
        uv_timer_stop(&r->tick);
}

static void on_deadline(uv_timer_t *t) {
    run_t *r = t->data;
    fprintf(stderr,
            "rel_produce: deadline passed with %" PRIu32 " of %" PRIu32 " records sent, %" PRIu32
            " reported, %zu queued\n",
            r->sent, r->count, r->reported, kfk_producer_queued(r->p));
    r->timed_out = 1;
    r->exit_code = 1;
    finish(r);
}

static void usage(void) {
    fprintf(stderr, "usage: rel_produce -b BROKERS -t TOPIC -n COUNT [-r RATE] [-P PARTITIONS]\n"
                    "                   [-S SIZE] [--out FILE] [--stats FILE] [--log FILE]\n"
                    "                   [--deadline SECONDS] [--stop-file PATH]\n"
                    "                   [-X key=value]...\n");
    exit(2);
}

/** Runs the driver (see the note at the top); exit 0 when every record was reported. */
int main(int argc, char **argv) {
    run_t r;
    memset(&r, 0, sizeof r);
    r.partitions = 6;
    r.size = 100;
    const char *out = NULL, *stats = NULL, *logf = NULL;
    double deadline_s = 600;
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    if (!conf)
        return 1;
    kfk_conf_set(conf, "statistics.interval.ms", "1000", NULL, 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "-b")) {
            kfk_conf_set(conf, "bootstrap.servers", v, NULL, 0);
        } else if (!strcmp(a, "-t")) {
            r.topic = v;
        } else if (!strcmp(a, "-n")) {
            r.count = (uint32_t)strtoul(v, NULL, 10);
        } else if (!strcmp(a, "-r")) {
            r.rate = strtod(v, NULL);
        } else if (!strcmp(a, "-P")) {
            r.partitions = (uint32_t)strtoul(v, NULL, 10);
        } else if (!strcmp(a, "-S")) {
            r.size = strtoul(v, NULL, 10);
        } else if (!strcmp(a, "--out")) {
            out = v;
        } else if (!strcmp(a, "--stats")) {
            stats = v;
        } else if (!strcmp(a, "--log")) {
            logf = v;
        } else if (!strcmp(a, "--stop-file")) {
            r.stop_file = v;
        } else if (!strcmp(a, "--deadline")) {
            deadline_s = strtod(v, NULL);
        } else if (!strcmp(a, "-X")) {
            char kv[512];
            snprintf(kv, sizeof kv, "%s", v);
            char *eq = strchr(kv, '=');
            if (!eq)
                usage();
            *eq = '\0';
            if (kfk_conf_set(conf, kv, eq + 1, errstr, sizeof errstr) != KFK_ERR_NONE) {
                fprintf(stderr, "rel_produce: %s\n", errstr);
                return 2;
            }
        } else {
            usage();
        }
    }
    if (!r.topic || r.count == 0 || r.partitions == 0 || !out)
        usage();
    if (r.size < 10)
        r.size = 10;
    r.out = fopen(out, "w");
    r.stats = stats ? fopen(stats, "w") : NULL;
    r.log = logf ? fopen(logf, "w") : NULL;
    r.send_us = calloc(r.count, sizeof *r.send_us);
    r.send_rms = calloc(r.count, sizeof *r.send_rms);
    r.value = malloc(r.size + 1);
    if (!r.out || (stats && !r.stats) || (logf && !r.log) || !r.send_us || !r.send_rms ||
        !r.value) {
        fprintf(stderr, "rel_produce: cannot open the output files: %s\n", strerror(errno));
        return 1;
    }
    memset(r.value, 'x', r.size + 1);
    kfk_conf_set_log_cb(conf, on_log, &r);
    kfk_conf_set_stats_cb(conf, on_stats, &r);

    uv_loop_t loop;
    uv_loop_init(&loop);
    r.loop = &loop;
    if (kfk_producer_new(&loop, conf, &r.p, errstr, sizeof errstr) != KFK_ERR_NONE) {
        fprintf(stderr, "rel_produce: %s\n", errstr);
        return 1;
    }
    kfk_conf_free(conf);
    kfk_producer_set_data(r.p, &r);
    uv_timer_init(&loop, &r.tick);
    uv_timer_init(&loop, &r.deadline);
    r.tick.data = &r;
    r.deadline.data = &r;
    r.t0_ms = uv_now(&loop);
    int64_t t0 = mono_us();
    uv_timer_start(&r.tick, on_tick, 0, 5);
    uv_timer_start(&r.deadline, on_deadline, (uint64_t)(deadline_s * 1000), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&loop);
    printf("{\"sent\":%" PRIu32 ",\"reported\":%" PRIu32 ",\"delivered\":%" PRIu32
           ",\"failed\":%" PRIu32 ",\"queue_full\":%" PRIu64 ",\"elapsed_ms\":%" PRId64 "}\n",
           r.sent, r.reported, r.delivered, r.failed, r.queue_full, (mono_us() - t0) / 1000);
    fclose(r.out);
    if (r.stats)
        fclose(r.stats);
    if (r.log)
        fclose(r.log);
    free(r.send_us);
    free(r.send_rms);
    free(r.value);
    if (rc != 0) {
        fprintf(stderr, "rel_produce: uv_loop_close: %s\n", uv_strerror(rc));
        return 1;
    }
    return r.exit_code;
}
