/*
 * bench_util.h: what every benchmark program measures the same way (kfk's and the librdkafka
 * twins alike, so nothing here touches kfk): the monotonic clock, CPU seconds and peak RSS of
 * the process (getrusage, every thread), delivery-latency percentiles, and a fatal-error exit.
 */
#ifndef KFK_BENCH_UTIL_H
#define KFK_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* glibc's name of the running program (declared by <errno.h> only under _GNU_SOURCE). */
extern char *program_invocation_short_name;

/* Prints "PROGRAM: WHAT[: DETAIL]" on stderr and exits 1. */
static inline void bench_die(const char *what, const char *detail) {
    fprintf(stderr, "%s: %s%s%s\n", program_invocation_short_name, what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

/* Seconds on CLOCK_MONOTONIC. */
static inline double bench_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of the process so far. */
static inline double bench_cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Peak resident set size of the process, KiB. */
static inline long bench_max_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static inline int bench_cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the @p n delivery latencies @p us (microseconds, in place) and writes
 * "p50_ms=... p99_ms=... p999_ms=... max_ms=..." into @p out; with @p cdf set, also writes that
 * file: 1001 lines "QUANTILE LATENCY_MS" for quantiles 0, 0.001, ..., 1 (the latency CDF that
 * bench/plot.py draws). */
static inline void bench_latency_report(uint32_t *us, long n, const char *cdf, char *out,
                                        size_t outsz) {
    if (n <= 0) {
        snprintf(out, outsz, "p50_ms=- p99_ms=- p999_ms=- max_ms=-");
        return;
    }
    qsort(us, (size_t)n, sizeof *us, bench_cmp_u32);
#define BENCH_Q(q) ((double)us[(long)((double)(n - 1) * (q))] / 1e3)
    snprintf(out, outsz, "p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f", BENCH_Q(0.5),
             BENCH_Q(0.99), BENCH_Q(0.999), BENCH_Q(1.0));
    if (cdf) {
        FILE *f = fopen(cdf, "w");
        if (!f)
            bench_die("cannot write", cdf);
        for (int i = 0; i <= 1000; i++)
            fprintf(f, "%.3f %.3f\n", i / 1000.0, BENCH_Q(i / 1000.0));
        fclose(f);
    }
#undef BENCH_Q
}

#endif
